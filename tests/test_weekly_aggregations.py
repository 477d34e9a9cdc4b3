"""The weekly numbers on a hand-built week: every total asserted, currencies never mixed.

West (America/Los_Angeles, USD) loses five deals in 2026-W47 (16-22 Nov), one of them in EUR
and one submitted late on Sunday evening (already Monday in UTC); the four weeks before
hold four smaller losses; EMEA's loss the same week stays out of West's numbers.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from bot.flows.debrief import facts
from bot.flows.debrief.reports import WeeklySummaries
from bot.store import reports
from tests.support import debriefs

WEEK = "2026-W47"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    services = debriefs.build(tmp_path_factory.mktemp("weekly"))
    runs = {}

    def at(moment, user, name, **answers):
        with freeze_time(moment):
            runs[name] = debriefs.submit(services, user, deal=name, **answers)

    # The four weeks before: W43 1, W44 1, W45 0, W46 2 (one of them on Sunday night in LA).
    at("2026-10-21T18:00:00Z", "U0REP1", "Old one")
    at("2026-10-28T18:00:00Z", "U0REP2", "Old two")
    at("2026-11-11T18:00:00Z", "U0REP3", "Old three")
    at("2026-11-16T07:00:00Z", "U0REP1", "Sunday in LA")  # Sun 15 Nov 23:00 in Los Angeles: W46
    # The week: 2026-W47.
    at("2026-11-16T17:00:00Z", "U0REP1", "Northwind", amount="$120k", primary_reason="competitor",
       competitor="Samsara", avoidable="yes", secondary_reasons="Product gap", secondary_gap="Driver app",
       lost_renewal="yes", retained_amount="$35k", customer_words="One app for drivers.",
       product_lesson="Drivers want one app.", enablement_lesson="No Samsara one-pager.")
    at("2026-11-17T17:00:00Z", "U0REP1", "Globex", amount="$30k", primary_reason="price")
    at("2026-11-18T17:00:00Z", "U0REP2", "Initech", amount="EUR 40k", primary_reason="competitor",
       competitor="samsara ", avoidable="yes")
    at("2026-11-19T17:00:00Z", "U0REP2", "Umbrella", amount="$15,000.50", primary_reason="unknown")
    at("2026-11-23T07:30:00Z", "U0REP3", "Hooli", amount="$50k", primary_reason="product_gap",
       gap_capability="SSO with Okta")  # Sun 22 Nov 23:30 in Los Angeles: still W47
    at("2026-11-18T10:00:00Z", "U0REP4", "EMEA deal", amount="EUR 99k")  # another team
    with freeze_time("2026-11-20T17:00:00Z"):
        debriefs.start(services, "U0REP3", deal="Stark")  # started in the week, never finished
    with freeze_time("2026-11-24T17:00:00Z"):
        debriefs.start(services, "U0REP2", deal="Later")  # started after the week: not listed
        reports.record_review(services.store, runs["Globex"].id, "west", "reviewed", "U0MGR1")
    yield services, runs
    services.close()


def amounts(*pairs):
    return [{"amount": amount, "currency": currency} for amount, currency in pairs]


def test_week_of_submission_follows_the_team_calendar(world):
    services, runs = world
    assert reports.deals(services.store, "west", "2026-W46")[-1]["deal"] == "Sunday in LA"
    assert [d["deal"] for d in reports.deals(services.store, "west", WEEK)] == [
        "Northwind", "Globex", "Initech", "Umbrella", "Hooli"]


def test_sql_aggregations_of_the_week(world):
    services, _ = world
    store = services.store
    by_reason = {(r["key"], r["currency"]): (r["deals"], r["amount_cents"]) for r in reports.by_reason(store, "west", WEEK)}
    assert by_reason == {("competitor", "EUR"): (1, 4_000_000), ("competitor", "USD"): (1, 12_000_000),
                         ("price", "USD"): (1, 3_000_000), ("product_gap", "USD"): (1, 5_000_000),
                         ("unknown", "USD"): (1, 1_500_050)}
    competitors = reports.by_competitor(store, "west", WEEK)
    assert {(r["key"], r["currency"], r["deals"]) for r in competitors} == {("samsara", "EUR", 1), ("samsara", "USD", 1)}
    assert reports.plain_week_aggregate(store, "west", WEEK) == [("EUR", 1, 4_000_000), ("USD", 4, 21_500_050)]


def test_report_totals_per_currency_reason_competitor_and_seller(world):
    services, _ = world
    report = WeeklySummaries(services.tools).report(services.teams.get("west"), WEEK)
    assert report.count == 5
    assert report.totals == amounts((215000.5, "USD"), (40000, "EUR"))  # the team's currency first
    assert report.unrecovered == amounts((180000.5, "USD"), (40000, "EUR"))  # Northwind kept 35k
    assert report.retained == amounts((35000, "USD"))
    assert [(r.key, r.deals, r.amounts) for r in report.by_reason] == [
        ("competitor", 2, amounts((120000, "USD"), (40000, "EUR"))),
        ("unknown", 1, amounts((15000.5, "USD"))),  # ties by label: "I don't know yet" < "Price" < "Product gap"
        ("price", 1, amounts((30000, "USD"))),
        ("product_gap", 1, amounts((50000, "USD"))),
    ]
    assert [(r.label, r.deals, r.amounts) for r in report.by_competitor] == [
        ("Samsara", 2, amounts((120000, "USD"), (40000, "EUR")))]
    sellers = {s.user_id: s for s in report.by_seller}
    assert [s.user_id for s in report.by_seller] == ["U0REP1", "U0REP2", "U0REP3"]
    assert (sellers["U0REP1"].deals, sellers["U0REP1"].amounts, sellers["U0REP1"].avoidable,
            sellers["U0REP1"].reviewed) == (2, amounts((150000, "USD")), 1, 1)
    assert sellers["U0REP2"].amounts == amounts((15000.5, "USD"), (40000, "EUR"))
    assert sellers["U0REP1"].focus.startswith("presenting, communicating differentiation")
    assert sellers["U0REP3"].focus.startswith("discovering must-have requirements")
    assert [d.deal for d in report.avoidable] == ["Northwind", "Initech"]
    assert [d.deal for d in report.biggest] == ["Northwind", "Hooli", "Globex", "Umbrella", "Initech"]
    assert (report.reviewed, report.one_on_one) == (1, 0)


def test_trend_against_the_previous_four_weeks(world):
    services, _ = world
    trend = WeeklySummaries(services.tools).report(services.teams.get("west"), WEEK).trend
    assert [(p.week, p.deals) for p in trend.points] == [
        ("2026-W43", 1), ("2026-W44", 1), ("2026-W45", 0), ("2026-W46", 2), ("2026-W47", 5)]
    assert (trend.average_deals, trend.change_percent, trend.direction) == (1.0, 400, "up")
    usd, eur = trend.by_currency
    assert (usd.currency, usd.average, usd.change_percent) == ("USD", {"amount": 10000, "currency": "USD"}, 2050)
    assert (eur.currency, eur.change_percent) == ("EUR", None)  # nothing in EUR before: no percentage


def test_rendered_summary_shows_currencies_side_by_side_and_every_part(world):
    services, runs = world
    summary = WeeklySummaries(services.tools).build(services.teams.get("west"), WEEK, plain=True)
    text = summary.text
    assert "*5 deals lost* · USD 215,000.50 · EUR 40,000" in text
    assert "255,000" not in text  # never USD + EUR
    assert "I don't know yet: 1 · USD 15,000.50" in text
    assert "Samsara: 2 · USD 120,000 · EUR 40,000" in text
    assert "5 this week against 1.0 a week before: up 400%." in text
    assert "Avoidable, in the sellers' view: 2 of 5 · reviewed by a manager: 1 of 5" in text
    assert "Retained on lost renewals:* USD 35,000" in text
    assert "Started, not finished* (1)" in text and "*Stark*" in text and "Later" not in text
    assert "EMEA deal" not in text
    for name in ("Northwind", "Globex", "Initech", "Umbrella", "Hooli"):
        assert f"/debrief show {runs[name].id}" in text
    assert "✅ reviewed by @U0MGR1" in text and text.count("⏳ not reviewed yet") == 4


def test_rollup_adds_up_the_teams(world):
    from bot.flows.debrief.digests import Rollup

    services, _ = world
    report = Rollup(services.tools).report(WEEK)
    assert report.count == 6
    assert report.totals == amounts((215000.5, "USD"), (139000, "EUR"))  # most teams report in USD
    assert [(r.label, r.deals) for r in report.by_team] == [("West Enterprise", 5), ("EMEA Mid-Market", 1)]
    text, _ = Rollup(services.tools).build(WEEK, plain=True)
    assert "West Enterprise: 5 · USD 215,000.50 · EUR 40,000" in text
    assert "EMEA Mid-Market: 1 · EUR 99,000" in text


def test_missing_facts_are_rebuilt_from_the_runs(world):
    services, runs = world
    store = services.store
    before = reports.deals(store, "west", WEEK)
    with store.transaction() as db:
        db.execute("DELETE FROM debrief_facts WHERE run_id = ?", [runs["Initech"].id])
    assert reports.runs_missing_facts(store) == [runs["Initech"].id]
    assert facts.ensure_facts(services.tools, "2027-W20") == 0  # outside what a 2027-W20 summary shows
    assert facts.ensure_facts(services.tools, WEEK) == 1
    assert facts.ensure_facts(services.tools) == 0
    after = reports.deals(store, "west", WEEK)
    assert after == before
