"""Team weights and the weighted ranking of open opportunities (bot/domain/ranking.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import CurrencyMismatch, InvalidValue, UnknownFactor
from bot.domain.ranking import DEFAULT_FACTORS, Factor, member_shares, rank, score_opportunities, team_weights
from tests.helpers import usd


def opp(name, amount, probability=50, days=30, fit=3, relationship=3, effort=3, **extra):
    return {"name": name, "amount": usd(amount), "probability": probability, "days_to_close": days,
            "strategic_fit": fit, "relationship": relationship, "effort": effort, **extra}


def test_default_factors_sum_to_one_in_order():
    assert [f.key for f in DEFAULT_FACTORS] == ["revenue", "probability", "time_to_close", "strategic_fit", "relationship", "effort"]
    assert team_weights({}) == {"revenue": 0.25, "probability": 0.25, "time_to_close": 0.15,
                                "strategic_fit": 0.15, "relationship": 0.1, "effort": 0.1}


def test_team_weights_each_member_counts_equally_after_normalising_to_100_percent():
    # raw points averaged would give revenue 10 / 11 = 91%; each member's shares first gives 50/50
    members = {"U1": {"revenue": 10, "probability": 0, "time_to_close": 0, "strategic_fit": 0, "relationship": 0,
                      "effort": 0},
               "U2": {"revenue": 0, "probability": 1, "time_to_close": 0, "strategic_fit": 0, "relationship": 0,
                      "effort": 0}}
    assert team_weights(members) == {"revenue": 0.5, "probability": 0.5, "time_to_close": 0.0,
                                     "strategic_fit": 0.0, "relationship": 0.0, "effort": 0.0}


def test_team_weights_factors_a_member_leaves_out_count_as_zero():
    # "revenue 10" alone is revenue 100% for that member, not 10 / (10 + 15 of defaults) = 40%
    assert team_weights({"U1": {"revenue": 10}}) == {"revenue": 1.0, "probability": 0.0, "time_to_close": 0.0,
                                                     "strategic_fit": 0.0, "relationship": 0.0, "effort": 0.0}
    assert member_shares({"revenue": 10}) == {"revenue": 1, "probability": 0, "time_to_close": 0,
                                              "strategic_fit": 0, "relationship": 0, "effort": 0}


def test_team_weights_average_four_members_hand_checked():
    members = {
        "U1": {"revenue": 3, "probability": 1},  # .75 .25
        "U2": {"revenue": 1, "effort": 1},  # .5 .5
        "U3": {"time_to_close": 2, "strategic_fit": 2},  # .5 .5
        "U4": {"probability": 4},  # 1
    }
    # (.75 + .5) / 4, (.25 + 1) / 4, .5 / 4, .5 / 4, 0, .5 / 4
    assert team_weights(members) == {"revenue": 0.3125, "probability": 0.3125, "time_to_close": 0.125,
                                     "strategic_fit": 0.125, "relationship": 0.0, "effort": 0.125}


def test_team_weights_locked_by_manager_ignore_members():
    members = {"U1": {"revenue": 0, "probability": 10}}
    locked = {"revenue": 10, "probability": 5, "time_to_close": 0, "relationship": 5}  # fit and effort left out: 0
    assert team_weights(members, locked=locked) == {"revenue": 0.5, "probability": 0.25, "time_to_close": 0.0,
                                                    "strategic_fit": 0.0, "relationship": 0.25, "effort": 0.0}


def test_team_weights_unknown_factor_refused():
    with pytest.raises(UnknownFactor) as caught:
        team_weights({"U1": {"vibes": 3}})
    assert caught.value.key == "vibes"
    assert "revenue" in caught.value.known


def test_team_weights_all_zero_refused():
    zero = {f.key: 0 for f in DEFAULT_FACTORS}
    with pytest.raises(InvalidValue) as caught:
        team_weights({}, locked=zero)
    assert caught.value.field == "locked"


def test_team_weights_negative_weight_refused():
    with pytest.raises(InvalidValue) as caught:
        team_weights({"U1": {"effort": -1}})
    assert caught.value.field == "member_weights[U1].effort"


def test_team_weights_custom_factor_added_by_a_team():
    factors = (*DEFAULT_FACTORS, Factor("expansion", "Expansion potential", 5))
    weights = team_weights({"U1": {"expansion": 5, "revenue": 15}}, factors=factors)
    assert weights["expansion"] == 0.25 and weights["revenue"] == 0.75 and weights["effort"] == 0.0


def test_score_opportunities_hand_checked_with_default_weights():
    scored = score_opportunities([
        opp("A", 100000, probability=50, days=30, fit=5, relationship=3, effort=1),
        opp("B", 50000, probability=80, days=60, fit=3, relationship=5, effort=5),
    ])
    # A: .25x1 + .25x.5 + .15x(1-30/60) + .15x1 + .1x.5 + .1x1 = .75
    # B: .25x.5 + .25x.8 + .15x0 + .15x.5 + .1x1 + .1x0 = .5
    assert [(s.name, s.score) for s in scored] == [("A", 75), ("B", 50)]
    assert scored[1].factors == {"revenue": 0.5, "probability": 0.8, "time_to_close": 0.0,
                                 "strategic_fit": 0.5, "relationship": 1.0, "effort": 0.0}


def test_score_opportunities_close_date_needs_today():
    opps = [opp("A", 10, days=None, close_date="2024-07-01"), opp("B", 10, days=15)]
    scored = score_opportunities(opps, {"time_to_close": 1}, today=date(2024, 6, 1))
    assert [s.score for s in scored] == [0, 50]  # 30 days is the longest; 15 is half way
    with pytest.raises(InvalidValue) as caught:
        score_opportunities(opps, {"time_to_close": 1})
    assert caught.value.field == "today"


def test_score_opportunities_past_close_date_counts_as_now():
    scored = score_opportunities([opp("Late", 10, days=-20), opp("Later", 10, days=10)], {"time_to_close": 1})
    assert [s.score for s in scored] == [100, 0]


def test_score_opportunities_missing_rating_scores_neutral_and_is_listed():
    scored = score_opportunities([opp("A", 10, effort=None)], {"effort": 1})
    assert scored[0].score == 50
    assert scored[0].missing == ("effort",)


def test_score_opportunities_rating_out_of_range_refused():
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([opp("A", 10, fit=6)])
    assert (caught.value.field, caught.value.value) == ("opportunities[0].strategic_fit", 6)


def test_score_opportunities_probability_over_100_refused():
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([opp("A", 10, probability=120)])
    assert caught.value.field == "opportunities[0].probability"


def test_rank_ties_break_by_amount_then_name():
    opps = [opp("beta", 100), opp("Alpha", 100), opp("gamma", 200), opp("delta", 50, probability=90)]
    ranking = rank(opps, {"probability": 1})
    assert [(e.rank, e.name, e.score) for e in ranking.entries] == [
        (1, "delta", 90), (2, "gamma", 50), (3, "Alpha", 50), (4, "beta", 50),
    ]
    assert [e.name for e in rank(list(reversed(opps)), {"probability": 1}).entries] == ["delta", "gamma", "Alpha", "beta"]


def test_rank_top_n_against_target():
    opps = [opp("A", 200, probability=90), opp("B", 100, probability=60), opp("C", 100, probability=30)]
    ranking = rank(opps, {"probability": 1}, target=usd(250), top_n=1)
    assert [e.cumulative for e in ranking.entries] == [usd(200), usd(300), usd(400)]
    assert [e.name for e in ranking.top] == ["A"]
    assert ranking.top_total == usd(200)
    assert ranking.reaches_target is False
    assert ranking.target_shortfall == usd(50)
    assert ranking.opportunities_to_target == 2


def test_rank_target_out_of_reach():
    ranking = rank([opp("A", 100)], target=usd(1000))
    assert (ranking.reaches_target, ranking.opportunities_to_target, ranking.target_shortfall) == (False, None, usd(900))


def test_rank_empty_list_with_target():
    ranking = rank([], target=usd(1000))
    assert ranking.entries == () and ranking.top_total == usd(0) and ranking.target_shortfall == usd(1000)


def test_rank_mixed_currencies_refused():
    opps = [opp("A", 100), {**opp("B", 100), "amount": {"amount": 100, "currency": "EUR"}}]
    with pytest.raises(CurrencyMismatch) as caught:
        rank(opps)
    assert (caught.value.expected, caught.value.got, caught.value.field) == ("USD", "EUR", "opportunities.amount[1]")


def test_rank_target_in_another_currency_refused():
    with pytest.raises(CurrencyMismatch) as caught:
        rank([opp("A", 100)], target={"amount": 5, "currency": "GBP"})
    assert caught.value.field == "target"


def test_rank_top_n_must_be_positive():
    with pytest.raises(InvalidValue) as caught:
        rank([opp("A", 100)], top_n=0)
    assert caught.value.field == "top_n"


def test_a_crm_stage_stands_in_for_a_missing_probability():
    scored = score_opportunities([
        {"name": "A", "amount": usd(100), "stage": "Negotiation/Review"},
        {"name": "B", "amount": usd(100), "stage": "Prospecting", "probability": 40},  # the probability wins
        {"name": "C", "amount": usd(100), "stage": "Closed Lost"},
        {"name": "D", "amount": usd(100), "stage": "Our own stage"},
    ], {"probability": 1})
    assert [s.factors["probability"] for s in scored] == [0.9, 0.4, 0.0, 0.5]
    assert [s.score for s in scored] == [90, 40, 0, 50]
    assert "probability" not in scored[0].missing and "probability" in scored[3].missing


# -- boundaries and the errors' fields (cases a mutation run found untested) -----------------


def test_rank_top_n_exactly_reaching_the_target_reaches_it():
    opps = [opp("A", 200, probability=90), opp("B", 100, probability=60)]
    exact = rank(opps, {"probability": 1}, target=usd(200), top_n=1)
    assert exact.reaches_target is True and exact.target_shortfall == usd(0) and exact.opportunities_to_target == 1
    assert exact.currency == "USD" and exact.target == usd(200) and exact.top_n == 1
    short = rank(opps, {"probability": 1}, target=usd(200.01), top_n=1)
    assert short.reaches_target is False and short.target_shortfall == usd(0.01) and short.opportunities_to_target == 2
    over = rank(opps, {"probability": 1}, target=usd(150), top_n=1)
    assert over.target_shortfall == usd(0)


def test_rank_without_target_or_opportunities_has_none_of_their_figures():
    bare = rank([opp("A", 100)])
    assert bare.target is None and bare.reaches_target is None and bare.target_shortfall is None
    assert bare.opportunities_to_target is None and bare.top_total == usd(100)
    empty = rank([])
    assert empty.currency is None and empty.top_total is None and empty.entries == () and empty.top_n == 0


def test_rank_reads_close_dates_with_today_and_a_timestamp():
    today = date(2026, 11, 23)
    ranking = rank([{"name": "Soon", "amount": usd(100), "close_date": "2026-11-24T09:00:00Z"},
                    {"name": "Later", "amount": usd(100), "close_date": date(2026, 12, 3)}],
                   {"time_to_close": 1}, today=today)
    assert [(e.name, e.score) for e in ranking.entries] == [("Soon", 90), ("Later", 0)]  # 1 - 1/10, 1 - 10/10


@pytest.mark.parametrize("top_n", [True, 0, "2", 1.5])
def test_rank_top_n_must_be_a_whole_number_of_one_or_more(top_n):
    with pytest.raises(InvalidValue) as caught:
        rank([opp("A", 100)], top_n=top_n)
    assert (caught.value.field, caught.value.value, caught.value.message) == (
        "top_n", top_n, "expected a whole number of 1 or more")


def test_rank_target_errors_name_the_target():
    with pytest.raises(InvalidValue) as caught:
        rank([opp("A", 100)], target=usd(-1))
    assert caught.value.field == "target" and caught.value.message.startswith("must not be negative")
    with pytest.raises(CurrencyMismatch) as mismatch:
        rank([opp("A", 100)], target={"amount": 5, "currency": "GBP"})
    assert (mismatch.value.expected, mismatch.value.got) == ("USD", "GBP")


@pytest.mark.parametrize("opps, weights, field, value, message", [
    (["A"], None, "opportunities[0]", "A", "expected an opportunity as a mapping"),
    ([opp("A", 1, fit=6)], None, "opportunities[0].strategic_fit", 6, "expected a rating from 1 to 5"),
    ([opp("A", 1, fit="x")], None, "opportunities[0].strategic_fit", "x", "expected a number"),
    ([opp("A", 1, days="x")], None, "opportunities[0].days_to_close", "x", "expected a number"),
    ([{"name": "A", "amount": usd(1), "close_date": "soon"}], None, "opportunities[0].close_date", "soon",
     "expected a date as YYYY-MM-DD"),
    ([{"name": "A", "amount": usd(1), "close_date": "2026-12-01"}], None, "today", None,
     "needed to turn close dates into days to close"),
    ([opp("A", 1)], {"revenue": -1}, "weights.revenue", -1, "expected a weight of 0 or more"),
    ([opp("A", 1)], {"revenue": 0}, "weights", {"revenue": 0, "probability": 0, "time_to_close": 0,
                                                "strategic_fit": 0, "relationship": 0, "effort": 0},
     "at least one weight must be above 0"),
])
def test_scoring_errors_name_field_value_and_fix(opps, weights, field, value, message):
    with pytest.raises(InvalidValue) as caught:
        score_opportunities(opps, weights)
    assert (caught.value.field, caught.value.value, caught.value.message) == (field, value, message)


def test_weights_errors_name_where_they_come_from():
    zero = (Factor("expansion", "Expansion", 0),)
    with pytest.raises(InvalidValue) as caught:
        team_weights({}, factors=zero)
    assert caught.value.field == "default_weight"
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([opp("A", 1)], None, factors=zero)
    assert caught.value.field == "default_weight"
    with pytest.raises(InvalidValue) as caught:
        team_weights({}, factors=(Factor("expansion", "Expansion", -1),))
    assert caught.value.field == "expansion.default_weight"
    with pytest.raises(InvalidValue) as caught:
        member_shares({"revenue": 0})
    assert caught.value.field == "weights"
    custom = (*DEFAULT_FACTORS, Factor("expansion", "Expansion", 5))
    assert team_weights({}, locked={"expansion": 2}, factors=custom)["expansion"] == 1.0
    assert member_shares({"expansion": 1}, factors=custom)["expansion"] == 1


@pytest.mark.parametrize("probability, points", [(0, 0.0), (100, 1.0), (0.5, 0.005)])
def test_a_probability_from_0_to_100_inclusive_is_accepted(probability, points):
    [scored] = score_opportunities([opp("A", 1, probability=probability)], {"probability": 1})
    assert scored.factors["probability"] == points and "probability" not in scored.missing


@pytest.mark.parametrize("probability", [-0.01, 100.01, "x"])
def test_a_probability_outside_0_to_100_is_refused_with_its_field(probability):
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([opp("A", 1, probability=probability)])
    assert (caught.value.field, caught.value.value) == ("opportunities[0].probability", probability)
    if probability != "x":
        assert caught.value.message == "expected a percent from 0 to 100"


@pytest.mark.parametrize("name", [None, "", "   ", 5])
def test_every_opportunity_needs_a_name(name):
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([{"name": name, "amount": usd(1)}])
    assert (caught.value.field, caught.value.value, caught.value.message) == (
        "opportunities[0].name", name, "every opportunity needs a name")


def test_an_amount_is_required_and_not_negative():
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([{"name": "A", "amount": usd(-1)}])
    assert caught.value.field == "opportunities[0].amount"
    with pytest.raises(InvalidValue) as caught:
        score_opportunities([{"name": "A"}])
    assert caught.value.field == "opportunities[0].amount"


def test_all_amounts_zero_and_all_closing_today_score_as_they_should():
    scored = score_opportunities([{"name": "A", "amount": usd(0), "days_to_close": 0},
                                  {"name": "B", "amount": usd(0), "days_to_close": 0}],
                                 {"revenue": 1, "time_to_close": 1})
    # no amount to compare: revenue 0; everything closes today: as soon as it gets (1)
    assert [(s.factors["revenue"], s.factors["time_to_close"], s.score) for s in scored] == [(0.0, 1.0, 50), (0.0, 1.0, 50)]


def test_scores_and_factors_round_half_up_and_keep_the_opportunity():
    # probability 0.125 -> score 12.5 exactly; factor 0.00005 -> 0.0001 (half-up), not 0.0
    [a] = score_opportunities([opp("A", 100, probability=12.5)], {"probability": 1})
    assert a.score == 12.5
    [b] = score_opportunities([opp("B", 100, probability=0.005)], {"probability": 1})
    assert b.factors["probability"] == 0.0001 and b.score == 0.01  # 0.005 rounds half-up to 0.01
    assert b.amount == usd(100) and b.opportunity["name"] == "B"
    # without a time factor, a close date needs no today
    factors = tuple(f for f in DEFAULT_FACTORS if f.kind != "time_to_close")
    [c] = score_opportunities([{"name": "C", "amount": usd(1), "close_date": "2026-12-01"}], factors=factors)
    assert c.score > 0


def test_no_close_date_anywhere_is_neutral_not_soonest():
    [scored] = score_opportunities([{"name": "A", "amount": usd(1)}], {"time_to_close": 1})
    assert scored.factors["time_to_close"] == 0.5 and scored.missing == (
        "probability", "time_to_close", "strategic_fit", "relationship", "effort")
