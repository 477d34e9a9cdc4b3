"""bot/values read directly: the one reading, rounding and display rule of money, percentages
and dates, at its boundaries (the cases a mutation run found untested; docs/mutmut.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.values import money, percent


@pytest.mark.parametrize("text, expected", [
    ("2 mln", Decimal(2000000)), ("5 thousand", Decimal(5000)), ("1.5k", Decimal(1500)), ("3bn", Decimal(3000000000)),
    ("1,200", Decimal(1200)), ("1 200", Decimal(1200)), ("1'200", Decimal(1200)), ("1_200", Decimal(1200)),
    ("-3.5", Decimal("-3.5")), ("\u22122", Decimal(-2)), ("+7", Decimal(7)), (".5", Decimal("0.5")), ("0", Decimal(0)),
])
def test_read_number_scales_and_groups(text, expected):
    assert money.read_number(text) == expected


@pytest.mark.parametrize("text", ["", "-", "k", "1,20", "12,34,567", "1.2.3", "abc", "1 k k"])
def test_read_number_refuses_what_is_not_a_number(text):
    assert money.read_number(text) is None


def test_read_number_without_scales_refuses_a_scale_word():
    assert money.read_number("5k", scales=False) is None
    assert money.read_number("5", scales=False) == 5


@pytest.mark.parametrize("text, amount, currencies", [
    ("EUR 2 mln", Decimal(2000000), ("EUR",)), ("$1.2M", Decimal(1200000), ("USD",)),
    ("50k €", Decimal(50000), ("EUR",)), ("(USD 1,200)", Decimal(-1200), ("USD",)),
    ("-$5", Decimal(-5), ("USD",)), ("CN¥ 10", Decimal(10), ("CNY",)), ("¥500", Decimal(500), ("JPY",)),
    ("usd 5", Decimal(5), ("USD",)), ("5 thousand", Decimal(5000), ()),
])
def test_read_money_amount_and_currency(text, amount, currencies):
    read = money.read_money(text)
    assert (read.amount, read.currencies) == (amount, currencies)


def test_read_money_two_currencies_conflict_and_two_signs_are_refused():
    read = money.read_money("USD 5 EUR")
    assert read.conflicting and read.currency is None and read.amount == 5
    assert money.read_money("EUR 5 EUR").currency == "EUR" and not money.read_money("EUR 5 EUR").conflicting
    assert money.read_money("--5").amount is None
    assert money.read_money("(-5)").amount == 5  # accounting parentheses around a minus: minus a minus


@pytest.mark.parametrize("value, expected", [
    (Decimal("1250.125"), Decimal("1250.13")), (Decimal("-0.005"), Decimal("-0.01")),
    (Decimal("2.675"), Decimal("2.68")), (Decimal("2.665"), Decimal("2.67")), (Decimal("0.004"), Decimal("0.00")),
])
def test_round_cents_is_half_up(value, expected):
    assert money.round_cents(value) == expected


def test_round_to_whole_units_and_big_values():
    assert money.round_to(Decimal("37666666.666"), 0) == Decimal(37666667)
    assert money.round_to(Decimal("0.5"), 0) == 1 and money.round_to(Decimal("-0.5"), 0) == -1
    big = Decimal(10) ** 40 + Decimal("0.125")
    assert money.round_to(big, 2) == Decimal(10) ** 40 + Decimal("0.13")


def test_cents_and_json_numbers():
    assert money.to_cents(1250.125) == 125013 and money.to_cents(Decimal("0.005")) == 1
    assert money.to_cents(True) is None and money.to_cents("5") is None and money.to_cents(None) is None
    assert money.from_cents(12000050) == Decimal("120000.50") and money.from_cents(None) is None
    assert money.amount_dict(150, "EUR") == {"amount": 1.5, "currency": "EUR"}
    assert money.amount_dict(None, "EUR") is None and money.amount_dict(100, None) is None
    assert money.json_number(Decimal("3.0")) == 3 and isinstance(money.json_number(Decimal("3.0")), int)
    assert money.json_number(Decimal("3.333")) == 3.33
    assert money.cents_and_currency({"amount": 1250.5, "currency": "EUR"}) == (125050, "EUR")
    assert money.cents_and_currency({"amount": None}) == (None, None)
    assert money.cents_and_currency({"amount": 1, "currency": 5}) == (100, None)


def test_format_money_and_amount():
    assert money.format_money(Decimal("1250.125"), "EUR") == "EUR 1,250.13"
    assert money.format_money(120000, "USD") == "USD 120,000"
    assert money.format_money(Decimal("-0.001"), "USD") == "USD 0"
    assert money.format_money("n/a", "USD") == "USD n/a"
    assert money.format_money(5, None) == "5"
    assert money.format_amount(Decimal("-0.004")) == "0" and money.format_amount(Decimal("-1.5")) == "-1.50"


def test_decimal_of_and_currency_of():
    assert money.decimal_of(0.1) == Decimal("0.1") and money.decimal_of(float("inf")) is None
    assert money.decimal_of(True) is None and money.decimal_of(Decimal("NaN")) is None
    assert money.currency_of(" usd ") == "USD" and money.currency_of("US") is None and money.currency_of(5) is None


@pytest.mark.parametrize("raw, expected", [
    ("25%", Decimal(25)), ("1", Decimal(1)), ("0.5", Decimal("0.5")), ("40 percent", Decimal(40)),
    ("12.5 pct", Decimal("12.5")), ("100 per cent", Decimal(100)), (0, Decimal(0)), ("5k", None), ("x", None),
])
def test_read_percent_is_points(raw, expected):
    assert percent.read_percent(raw) == expected


def test_format_percent_half_up_and_places():
    assert percent.format_percent(Decimal("12.5")) == "12.5%"
    assert percent.format_percent(Decimal("33.335")) == "33.34%"
    assert percent.format_percent(Decimal("12.5"), 0) == "13%"
    assert percent.format_percent(40) == "40%" and percent.format_percent(0) == "0%"
    assert percent.format_percent(Decimal("-0.001")) == "0%"
    assert percent.format_percent(None) == "" and percent.format_percent("") == "" and percent.format_percent("n/a") == "n/a"
    assert percent.json_points(Decimal("40.0")) == 40 and isinstance(percent.json_points(Decimal("40.0")), int)
    assert percent.json_points(Decimal("12.5")) == 12.5
    assert percent.share(Decimal(40)) == Decimal("0.4")


def test_read_money_signs_and_accounting_parentheses():
    assert money.read_money("\u22125").amount == -5  # a typographic minus
    assert money.read_money("-+5").amount is None and money.read_money("-\u22125").amount is None
    assert money.read_money("(50").amount is None and money.read_money("50)").amount is None
    assert money.read_money("(50)").amount == -50
