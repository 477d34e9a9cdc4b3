"""Pipeline coverage for a loss (bot/domain/coverage.py). Numbers checked by hand."""

from __future__ import annotations

import pytest

from bot.domain.coverage import recovery_plan
from bot.domain.errors import CurrencyMismatch, InvalidAmount, InvalidValue
from tests.helpers import usd


def test_recovery_plan_default_multiple_is_three_times_unrecovered():
    plan = recovery_plan(usd(100000), usd(40000))
    assert plan.unrecovered == usd(60000)
    assert (plan.multiple, plan.multiple_source) == (3, "default")
    assert plan.pipeline_to_add == usd(180000)
    assert plan.retained_exceeds_lost is False
    assert plan.covered_by_current is None and plan.shortfall is None
    assert plan.pipeline_needed_total is None and plan.current_coverage is None


def test_recovery_plan_retained_exceeds_lost_leaves_nothing_to_recover():
    plan = recovery_plan(usd(50000), usd(80000))
    assert plan.unrecovered == usd(0)
    assert plan.retained_exceeds_lost is True
    assert plan.pipeline_to_add == usd(0)


def test_recovery_plan_retained_none_counts_as_zero():
    assert recovery_plan(usd(10000), None).unrecovered == usd(10000)


def test_recovery_plan_win_rate_25_percent_is_4x():
    plan = recovery_plan(usd(100000), usd(40000), win_rate=25)
    assert (plan.multiple, plan.multiple_source, plan.win_rate) == (4, "win_rate", 25)
    assert plan.pipeline_to_add == usd(240000)


def test_recovery_plan_win_rate_uses_the_exact_multiple():
    plan = recovery_plan(usd(60000), usd(0), win_rate=30)
    assert plan.multiple == 3.33
    assert plan.pipeline_to_add == usd(200000)  # 60,000 x 100/30, not x 3.33


def test_recovery_plan_win_rate_wins_over_multiple():
    assert recovery_plan(usd(1000), usd(0), multiple=5, win_rate=50).multiple == 2
    assert recovery_plan(usd(1000), usd(0), multiple=5).pipeline_to_add == usd(5000)


@pytest.mark.parametrize("win_rate", [0, -10, 100.5])
def test_recovery_plan_win_rate_out_of_range_refused(win_rate):
    with pytest.raises(InvalidValue) as caught:
        recovery_plan(usd(1000), usd(0), win_rate=win_rate)
    assert caught.value.field == "win_rate"
    assert caught.value.value == win_rate


def test_recovery_plan_multiple_below_one_refused():
    with pytest.raises(InvalidValue) as caught:
        recovery_plan(usd(1000), usd(0), multiple=0.5)
    assert caught.value.field == "multiple"


def test_recovery_plan_current_pipeline_covers_the_loss_only():
    plan = recovery_plan(usd(100000), usd(40000), current_pipeline=usd(150000))
    assert plan.covered_by_current is False
    assert plan.shortfall == usd(30000)


def test_recovery_plan_quota_adds_the_quota_need():
    plan = recovery_plan(usd(100000), usd(40000), quota=usd(500000), current_pipeline=usd(1200000))
    assert plan.pipeline_needed_total == usd(1680000)  # 3 x 500,000 + 180,000
    assert plan.covered_by_current is True
    assert plan.shortfall == usd(0)
    assert plan.covered_total_by_current is False
    assert plan.shortfall_total == usd(480000)
    assert plan.current_coverage == 2.14  # 1,200,000 / 560,000


def test_recovery_plan_zero_quota_needs_only_the_loss():
    plan = recovery_plan(usd(20000), usd(0), quota=usd(0), current_pipeline=usd(100000))
    assert plan.pipeline_needed_total == usd(60000)
    assert plan.covered_total_by_current is True
    assert plan.current_coverage == 5.0


def test_recovery_plan_zero_quota_and_nothing_lost_has_no_coverage_ratio():
    plan = recovery_plan(usd(0), usd(0), quota=usd(0), current_pipeline=usd(100000))
    assert plan.pipeline_needed_total == usd(0)
    assert plan.current_coverage is None


@pytest.mark.parametrize("field", ["retained", "quota", "current_pipeline"])
def test_recovery_plan_mixed_currencies_refused(field):
    kwargs = {"retained": usd(0), "quota": usd(1), "current_pipeline": usd(1)}
    kwargs[field] = {"amount": 1, "currency": "EUR"}
    retained = kwargs.pop("retained")
    with pytest.raises(CurrencyMismatch) as caught:
        recovery_plan(usd(1000), retained, **kwargs)
    assert (caught.value.expected, caught.value.got, caught.value.field) == ("USD", "EUR", field)


def test_recovery_plan_negative_amount_refused():
    with pytest.raises(InvalidAmount) as caught:
        recovery_plan(usd(1000), usd(-1))
    assert caught.value.field == "retained"


def test_recovery_plan_to_dict_is_json_friendly():
    import json

    data = recovery_plan(usd(1000.5), usd(0.25), win_rate=25).to_dict()
    assert json.loads(json.dumps(data))["pipeline_to_add"] == usd(4001)
