"""Amount helpers (bot/domain/money.py): exact sums, one currency at a time, formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.errors import CurrencyMismatch, InvalidAmount, InvalidValue
from bot.domain.money import Money, add_amounts, format_money, plain_number, sum_by_currency


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def test_add_amounts_floats_add_exactly():
    assert add_amounts([usd(0.1), usd(0.2)]) == usd(0.3)


def test_add_amounts_whole_result_is_an_int():
    total = add_amounts([usd(100000), usd(19999.5), usd(0.5)])
    assert total == usd(120000)
    assert type(total["amount"]) is int


def test_add_amounts_mixed_currencies_refused():
    with pytest.raises(CurrencyMismatch) as caught:
        add_amounts([usd(1), {"amount": 2, "currency": "EUR"}])
    assert (caught.value.expected, caught.value.got, caught.value.field) == ("USD", "EUR", "amounts[1]")


def test_add_amounts_empty_with_currency_is_zero():
    assert add_amounts([], currency="eur") == {"amount": 0, "currency": "EUR"}


def test_add_amounts_empty_without_currency_refused():
    with pytest.raises(InvalidValue) as caught:
        add_amounts([])
    assert caught.value.field == "amounts"


def test_sum_by_currency_totals_each_currency():
    amounts = [usd(100000), {"amount": 1000.25, "currency": "EUR"}, usd(20000), {"amount": 250.25, "currency": "eur"}]
    assert sum_by_currency(amounts) == {"USD": 120000, "EUR": 1250.5}


def test_format_money_whole_and_cents():
    assert format_money(usd(120000)) == "USD 120,000"
    assert format_money({"amount": 1250.5, "currency": "EUR"}) == "EUR 1,250.50"
    assert format_money(usd(1234567.891)) == "USD 1,234,567.89"


def test_format_money_rounds_half_up():
    assert format_money(usd(0.005)) == "USD 0.01"
    assert format_money(usd(-0.001)) == "USD 0"


def test_plain_number_rounds_to_two_places():
    assert plain_number(Decimal("2.345")) == 2.35
    assert plain_number(Decimal("7.00")) == 7


def test_money_refuses_text_amounts_and_bad_codes():
    with pytest.raises(InvalidAmount) as caught:
        Money.of({"amount": "120000", "currency": "USD"}, "lost")
    assert caught.value.field == "lost"
    with pytest.raises(InvalidAmount):
        Money.of({"amount": 1, "currency": "US"})
    with pytest.raises(InvalidAmount):
        Money.of({"amount": True, "currency": "USD"})
    with pytest.raises(InvalidAmount):
        Money.of({"amount": float("nan"), "currency": "USD"})


def test_money_negative_refused_when_asked():
    with pytest.raises(InvalidAmount) as caught:
        Money.of(usd(-5), "quota", allow_negative=False)
    assert caught.value.field == "quota"
    assert caught.value.value == usd(-5)


def test_money_subtraction_across_currencies_refused():
    with pytest.raises(CurrencyMismatch):
        Money.of(usd(5)) - Money.of({"amount": 1, "currency": "GBP"})
