"""Pipeline coverage for a loss (bot/domain/coverage.py). Numbers checked by hand."""

from __future__ import annotations

from decimal import Decimal

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


# -- exact multiple, whole units, and the boundaries ----------------------------------------


def test_recovery_plan_keeps_the_exact_multiple_and_shows_whole_units():
    plan = recovery_plan(usd(3300000), usd(0), win_rate=30, quota=usd(11300000), current_pipeline=usd(40000000))
    assert plan.multiple == 3.33 and plan.exact_multiple.startswith("3.3333333333333333")
    assert plan.pipeline_to_add == usd(11000000)  # 3.33 would give 10,989,000
    # 11,300,000 x 100 / 30 = 37,666,666.67: a target, so whole units, half-up
    assert plan.pipeline_for_quota == usd(37666667)
    assert plan.pipeline_needed_total == usd(48666667)
    assert plan.shortfall_total == usd(8666667)
    assert plan.shortfall == usd(0) and plan.covered_by_current is True


def test_recovery_plan_whole_units_round_half_up():
    # 1,000.15 x 3 = 3,000.45 -> 3,000; 1,000.17 x 3 = 3,000.51 -> 3,001; 0.5 x 3 = 1.5 -> 2
    assert recovery_plan(usd(1000.15), usd(0)).pipeline_to_add == usd(3000)
    assert recovery_plan(usd(1000.17), usd(0)).pipeline_to_add == usd(3001)
    assert recovery_plan(usd(0.5), usd(0)).pipeline_to_add == usd(2)
    # the amounts people typed keep their cents
    assert recovery_plan(usd(1000.17), usd(0.02)).unrecovered == usd(1000.15)


def test_recovery_plan_pipeline_exactly_what_is_needed_is_covered():
    loss_only = recovery_plan(usd(10000), usd(0), current_pipeline=usd(30000))
    assert loss_only.covered_by_current is True and loss_only.shortfall == usd(0)
    below = recovery_plan(usd(10000), usd(0), current_pipeline=usd(29999.99))
    assert below.covered_by_current is False and below.shortfall == usd(0.01)
    total = recovery_plan(usd(10000), usd(0), quota=usd(100000), current_pipeline=usd(330000))
    assert total.covered_total_by_current is True and total.shortfall_total == usd(0)
    short = recovery_plan(usd(10000), usd(0), quota=usd(100000), current_pipeline=usd(329999))
    assert short.covered_total_by_current is False and short.shortfall_total == usd(1)


def test_recovery_plan_retained_equal_to_lost_is_not_more_than_lost():
    plan = recovery_plan(usd(5000), usd(5000))
    assert plan.retained_exceeds_lost is False and plan.unrecovered == usd(0)
    assert recovery_plan(usd(5000), usd(5000.01)).retained_exceeds_lost is True


def test_recovery_plan_accepts_a_100_percent_win_rate_and_a_1x_multiple():
    full = recovery_plan(usd(1000), usd(0), win_rate=100)
    assert (full.multiple, full.multiple_source, full.pipeline_to_add) == (1, "win_rate", usd(1000))
    one = recovery_plan(usd(1000), usd(0), multiple=1)
    assert (one.multiple, one.multiple_source, one.pipeline_to_add) == (1, "multiple", usd(1000))
    assert recovery_plan(usd(1000), usd(0), default_multiple=1).pipeline_to_add == usd(1000)
    tiny = recovery_plan(usd(1000), usd(0), win_rate=0.5)  # just above 0: 200x
    assert tiny.pipeline_to_add == usd(200000)
    with pytest.raises(InvalidValue):
        recovery_plan(usd(1000), usd(0), multiple=0.99)
    with pytest.raises(InvalidValue) as caught:
        recovery_plan(usd(1000), usd(0), default_multiple=0.99)
    assert caught.value.field == "default_multiple"


def test_recovery_plan_coverage_ratio_hand_checked():
    # 100,000 / (200,000 + 50,000) = 0.4
    plan = recovery_plan(usd(80000), usd(30000), quota=usd(200000), current_pipeline=usd(100000))
    assert plan.current_coverage == 0.4
    assert plan.pipeline_needed_total == usd(750000)  # 3 x 200,000 + 3 x 50,000


def test_recovery_plan_echoes_its_inputs_as_money_dicts():
    plan = recovery_plan(usd(1000.5), usd(200), quota=usd(5000), current_pipeline=usd(9000))
    assert plan.currency == "USD"
    assert (plan.lost, plan.retained, plan.quota, plan.current_pipeline) == (usd(1000.5), usd(200), usd(5000), usd(9000))
    bare = recovery_plan(usd(1000), None)
    assert bare.quota is None and bare.current_pipeline is None and bare.retained == usd(0) and bare.win_rate is None


def test_coverage_multiple_defaults_to_three():
    from bot.domain.coverage import coverage_multiple

    assert coverage_multiple() == (3, "default")
    assert coverage_multiple(win_rate=40) == (Decimal("2.5"), "win_rate")


@pytest.mark.parametrize("kwargs, field, value, words", [
    ({"win_rate": 0}, "win_rate", 0, "expected a percent above 0 and at most 100, e.g. 25 for 25%"),
    ({"win_rate": "a lot"}, "win_rate", "a lot", "expected a number"),
    ({"multiple": 0.5}, "multiple", 0.5, "expected a coverage multiple of at least 1, e.g. 3 for 3x"),
    ({"multiple": "x"}, "multiple", "x", "expected a number"),
    ({"default_multiple": 0}, "default_multiple", 0, "expected a coverage multiple of at least 1"),
])
def test_coverage_multiple_errors_name_field_value_and_fix(kwargs, field, value, words):
    with pytest.raises(InvalidValue) as caught:
        recovery_plan(usd(1000), usd(0), **kwargs)
    assert (caught.value.field, caught.value.value) == (field, value)
    assert caught.value.message.startswith(words)


@pytest.mark.parametrize("lost, words", [({"amount": -1, "currency": "USD"}, "must not be negative"),
                                         ({"amount": "x", "currency": "USD"}, "expected a number")])
def test_recovery_plan_lost_errors_name_the_field(lost, words):
    with pytest.raises(InvalidAmount) as caught:
        recovery_plan(lost, None)
    assert caught.value.field == "lost" and caught.value.message.startswith(words)
