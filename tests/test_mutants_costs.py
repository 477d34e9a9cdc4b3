"""The cost of lost deals and the pilot funnel, exactly, written from a mutation run
(docs/mutmut.md): hours with and without a rate, the team's currency first, every refusal."""

from __future__ import annotations

import pytest

from bot.domain.costs import loss_costs, pilot_funnel
from bot.domain.errors import InvalidAmount, InvalidValue


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


def test_loss_costs_price_hours_at_the_rate_and_list_the_teams_currency_first():
    result = loss_costs([
        {"amount": eur(100), "hours": 2, "hourly_cost": eur(50), "avoidable": True},
        {"amount": usd(10), "hours": 3, "hourly_cost": None, "avoidable": True},
        {"amount": usd(5), "hours": 1, "hourly_cost": usd(20), "avoidable": True},
        {"amount": None, "hours": None},
        {"amount": usd(0.5), "hours": 4},
    ], first="USD")
    assert result.to_dict() == {
        "deals": 5, "deals_with_hours": 4, "hours": 10, "unpriced_hours": 7,
        "effort": [usd(20), eur(100)], "value_lost": [usd(15.5), eur(100)], "avoidable_deals": 3,
        "avoidable_value": [usd(15), eur(100)], "avoidable_effort": [usd(20), eur(100)]}


@pytest.mark.parametrize(("loss", "error", "field", "value", "message"), [
    ({"amount": usd(-1)}, InvalidAmount, "losses[1].amount", usd(-1), "must not be negative"),
    ({"amount": None, "hours": "many"}, InvalidValue, "losses[1].hours", "many", "expected a number"),
    ({"amount": None, "hours": -1}, InvalidValue, "losses[1].hours", -1, "expected 0 hours or more"),
    ({"amount": None, "hours": 1, "hourly_cost": usd(-5)}, InvalidAmount, "losses[1].hourly_cost", usd(-5),
     "must not be negative"),
])
def test_loss_costs_refusals_name_the_loss_and_field(loss, error, field, value, message):
    with pytest.raises(error) as caught:
        loss_costs([{"amount": None}, loss])
    assert (caught.value.field, caught.value.value, caught.value.message) == (field, value, message)


def test_the_pilot_funnel_counts_met_but_not_bought_and_hours_of_the_ones_not_bought():
    funnel = pilot_funnel([
        {"outcome": "all_met", "action": "buy", "hours": 50},
        {"outcome": "all_met", "action": "stop", "hours": 10},
        {"outcome": "all_met", "action": "re_scope", "hours": None},
        {"outcome": "some_met", "action": "extend", "hours": 2.5},
        {"outcome": None, "action": None, "hours": 99},
    ])
    assert funnel.to_dict() == {"started": 5, "decided": 4, "bought": 1, "should_have_bought": 3,
                                "met_but_not_bought": 2, "running": 1, "hours_not_bought": 12.5}


def test_the_pilot_funnel_refuses_an_unknown_action_or_unreadable_hours():
    with pytest.raises(InvalidValue) as caught:
        pilot_funnel([{"outcome": None, "action": "ship"}])
    assert (caught.value.field, caught.value.value, caught.value.message) == (
        "pilots[0].action", "ship", "expected one of: buy, extend, re_scope, stop")
    with pytest.raises(InvalidValue) as caught:
        pilot_funnel([{"outcome": None, "action": "stop", "hours": "x"}])
    assert caught.value.field == "pilots[0].hours"
