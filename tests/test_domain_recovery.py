"""A rep's recovery ledger, the concentration of their book, and typed weights (bot/domain/recovery.py)."""

from __future__ import annotations

import pytest

from bot.domain.concentration import ADD_CONTRACTS, SPREAD_LARGEST
from bot.domain.errors import CurrencyMismatch, InvalidValue, UnknownFactor
from bot.domain.recovery import (
    account_of, book_concentration, ledger, parse_threshold, parse_weights, plan_values,
)


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


# -- plan_values: coverage.recovery_plan for expressions -----------------------------------


def test_plan_values_is_the_coverage_plan_as_a_dict():
    plan = plan_values(usd(120000), usd(35000), win_rate=25)
    # 120,000 - 35,000 = 85,000 unrecovered; 1 / 25% = 4x; 4 x 85,000 = 340,000
    assert plan["unrecovered"] == usd(85000)
    assert plan["multiple"] == 4 and plan["multiple_source"] == "win_rate"
    assert plan["pipeline_to_add"] == usd(340000)


def test_plan_values_uses_the_team_multiple_when_none_given():
    plan = plan_values(usd(50000), None, default_multiple=3.5)
    assert plan["multiple"] == 3.5 and plan["multiple_source"] == "default"
    assert plan["pipeline_to_add"] == usd(175000)


def test_plan_values_with_zero_quota_and_pipeline():
    plan = plan_values(usd(10000), usd(0), quota=usd(0), current_pipeline=usd(45000))
    # 3 x 0 quota + 3 x 10,000 = 30,000 needed; 45,000 open covers it; coverage 45,000 / 10,000 = 4.5x
    assert plan["pipeline_needed_total"] == usd(30000)
    assert plan["covered_total_by_current"] is True and plan["current_coverage"] == 4.5


@pytest.mark.parametrize("args", [
    (None, None),  # nothing answered yet
    (usd(1000), eur(100)),  # mixed currencies
    ({"amount": -5, "currency": "USD"}, None),
])
def test_plan_values_is_none_when_no_plan_can_be_made(args):
    assert plan_values(*args) is None


# -- the ledger ------------------------------------------------------------------------------


def plan(lost, retained, unrecovered, at, multiple=3):
    return {"lost": lost, "retained": retained, "unrecovered": unrecovered, "multiple": multiple, "submitted_at": at}


def opp(amount, status="open", won_at=None):
    return {"amount": amount, "status": status, "won_at": won_at}


def test_ledger_recovered_and_gap_hand_checked():
    plans = [plan(usd(120000), usd(35000), usd(85000), "2026-11-02T10:00:00+00:00", multiple=4)]
    opps = [
        opp(usd(45000), "won", "2026-11-10T09:00:00+00:00"),
        opp(usd(20000), "won", "2026-10-01T09:00:00+00:00"),  # won before the plan: not recovery
        opp(usd(60000)), opp(usd(10000), "moved"), opp(usd(5000), "lost"),
        opp(eur(99000), "won", "2026-11-10T09:00:00+00:00"),  # no EUR plan: not counted
    ]
    [progress] = ledger(plans, opps, window=("2026-11-09", "2026-11-16"))
    assert progress.currency == "USD" and progress.plans == 1
    assert progress.recovered == usd(45000)
    assert progress.recovered_in_window == usd(45000)
    assert progress.gap == usd(40000)  # 85,000 - 45,000
    assert progress.open_pipeline == usd(70000)  # open 60,000 + moved 10,000
    assert progress.pipeline_target == usd(160000)  # 4 x 40,000
    assert progress.share_recovered == pytest.approx(0.5294)


def test_ledger_adds_plans_and_never_goes_below_zero():
    plans = [plan(usd(100), usd(0), usd(100), "2026-01-01"), plan(usd(50), usd(20), usd(30), "2026-02-01")]
    [progress] = ledger(plans, [opp(usd(500), "won", "2026-03-01")])
    assert (progress.lost, progress.retained, progress.unrecovered) == (usd(150), usd(20), usd(130))
    assert progress.gap == usd(0) and progress.share_recovered == 1.0


def test_ledger_retained_more_than_lost_has_nothing_to_recover():
    [progress] = ledger([plan(usd(50), usd(80), usd(0), "2026-01-01")], [])
    assert progress.gap == usd(0) and progress.share_recovered is None


def test_ledger_until_ignores_later_plans_and_wins():
    plans = [plan(usd(100), usd(0), usd(100), "2026-01-01"), plan(usd(900), usd(0), usd(900), "2026-03-01")]
    opps = [opp(usd(10), "won", "2026-01-05"), opp(usd(20), "won", "2026-03-05")]
    [progress] = ledger(plans, opps, until="2026-02-01")
    assert progress.unrecovered == usd(100) and progress.recovered == usd(10)


def test_ledger_one_entry_per_currency_oldest_first():
    plans = [plan(eur(10), eur(0), eur(10), "2026-02-01"), plan(usd(10), usd(0), usd(10), "2026-01-01")]
    assert [p.currency for p in ledger(plans, [])] == ["USD", "EUR"]


# -- concentration of a book -----------------------------------------------------------------


def test_account_of_uses_the_account_else_the_name_before_a_dash():
    assert account_of({"name": "Pinecrest Foods – fleet expansion"}) == "Pinecrest Foods"
    assert account_of({"name": "Summit: new logo"}) == "Summit"
    assert account_of({"name": "Re-Tool Inc", "account": " "}) == "Re-Tool Inc"
    assert account_of({"name": "X - y", "account": "Acme"}) == "Acme"


def test_book_concentration_flags_a_book_leaning_on_one_contract():
    opps = [{"name": "Summit – new logo", "amount": usd(90000)}, {"name": "Pinecrest – fleet", "amount": usd(45000)}]
    report = book_concentration(opps, "U1", lost={"name": "Northwind renewal", "amount": usd(120000)}, threshold=0.4)
    # 120,000 of 255,000 = 47% in the deal just lost: more than 40%
    assert report.seller.flagged and report.seller.share == pytest.approx(0.4706)
    assert report.seller.suggestion == SPREAD_LARGEST and report.includes_lost
    # Northwind (47%) is a single-contract account carrying more than 40% of the book; Summit (35%) is not
    assert [(g.key, g.suggestion) for g in report.accounts] == [("Northwind renewal", ADD_CONTRACTS)]


def test_book_concentration_threshold_is_configurable():
    opps = [{"name": "A", "amount": usd(60)}, {"name": "B", "amount": usd(40)}]
    assert book_concentration(opps, "U1", threshold=0.59).seller.flagged
    assert not book_concentration(opps, "U1", threshold=0.6).flagged  # exactly at it: not "more than"
    assert not book_concentration(opps, "U1", threshold=0.61).flagged


def test_book_concentration_spread_book_is_not_flagged():
    opps = [{"name": n, "amount": usd(25)} for n in "ABCD"]
    report = book_concentration(opps, "U1", threshold=0.5)
    assert not report.flagged and report.accounts == ()


def test_book_concentration_refuses_mixed_currencies():
    with pytest.raises(CurrencyMismatch):
        book_concentration([{"name": "A", "amount": usd(1)}, {"name": "B", "amount": eur(1)}], "U1")


@pytest.mark.parametrize(("text", "share"), [
    ("40%", 0.4), ("40", 0.4), (" 40 % ", 0.4), ("40 percent", 0.4), ("100%", 1.0), ("100", 1.0),
    # percentage points, as everywhere: "1" is 1%, not 100%; "0.4" is 0.4%, not 40%
    ("1", 0.01), ("1%", 0.01), ("0.4", 0.004), ("0.5", 0.005), ("0.01", 0.0001),
])
def test_parse_threshold_reads_percentage_points(text, share):
    assert parse_threshold(text) == share


@pytest.mark.parametrize("text", ["0", "0%", "abc", "150%", "100.5", "100.01%", "-10%", "", None, "40k"])
def test_parse_threshold_refuses_nonsense(text):
    with pytest.raises(InvalidValue) as caught:
        parse_threshold(text)
    assert caught.value.field == "threshold"


# -- typed weights ----------------------------------------------------------------------------


def test_parse_weights_reads_names_aliases_and_separators():
    assert parse_weights("revenue 5, probability=4; fit: 2 time to close 1 effort 0") == {
        "revenue": 5, "probability": 4, "strategic_fit": 2, "time_to_close": 1, "effort": 0}
    assert parse_weights("Relationship 2.5") == {"relationship": 2.5}


def test_parse_weights_unknown_factor_names_the_known_ones():
    with pytest.raises(UnknownFactor) as caught:
        parse_weights("revenue 5 vibes 3")
    assert caught.value.key == "vibes" and "strategic_fit" in caught.value.known


@pytest.mark.parametrize(("text", "field"), [("revenue 11", "revenue"), ("effort -1", "effort"), ("fit", "strategic_fit"),
                                             ("", "weights"), ("5 revenue", "weights")])
def test_parse_weights_refuses_bad_points(text, field):
    with pytest.raises(InvalidValue) as caught:
        parse_weights(text)
    assert caught.value.field == field


def test_parse_weights_all_zero_is_refused():
    with pytest.raises(InvalidValue):
        parse_weights("revenue 0 probability 0 time 0 fit 0 relationship 0 effort 0")
    # factors left out count as 0, so one factor at 0 is all zero too
    with pytest.raises(InvalidValue) as caught:
        parse_weights("revenue 0")
    assert caught.value.field == "weights"
    assert parse_weights("revenue 0 effort 1") == {"revenue": 0, "effort": 1}


def test_parse_weights_refuses_long_text_quickly():
    import time

    started = time.perf_counter()
    with pytest.raises(InvalidValue):
        parse_weights("a " * 10_000)
    with pytest.raises(InvalidValue):
        parse_weights("revenue  " + "x " * 140)
    assert time.perf_counter() - started < 0.5


def test_ledger_multiplies_by_the_exact_multiple_a_plan_stored():
    # a 30% win rate stored as 100 / 30 (a REAL keeps 16 digits): 3,300,000 x it = 11,000,000, shown as 3.33x
    plans = [plan(usd(3300000), usd(0), usd(3300000), "2026-11-02T10:00:00+00:00", multiple=100 / 30)]
    [progress] = ledger(plans, [])
    assert progress.pipeline_target == usd(11000000) and progress.multiple == 3.33
    # a gap with cents: 1,000.15 x 3 = 3,000.45, a target in whole units
    [progress] = ledger([plan(usd(1000.15), usd(0), usd(1000.15), "2026-11-02T10:00:00+00:00")], [])
    assert progress.pipeline_target == usd(3000) and progress.gap == usd(1000.15)
