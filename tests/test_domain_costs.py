"""The cost of mistakes and a quarter's pilot conversion (bot/domain/costs.py)."""

from __future__ import annotations

import pytest

from bot.domain.costs import mistake_cost, pilot_conversion
from bot.domain.errors import CurrencyMismatch, InvalidValue
from tests.helpers import usd


def test_mistake_cost_domain_example_120k_half_saved_40_hours_at_500():
    cost = mistake_cost([{"who": "U_SENIOR", "hours": 40, "hourly_cost": usd(500)}], usd(120000), usd(60000))
    assert cost.effort_cost == usd(20000)
    assert cost.value_lost == usd(60000)
    assert cost.net == usd(40000)
    assert cost.hours == 40
    assert cost.by_person == ({"who": "U_SENIOR", "hours": 40, "cost": usd(20000)},)


def test_mistake_cost_several_people_with_fractions():
    cost = mistake_cost([
        {"who": "ae", "hours": 30, "hourly_cost": usd(500)},
        {"who": "se", "hours": 10.5, "hourly_cost": usd(250.5)},
    ], usd(50000), usd(10000))
    assert cost.hours == 40.5
    assert cost.effort_cost == usd(17630.25)  # 15,000 + 2,630.25
    assert cost.net == usd(-7630.25)
    assert cost.value_lost == usd(40000)


def test_mistake_cost_recovered_more_than_full_refused():
    with pytest.raises(InvalidValue) as caught:
        mistake_cost([], usd(100), usd(101))
    assert caught.value.field == "recovered_value"


def test_mistake_cost_hourly_cost_in_another_currency_refused():
    with pytest.raises(CurrencyMismatch) as caught:
        mistake_cost([{"who": "a", "hours": 1, "hourly_cost": {"amount": 1, "currency": "EUR"}}], usd(100), usd(0))
    assert caught.value.field == "hours[0].hourly_cost"


def test_mistake_cost_negative_hours_refused():
    with pytest.raises(InvalidValue) as caught:
        mistake_cost([{"who": "a", "hours": -2, "hourly_cost": usd(1)}], usd(100), usd(0))
    assert caught.value.field == "hours[0].hours"


def test_pilot_conversion_quarter_with_a_pending_pilot():
    result = pilot_conversion([
        {"pilot_fee": usd(20000), "deal_value": usd(120000), "action": "buy"},
        {"pilot_fee": usd(10000), "deal_value": usd(80000), "action": "stop"},
        {"pilot_fee": None, "full_value": usd(50000), "action": None},
    ])
    assert result.pilot_fees == usd(30000)
    assert result.full_value_at_stake == usd(250000)
    assert result.converted_value == usd(120000)
    assert (result.pilot_count, result.decided_count, result.converted_count, result.pending_count) == (3, 2, 1, 1)
    assert (result.conversion_rate, result.value_conversion) == (0.5, 0.6)


def test_pilot_conversion_no_pilots_has_no_ratios():
    result = pilot_conversion([])
    assert (result.currency, result.pilot_fees, result.conversion_rate, result.value_conversion) == (None, None, None, None)


def test_pilot_conversion_unknown_action_refused():
    with pytest.raises(InvalidValue) as caught:
        pilot_conversion([{"pilot_fee": usd(1), "deal_value": usd(10), "action": "maybe"}])
    assert caught.value.field == "pilots[0].action"


def test_pilot_conversion_mixed_currencies_refused():
    with pytest.raises(CurrencyMismatch) as caught:
        pilot_conversion([{"pilot_fee": usd(1), "deal_value": {"amount": 10, "currency": "EUR"}}])
    assert caught.value.field == "pilots[0].pilot_fee"


def test_loss_costs_price_hours_at_the_rate_and_keep_currencies_apart():
    from bot.domain.costs import loss_costs

    rate = {"amount": 150, "currency": "USD"}
    costs = loss_costs([
        {"amount": {"amount": 120000, "currency": "USD"}, "hours": 40, "hourly_cost": rate, "avoidable": True},
        {"amount": {"amount": 10000, "currency": "EUR"}, "hours": 0, "hourly_cost": rate, "avoidable": False},
        {"amount": None, "hours": 2.5, "hourly_cost": None, "avoidable": True},
        {"amount": {"amount": 5000, "currency": "USD"}, "hours": None, "hourly_cost": rate, "avoidable": None},
    ], first="USD")
    assert costs.to_dict() == {
        "deals": 4, "deals_with_hours": 3, "hours": 42.5, "unpriced_hours": 2.5,
        "effort": [{"amount": 6000, "currency": "USD"}],  # 40 x 150 + 0 x 150
        "value_lost": [{"amount": 125000, "currency": "USD"}, {"amount": 10000, "currency": "EUR"}],
        "avoidable_deals": 2, "avoidable_value": [{"amount": 120000, "currency": "USD"}],
        "avoidable_effort": [{"amount": 6000, "currency": "USD"}],
    }


def test_loss_costs_refuse_negative_hours():
    from bot.domain.costs import loss_costs

    with pytest.raises(InvalidValue) as caught:
        loss_costs([{"amount": None, "hours": -1, "hourly_cost": None}])
    assert caught.value.field == "losses[0].hours"


def test_pilot_funnel_counts_started_bought_and_should_have_bought():
    from bot.domain.costs import pilot_funnel

    funnel = pilot_funnel([
        {"outcome": "all_met", "action": "buy", "hours": 5},  # bought: its hours don't count
        {"outcome": "all_met", "action": "stop", "hours": 20},  # should have bought
        {"outcome": "all_met", "action": None, "hours": None},  # met, still to decide: running
        {"outcome": "not_met", "action": "re_scope", "hours": 7.5},
        {"outcome": None, "action": None, "hours": None},
    ])
    assert funnel.to_dict() == {"started": 5, "decided": 3, "bought": 1, "should_have_bought": 3,
                                "met_but_not_bought": 1, "running": 2, "hours_not_bought": 27.5}


# -- boundaries and the errors' fields (cases a mutation run found untested) -----------------


def test_mistake_cost_everything_recovered_and_zero_hours_are_accepted():
    cost = mistake_cost([{"who": "ae", "hours": 0, "hourly_cost": usd(500)},
                         {"who": "se", "hours": 0.5, "hourly_cost": usd(0)}], usd(1000), usd(1000))
    assert cost.value_lost == usd(0) and cost.net == usd(1000) and cost.hours == 0.5
    assert cost.full_value == usd(1000) and cost.recovered_value == usd(1000) and cost.currency == "USD"
    assert cost.to_dict()["by_person"][0] == {"who": "ae", "hours": 0, "cost": usd(0)}
    assert mistake_cost([], usd(0), usd(0)).effort_cost == usd(0)


@pytest.mark.parametrize("hours, full, recovered, field, value, words", [
    ([], usd(-1), usd(0), "full_value", usd(-1), "must not be negative"),
    ([], usd(10), usd(-1), "recovered_value", usd(-1), "must not be negative"),
    ([], usd(10), usd(10.01), "recovered_value", usd(10.01), "cannot be more than the full value (10 USD)"),
    (["40 hours"], usd(10), usd(0), "hours[0]", "40 hours", "expected {who, hours, hourly_cost}"),
    ([{"hours": -0.5, "hourly_cost": usd(1)}], usd(10), usd(0), "hours[0].hours", -0.5, "expected 0 hours or more"),
    ([{"hours": "x", "hourly_cost": usd(1)}], usd(10), usd(0), "hours[0].hours", "x", "expected a number"),
    ([{"hours": 1, "hourly_cost": usd(-1)}], usd(10), usd(0), "hours[0].hourly_cost", usd(-1), "must not be negative"),
])
def test_mistake_cost_errors_name_field_value_and_fix(hours, full, recovered, field, value, words):
    with pytest.raises(InvalidValue) as caught:
        mistake_cost(hours, full, recovered)
    assert caught.value.field == field and caught.value.value == value
    assert caught.value.message.startswith(words)


def test_mistake_cost_currency_mismatch_names_the_field():
    with pytest.raises(CurrencyMismatch) as caught:
        mistake_cost([], usd(10), {"amount": 1, "currency": "EUR"})
    assert caught.value.field == "recovered_value"


def pilot(value, fee=None, action=None, key="deal_value"):
    return {key: usd(value), "pilot_fee": usd(fee) if fee is not None else None, "action": action}


def test_pilot_conversion_counts_a_running_pilots_fee_and_value_but_not_its_decision():
    view = pilot_conversion([pilot(120000, 20000, "buy"), pilot(80000, 5000, "stop"), pilot(50000, 7000),
                             pilot(30000, None, "extend", key="full_value")])
    assert view.currency == "USD"
    assert (view.pilot_count, view.decided_count, view.converted_count, view.pending_count) == (4, 3, 1, 1)
    assert view.pilot_fees == usd(32000)  # 20,000 + 5,000 + the running pilot's 7,000 + no fee
    assert view.full_value_at_stake == usd(280000)
    assert view.decided_value == usd(230000)  # 120,000 + 80,000 + 30,000: not the running 50,000
    assert view.converted_value == usd(120000)
    assert view.conversion_rate == 0.3333 and view.value_conversion == 0.5217  # 120 / 230
    assert view.to_dict()["decided_value"] == usd(230000)


def test_pilot_conversion_with_nothing_decided_has_no_rates_and_empty_has_no_currency():
    view = pilot_conversion([pilot(1000, 100)])
    assert view.decided_value == usd(0) and view.conversion_rate is None and view.value_conversion is None
    empty = pilot_conversion([])
    assert empty.currency is None and empty.pilot_fees is None and empty.pilot_count == 0


@pytest.mark.parametrize("pilots, field, value, words", [
    (["pilot"], "pilots[0]", "pilot", "expected a pilot as a mapping"),
    ([pilot(-1)], "pilots[0].deal_value", usd(-1), "must not be negative"),
    ([pilot(10, -1)], "pilots[0].pilot_fee", usd(-1), "must not be negative"),
    ([pilot(10, 1, "maybe")], "pilots[0].action", "maybe", "expected one of: buy, extend, re_scope, stop"),
])
def test_pilot_conversion_errors_name_field_value_and_fix(pilots, field, value, words):
    with pytest.raises(InvalidValue) as caught:
        pilot_conversion(pilots)
    assert caught.value.field == field and caught.value.value == value
    assert caught.value.message.startswith(words)


def test_pilot_conversion_mixed_currencies_name_the_field():
    with pytest.raises(CurrencyMismatch) as caught:
        pilot_conversion([pilot(10), {"deal_value": {"amount": 5, "currency": "EUR"}}])
    assert caught.value.field == "pilots.deal_value[1]"
