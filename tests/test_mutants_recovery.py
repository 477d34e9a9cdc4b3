"""The recovery ledger, book concentration and typed weights with exact figures, written from a
mutation run (docs/mutmut.md): win dates exactly at the first plan, at ``until`` and at the
window's ends; which accounts a plan shows; every refusal's field, value and message."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidAmount, InvalidValue, UnknownFactor
from bot.domain.ranking import Factor
from bot.domain.recovery import account_of, book_concentration, ledger, parse_threshold, parse_weights, plan_values


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


def plan(unrecovered, at, *, lost=None, retained=None, multiple=None):
    return {"lost": lost or unrecovered, "retained": retained or usd(0), "unrecovered": unrecovered,
            "multiple": multiple, "submitted_at": at}


def won(amount, at, status="won"):
    return {"amount": usd(amount), "status": status, "won_at": at}


# -- plan_values ------------------------------------------------------------------------------


def test_plan_values_passes_the_multiple_and_defaults_to_three():
    assert plan_values(usd(100), usd(0), multiple=2)["pipeline_to_add"] == usd(200)
    assert plan_values(usd(100), usd(0), default_multiple=None)["pipeline_to_add"] == usd(300)


# -- ledger -----------------------------------------------------------------------------------


def test_a_win_exactly_at_the_first_plan_counts_and_one_exactly_at_until_does_not():
    plans = [plan(usd(1000), "2026-01-01")]
    opps = [won(10, "2026-01-01"), won(20, "2026-03-01"), won(40, "2026-02-01")]
    [progress] = ledger(plans, opps, until="2026-03-01")
    assert (progress.recovered, progress.gap) == (usd(50), usd(950))  # 10 + 40, not 20


def test_a_plan_submitted_exactly_at_until_is_left_out_and_later_plans_still_read():
    plans = [plan(usd(900), "2026-03-01"), plan(usd(100), "2026-01-01")]
    [progress] = ledger(plans, [], until="2026-03-01")
    assert (progress.plans, progress.unrecovered) == (1, usd(100))


def test_plans_given_out_of_order_start_at_the_earliest_and_take_the_latest_multiple():
    plans = [plan(usd(100), "2026-03-01", multiple=2), plan(usd(100), "2026-01-01", multiple=5)]
    [progress] = ledger(plans, [won(50, "2026-02-01")])
    # the win after the first plan counts; the latest plan's multiple (2) sets the target: 2 x 150
    assert (progress.recovered, progress.multiple, progress.pipeline_target) == (usd(50), 2, usd(300))


def test_a_plan_without_a_multiple_uses_three():
    [progress] = ledger([plan(usd(100), "2026-01-01")], [])
    assert (progress.multiple, progress.pipeline_target) == (3, usd(300))


def test_amounts_in_another_currency_than_the_plans_loss_add_nothing():
    plans = [plan(usd(100), "2026-01-01", retained=eur(40))]
    opps = [{"amount": eur(5), "status": "won", "won_at": "2026-02-01"}, won(7, "2026-02-01"), won(8, "2026-02-02")]
    [progress] = ledger(plans, opps)
    assert (progress.retained, progress.recovered, progress.open_pipeline) == (usd(0), usd(15), usd(0))


def test_open_pipeline_is_the_open_and_moved_opportunities_only():
    opps = [won(1, None, status="open"), won(2, None, status="moved"), won(4, "2026-02-01"), won(8, None, status="lost"),
            {"amount": usd(16), "won_at": None}]  # no status: open
    [progress] = ledger([plan(usd(100), "2026-01-01")], opps)
    assert (progress.open_pipeline, progress.recovered) == (usd(19), usd(4))


def test_only_won_opportunities_with_a_win_date_count_as_recovered():
    opps = [won(1, None), won(2, "2026-02-01", status="open"), won(4, "")]
    [progress] = ledger([plan(usd(100), "2026-01-01")], opps)
    assert (progress.recovered, progress.share_recovered) == (usd(0), 0.0)


def test_the_window_includes_its_start_and_excludes_its_end():
    opps = [won(1, "2026-02-01"), won(2, "2026-02-05"), won(4, "2026-02-08"), won(8, "2026-01-31")]
    [progress] = ledger([plan(usd(100), "2026-01-01")], opps, window=("2026-02-01", "2026-02-08"))
    assert (progress.recovered, progress.recovered_in_window) == (usd(15), usd(3))


def test_less_than_one_unit_unrecovered_still_has_a_share():
    [progress] = ledger([plan(usd(0.5), "2026-01-01")], [won(0.25, "2026-02-01")])
    assert progress.share_recovered == 0.5


def test_progress_as_a_dict_is_every_field():
    [progress] = ledger([plan(usd(100), "2026-01-01")], [])
    assert progress.to_dict() == {
        "currency": "USD", "plans": 1, "lost": usd(100), "retained": usd(0), "unrecovered": usd(100),
        "recovered": usd(0), "recovered_in_window": usd(0), "gap": usd(100), "open_pipeline": usd(0), "multiple": 3,
        "pipeline_target": usd(300), "share_recovered": 0.0}


@pytest.mark.parametrize(("plans", "opps", "field"), [
    ([plan("lots", "2026-01-01")], [], "plans[0].unrecovered"),
    ([plan(usd(1), "2026-01-01", lost=usd(-1))], [], "plan.lost"),
    ([plan(usd(1), "2026-01-01")], [won(1, "2026-02-01"), won(-1, "2026-02-01")], "opportunities[1].amount"),
])
def test_a_bad_or_negative_amount_is_refused_with_its_field(plans, opps, field):
    with pytest.raises(InvalidAmount) as caught:
        ledger(plans, opps)
    assert caught.value.field == field


def test_a_bad_multiple_is_refused_with_its_field():
    with pytest.raises(InvalidValue) as caught:
        ledger([plan(usd(1), "2026-01-01", multiple="many")], [])
    assert caught.value.field == "plan.multiple"


def test_account_of_nothing_is_empty():
    assert account_of({}) == ""


# -- book concentration -----------------------------------------------------------------------


def test_no_opportunities_and_no_loss_is_no_seller_and_no_accounts():
    report = book_concentration([], "U1")
    assert (report.seller, report.accounts, report.flagged, report.threshold) == (None, (), False, 0.5)


def test_one_contract_is_said_by_the_seller_line_alone():
    report = book_concentration([{"name": "Acme", "amount": usd(10)}], "U1")
    assert (report.seller.flagged, report.accounts) == (True, ())


def test_the_largest_contract_carries_its_name_department_and_the_lost_mark():
    opps = [{"name": "Acme – fleet", "amount": usd(10), "department": "Ops"}]
    report = book_concentration(opps, "U1", lost={"name": "Northwind renewal", "amount": usd(30)})
    assert report.seller.largest_contract == {"account": "Northwind renewal", "seller": "U1", "amount": usd(30),
                                              "name": "Northwind renewal", "lost": True}
    report = book_concentration(opps + [{"name": "Globex", "amount": usd(1)}], "U1")
    assert report.seller.largest_contract == {"account": "Acme", "seller": "U1", "amount": usd(10),
                                              "department": "Ops", "name": "Acme – fleet"}
    assert report.accounts[0].departments == ("Ops",)


def test_a_book_of_one_unit_still_shows_its_heavy_account():
    report = book_concentration([{"name": "A", "amount": usd(0.6)}, {"name": "B", "amount": usd(0.4)}], "U1")
    assert [g.key for g in report.accounts] == ["A"]  # 0.6 of 1: more than half


def test_accounts_are_shown_largest_first_at_most_three():
    opps = [{"name": "Big", "account": "Big", "amount": usd(30)}, {"name": "Big 2", "account": "Big", "amount": usd(30)},
            {"name": "B", "amount": usd(14)}, {"name": "C", "amount": usd(13)}, {"name": "D", "amount": usd(13)}]
    report = book_concentration(opps, "U1", threshold=0.1)
    # Big: 60 of 100 in two contracts (share 0.5); B, C, D single contracts (share 1) but smaller
    assert [g.key for g in report.accounts] == ["Big", "B", "C"]


# -- typed threshold and weights --------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("lots", "expected a percentage such as 40%"),
    ("0", "expected a percentage above 0% and at most 100%, such as 40%"),
])
def test_parse_threshold_refusals_name_what_was_typed(text, message):
    with pytest.raises(InvalidValue) as caught:
        parse_threshold(text)
    assert (caught.value.field, caught.value.value, caught.value.message) == ("threshold", text, message)


def refusal(text, factors=None):
    with pytest.raises(InvalidValue) as caught:
        parse_weights(text) if factors is None else parse_weights(text, factors)
    return caught.value.field, caught.value.value, caught.value.message


def test_weights_refusals_name_the_field_the_value_and_what_to_type():
    long = "revenue 1 " * 30
    assert len(long.strip()) == 299
    assert parse_weights(long.strip()) == {"revenue": 1}  # 299 characters are still weights
    assert refusal(long + "x") == ("weights", long[:40] + "…", "that's too long for weights; give each factor and "
                                   "its points, e.g. revenue 5 fit 3")
    assert refusal("  ") == ("weights", "  ", "give at least one factor and its points, e.g. revenue 5")
    assert refusal("revenue 5 XX, fit 3") == ("weights", "XX,", "expected a factor name followed by its points, e.g. fit 3")
    assert refusal("revenue 11") == ("revenue", "11", "expected points from 0 to 10")
    assert refusal("revenue 5 XX") == ("weights", "XX", "expected a factor name followed by its points, e.g. fit 3")
    assert refusal("revenue 5, strategic fit") == ("strategic_fit", "strategic fit",
                                                   "give it points from 0 to 10, e.g. strategic fit 3")
    assert refusal(";;") == ("weights", ";;", "give at least one factor and its points, e.g. revenue 5")
    assert refusal("revenue 0") == ("weights", "revenue 0", "at least one factor needs more than 0 points")


def test_weights_accept_ten_points_and_a_trailing_comma():
    assert parse_weights("revenue 10, fit 0,") == {"revenue": 10, "strategic_fit": 0}


CUSTOM = (Factor("nps", "NPS", 3), Factor("effort", "Effort", 2))


def test_a_teams_own_factor_is_read_by_its_key_and_a_default_name_outside_the_teams_factors_is_unknown():
    assert parse_weights("nps 4, effort 1", CUSTOM) == {"nps": 4, "effort": 1}
    assert refusal("effort 1, nps", CUSTOM) == ("nps", "nps", "give it points from 0 to 10, e.g. nps 3")
    with pytest.raises(UnknownFactor) as caught:
        parse_weights("revenue 3", CUSTOM)
    assert (caught.value.key, caught.value.known) == ("revenue", ("nps", "effort"))


def test_weights_of_exactly_300_characters_are_read():
    text = "revenue 10" + " revenue 1" * 29
    assert len(text) == 300
    assert parse_weights(text) == {"revenue": 1}
