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
