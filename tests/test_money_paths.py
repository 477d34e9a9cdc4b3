"""One money, percent and date rule on every path.

The same input must give the same stored value and the same text whether it is typed as an
answer, imported from a CRM's CSV, shown by a template's filter, written in a notification
text, or posted in a weekly summary. Every expectation is an exact string: a float format
(half-even through the binary value) or a truncation shows up here as a wrong cent.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time

from bot.config import PROJECT_ROOT
from bot.domain.errors import InvalidValue
from bot.domain.money import format_money as domain_format_money
from bot.domain.opportunities_csv import parse_opportunities_csv
from bot.domain.recovery import parse_threshold
from bot.engine.answers import format_answer, parse_answer
from bot.engine.model import Step
from bot.errors import AnswerRejected
from bot.flows.debrief.reports import WeeklySummaries
from bot.render.templates import Renderer
from bot.values import money as values
from tests.support import debriefs

TODAY = date(2026, 11, 23)
CURRENCY = Step(id="amount", ask="?", type="currency")
PERCENT = Step(id="share", ask="?", type="percent")
DATE = Step(id="close_date", ask="?", type="date")


@pytest.fixture(scope="module")
def renderer():
    return Renderer(PROJECT_ROOT / "prompts")


def typed(raw: str) -> dict:
    return parse_answer(CURRENCY, raw, today=TODAY, default_currency="USD")


def imported(cell: str) -> dict:
    """The amount of a one-row CSV export whose Amount cell is ``cell`` (no Currency column)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Name", "Amount"], ["Acme", cell]])
    result = parse_opportunities_csv(buffer.getvalue(), default_currency="USD")
    assert result.errors == []
    return result.rows[0]["amount"]


def csv_error(cell: str, column: str = "Amount") -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Name", "Amount", "Probability"],
                                  ["Acme", cell if column == "Amount" else "USD 1", cell if column != "Amount" else ""]])
    [error] = parse_opportunities_csv(buffer.getvalue()).errors
    return error.message


def shown_everywhere(renderer: Renderer, amount: dict) -> set[str]:
    """Every way an amount becomes text: template filter (Slack and plain), domain Money
    (notification texts), the review card, and the shared formatter itself."""
    return {
        renderer.render_string("{{ a | money }}", {"a": amount}),
        renderer.render_string("{{ a | money }}", {"a": amount}, plain=True),
        domain_format_money(amount),
        format_answer(CURRENCY, amount),
        values.format_money(amount["amount"], amount["currency"]),
    }


# -- money: what is typed or imported, what is stored, what is shown ---------------------------

MONEY = [
    # (input, stored amount dict, shown)
    ("1,250.125", {"amount": 1250.13, "currency": "USD"}, "USD 1,250.13"),  # x.xx5 rounds half-up
    ("1,250.124", {"amount": 1250.12, "currency": "USD"}, "USD 1,250.12"),  # just below
    ("1,250.135", {"amount": 1250.14, "currency": "USD"}, "USD 1,250.14"),  # half-up, not half-even
    ("0.005", {"amount": 0.01, "currency": "USD"}, "USD 0.01"),
    ("0.004", {"amount": 0, "currency": "USD"}, "USD 0"),
    ("0", {"amount": 0, "currency": "USD"}, "USD 0"),
    ("2.675", {"amount": 2.68, "currency": "USD"}, "USD 2.68"),  # the float 2.675 is 2.67499...
    ("$1,250.125", {"amount": 1250.13, "currency": "USD"}, "USD 1,250.13"),
    ("US$5", {"amount": 5, "currency": "USD"}, "USD 5"),
    ("€2.5", {"amount": 2.5, "currency": "EUR"}, "EUR 2.50"),
    ("£3,000", {"amount": 3000, "currency": "GBP"}, "GBP 3,000"),
    ("¥500", {"amount": 500, "currency": "JPY"}, "JPY 500"),
    ("JP¥500", {"amount": 500, "currency": "JPY"}, "JPY 500"),
    ("CN¥500", {"amount": 500, "currency": "CNY"}, "CNY 500"),
    ("₹100000", {"amount": 100000, "currency": "INR"}, "INR 100,000"),
    ("120,000 eur", {"amount": 120000, "currency": "EUR"}, "EUR 120,000"),
    ("EUR 2 mln", {"amount": 2000000, "currency": "EUR"}, "EUR 2,000,000"),
    ("2 mln EUR", {"amount": 2000000, "currency": "EUR"}, "EUR 2,000,000"),
    ("5 thousand", {"amount": 5000, "currency": "USD"}, "USD 5,000"),
    ("1.5k", {"amount": 1500, "currency": "USD"}, "USD 1,500"),
    ("$1.2M", {"amount": 1200000, "currency": "USD"}, "USD 1,200,000"),
    ("2 bn GBP", {"amount": 2000000000, "currency": "GBP"}, "GBP 2,000,000,000"),
    ("999,999,999,999.99", {"amount": 999999999999.99, "currency": "USD"}, "USD 999,999,999,999.99"),
    ("1,000,000,000,000", {"amount": 1000000000000, "currency": "USD"}, "USD 1,000,000,000,000"),  # the largest
]


@pytest.mark.parametrize(("raw", "stored", "shown"), MONEY, ids=[case[0] for case in MONEY])
def test_an_amount_is_stored_and_shown_the_same_on_every_path(renderer, raw, stored, shown):
    assert typed(raw) == stored
    assert imported(raw) == stored
    assert shown_everywhere(renderer, stored) == {shown}
    cents = values.to_cents(stored["amount"])
    assert values.amount_dict(cents, stored["currency"]) == stored  # through the store's cents and back


FORMATTED = [
    # amounts that reach a formatter unrounded (older answers, sums): one rule still
    (1250.125, "1,250.13"), (1250.124999, "1,250.12"), (2.675, "2.68"), (1234567.891, "1,234,567.89"),
    (-1250.125, "-1,250.13"), (-0.005, "-0.01"), (-0.004, "0"), (0.0, "0"), (-0.0, "0"), (7.1, "7.10"),
    (1_000_000_000_000, "1,000,000,000,000"), (10**20, "100,000,000,000,000,000,000"),
]


@pytest.mark.parametrize(("amount", "text"), FORMATTED, ids=[str(case[0]) for case in FORMATTED])
def test_every_formatter_rounds_half_up_to_cents(renderer, amount, text):
    for currency in ("USD", "EUR", "GBP", "JPY"):
        assert shown_everywhere(renderer, {"amount": amount, "currency": currency}) == {f"{currency} {text}"}


@pytest.mark.parametrize("raw", ["1,000,000,000,000.01", "1.1 trillion", "2000 bn"])
def test_an_amount_over_a_trillion_is_refused_on_both_paths(raw):
    with pytest.raises(AnswerRejected):
        typed(raw)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Name", "Amount"], ["Acme", raw]])
    assert parse_opportunities_csv(buffer.getvalue(), default_currency="USD").rows == []


@pytest.mark.parametrize(("raw", "answer", "imported_error"), [
    ("-5", "can't be negative", "is negative"),
    ("(5,000)", "can't be negative", "is negative"),
    ("$5 EUR", "two different currencies", "names two currencies"),
    ("1.250,50", "couldn't read that as an amount", "is not a number"),  # a comma is never a decimal mark
    ("--5", "couldn't read that as an amount", "is not a number"),
])
def test_an_amount_refused_by_one_path_is_refused_by_the_other(raw, answer, imported_error):
    with pytest.raises(AnswerRejected) as caught:
        typed(raw)
    assert answer in caught.value.message
    assert imported_error in csv_error(raw)


def test_cents_round_half_up_and_away_from_zero():
    assert [values.to_cents(x) for x in (0.005, 0.004, -0.005, -0.004, 1250.125, 2.675, 0, None)] == [
        1, 0, -1, 0, 125013, 268, 0, None]
    assert values.to_cents(Decimal("999999999999.995")) == 100000000000000  # the carry reaches the trillion


# -- percent: "1" is 1% everywhere --------------------------------------------------------------

PERCENTS = [
    # (typed, stored points, shown)
    ("1", 1, "1%"), ("1%", 1, "1%"), ("0.5", 0.5, "0.5%"), ("0.5 %", 0.5, "0.5%"), ("100", 100, "100%"),
    ("40 percent", 40, "40%"), ("12.345", 12.345, "12.35%"), ("33.334", 33.334, "33.33%"), ("0", 0, "0%"),
]


@pytest.mark.parametrize(("raw", "points", "shown"), PERCENTS, ids=[case[0] for case in PERCENTS])
def test_a_percent_means_the_same_points_on_every_path(renderer, raw, points, shown):
    assert parse_answer(PERCENT, raw, today=TODAY) == points
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Name", "Amount", "Probability"], ["Acme", "USD 1", raw]])
    assert parse_opportunities_csv(buffer.getvalue()).rows[0]["probability"] == points
    if points:
        assert parse_threshold(raw) == float(Decimal(str(points)) / 100)
    assert format_answer(PERCENT, points) == shown
    assert renderer.render_string("{{ p | percent }}", {"p": points}) == shown
    assert renderer.render_string("{{ p | percent }}", {"p": points}, plain=True) == shown


@pytest.mark.parametrize("raw", ["100.5", "100.01%", "-1", "-0.5%"])
def test_a_percent_outside_zero_to_a_hundred_is_refused_on_every_path(raw):
    with pytest.raises(AnswerRejected) as caught:
        parse_answer(PERCENT, raw, today=TODAY)
    assert caught.value.message == "A percentage must be between 0 and 100."
    assert csv_error(raw, "Probability") == f"Probability {raw!r} is not between 0 and 100"
    with pytest.raises(InvalidValue):
        parse_threshold(raw)


def test_a_threshold_of_zero_is_refused_although_a_probability_of_zero_is_not():
    with pytest.raises(InvalidValue):
        parse_threshold("0")
    assert parse_threshold("0.01") == 0.0001


def test_percent_filter_rounds_half_up_with_fewer_places_on_request(renderer):
    assert renderer.render_string("{{ p | percent(0) }}", {"p": 47.5}) == "48%"
    assert renderer.render_string("{{ p | percent(0) }}", {"p": 47.49}) == "47%"
    assert renderer.render_string("{{ p | percent }}", {"p": 0.29 * 100}) == "29%"  # 28.999999999999996


# -- dates: one reader -----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "day"), [
    ("2024-05-31", "2024-05-31"), ("2024-05-31T23:00:00Z", "2024-05-31"), ("31/05/2024", "2024-05-31"),
    ("05/31/2024", "2024-05-31"), ("31 May 2024", "2024-05-31"), ("May 31, 2024", "2024-05-31"),
    ("06/06/2024", "2024-06-06"),
])
def test_a_date_is_read_the_same_typed_or_imported(raw, day):
    assert parse_answer(DATE, raw, today=TODAY) == day
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Name", "Amount", "Close Date"], ["Acme", "USD 1", raw]])
    assert parse_opportunities_csv(buffer.getvalue()).rows[0]["close_date"] == day


@pytest.mark.parametrize(("raw", "answer", "imported_error"), [
    ("05/06/2024", "could be day-month or month-day", "could be day/month or month/day"),
    ("2024-02-30", "isn't a date on the calendar", "is not a date"),
    ("31/02/2024", "isn't a date on the calendar", "is not a date"),
])
def test_a_date_refused_typed_is_refused_imported(raw, answer, imported_error):
    with pytest.raises(AnswerRejected) as caught:
        parse_answer(DATE, raw, today=TODAY)
    assert answer in caught.value.message
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Name", "Amount", "Close Date"], ["Acme", "USD 1", raw]])
    [error] = parse_opportunities_csv(buffer.getvalue()).errors
    assert imported_error in error.message


@pytest.mark.parametrize(("value", "shown"), [
    ("2026-12-04", "Fri 4 Dec 2026"), (date(2026, 12, 4), "Fri 4 Dec 2026"), ("2024-02-29", "Thu 29 Feb 2024"),
])
def test_a_date_is_shown_the_same_by_the_review_card_and_the_templates(renderer, value, shown):
    assert format_answer(DATE, value) == shown
    assert renderer.render_string("{{ d | date }}", {"d": value}) == shown
    assert renderer.render_string("{{ d | date }}", {"d": value}, plain=True) == shown


# -- the weekly summary: body and notification text agree -------------------------------------------


def test_weekly_summary_body_and_notification_show_the_same_cents(tmp_path, slack_api):
    services = debriefs.build(tmp_path, slack_api=slack_api)
    try:
        with freeze_time("2026-11-18T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="Acme", amount="1,250.125")
            debriefs.submit(services, "U0REP2", deal="Globex", amount="EUR 2 mln")
        assert services.store.db.execute(
            "SELECT deal, amount_cents, currency FROM debrief_facts ORDER BY deal").fetchall() == [
            ("Acme", 125013, "USD"), ("Globex", 200000000, "EUR")]
        with freeze_time("2026-11-23T17:00:00Z"):
            WeeklySummaries(services).post(services.teams.get("west"), "2026-W47")
        services.sender.drain(now=datetime(2030, 1, 1, tzinfo=timezone.utc), limit=50)
    finally:
        services.close()
    posts = [c.params for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == "C0WEST"]
    acme, globex, weekly = posts  # each debrief's summary, then the week's
    assert (acme["text"], globex["text"]) == ("Closed-lost: Acme · USD 1,250.13", "Closed-lost: Globex · EUR 2,000,000")
    assert "USD 1,250.13" in json.dumps(acme["blocks"], ensure_ascii=False)
    body = json.dumps(weekly["blocks"], ensure_ascii=False)
    assert weekly["text"] == "West Enterprise: 2 deals lost in 16–22 Nov 2026 (USD 1,250.13, EUR 2,000,000)"
    assert "*Acme* · USD 1,250.13 ·" in body and "*Globex* · EUR 2,000,000 ·" in body
    assert "1,250.12" not in body + weekly["text"]


# -- the shared module stays importable by every layer ------------------------------------------------


def test_values_import_nothing_of_the_bot_but_themselves():
    """bot/values is the one module the engine, domain, store and render all import: it must
    not pull any of them in (the engine may not import bot.domain, for one)."""
    offenders = []
    for path in (PROJECT_ROOT / "bot" / "values").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("bot.") and not n.startswith("bot.values")]
    assert offenders == []

