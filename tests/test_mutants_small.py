"""Edges of the smaller domain modules, written from a mutation run (docs/mutmut.md): the
check-back date's "next" periods and timestamps, the graceful-no lint's order and quotes,
routing of unknown or repeated reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain import taxonomy
from bot.domain.checkback import check_back_from_timing, check_back_iso
from bot.domain.errors import CurrencyMismatch, InvalidAmount, InvalidValue, UnknownKey
from bot.domain.graceful import LintFinding, debrief_reason, lint_reply
from bot.domain.money import Money, add_amounts, common_currency, currency_code, sum_by_currency, to_decimal
from bot.domain.routing import owners_of, route_keys_of, topics


def test_next_year_quarter_and_month_start_on_their_first_business_day():
    today = date(2026, 11, 18)
    # 1 Jan 2027 is a Friday: a business day, kept
    assert check_back_from_timing("next year", today) == date(2027, 1, 1)
    assert check_back_from_timing("next quarter", date(2026, 8, 18)) == date(2026, 10, 1)
    assert check_back_from_timing("next month", date(2026, 8, 18)) == date(2026, 9, 1)


def test_today_may_be_a_timestamp_and_no_time_is_none():
    assert check_back_iso("next month", "2026-08-18T10:00:00+00:00") == "2026-09-01"
    assert check_back_iso("when they are ready", "2026-08-18") is None


def test_lint_findings_in_order_of_appearance_each_phrase_once_with_curly_quotes_read():
    found = lint_reply("Are you sure? My bonus, my Bonus, a commission and a discount. Don\u2018t miss it; we\u2019re disappointed.")
    assert found == [
        LintFinding("pressure", "Are you sure", "questions their decision"),
        LintFinding("quota", "bonus", "talks about our pay"),
        LintFinding("quota", "commission", "talks about our pay"),
        LintFinding("pressure", "discount", "reopens the negotiation"),
        LintFinding("pressure", "Don't miss", "pressures them"),
        LintFinding("guilt", "disappointed", "lays our disappointment on them"),
    ]


def test_routing_skips_unknown_reasons_and_rows_a_company_left_out():
    fact = {"primary_reason": "retired_reason", "other_reasons": ["price", "price"], "involved": ["nobody"]}
    assert route_keys_of(fact) == ["price", "single_handed"]
    table = {"price": ("enablement",)}  # a table without the single-handed row
    assert owners_of(fact, table) == ("enablement",)
    assert topics([fact], table) == [("negotiation", 1)]


def test_a_secondary_reason_counts_when_the_primary_is_missing_and_unknown_keys_name_themselves():
    assert taxonomy.coaching_focus(None, ["price"]) == "negotiating, closing, building value before price"
    with pytest.raises(UnknownKey) as caught:
        taxonomy.graceful_no_reason("nope")
    assert caught.value.key == "nope"


# -- money (bot/domain/money.py) ----------------------------------------------------------------


@pytest.mark.parametrize(("call", "error", "field", "value", "message"), [
    (lambda: to_decimal("x"), InvalidValue, "amount", "x", "expected a number"),
    (lambda: to_decimal(Decimal("Infinity")), InvalidValue, "amount", Decimal("Infinity"), "expected a finite number"),
    (lambda: currency_code("US"), InvalidAmount, "currency", "US",
     "expected a three-letter ISO 4217 currency code such as USD"),
    (lambda: Money.of("x"), InvalidAmount, "amount", "x", 'expected {"amount": number, "currency": "USD"}'),
    (lambda: Money.of({"amount": 1}), InvalidAmount, "amount", {"amount": 1},
     'expected {"amount": number, "currency": "USD"}'),
    (lambda: Money.of({"amount": "1", "currency": "USD"}, "fee"), InvalidAmount, "fee",
     {"amount": "1", "currency": "USD"}, "expected a number"),
    (lambda: Money.of({"amount": 1, "currency": "US"}, "fee"), InvalidAmount, "fee", "US",
     "expected a three-letter ISO 4217 currency code such as USD"),
    (lambda: Money(Decimal(1), "USD").times("x"), InvalidValue, "factor", "x", "expected a number"),
    (lambda: add_amounts([]), InvalidValue, "amounts", [], "nothing to add and no currency given"),
    (lambda: add_amounts([{"amount": 1, "currency": "USD"}, "x"]), InvalidAmount, "amounts[1]", "x",
     'expected {"amount": number, "currency": "USD"}'),
    (lambda: sum_by_currency(["x"]), InvalidAmount, "amounts[0]", "x", 'expected {"amount": number, "currency": "USD"}'),
])
def test_money_refusals_name_field_value_and_why(call, error, field, value, message):
    with pytest.raises(error) as caught:
        call()
    assert (caught.value.field, caught.value.value, caught.value.message) == (field, value, message)


def test_money_passes_through_multiplies_by_a_float_and_prints():
    money = Money(Decimal("5"), "USD")
    assert Money.of(money) is money
    assert money.times(0.5) == Money(Decimal("2.5"), "USD")
    assert str(money) == "USD 5"
    with pytest.raises(CurrencyMismatch) as caught:
        common_currency([money, Money(Decimal(1), "EUR")])
    assert caught.value.field == "amounts[1]"


def test_a_graceful_no_reason_that_is_not_text_maps_to_no_debrief_reason():
    assert (debrief_reason(["budget"]), debrief_reason(None)) == (None, None)
