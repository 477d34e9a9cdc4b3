"""Amounts of money: ``{"amount": int | float, "currency": "USD"}`` everywhere outside this module.

Inside, amounts are ``Decimal`` so that sums of cents stay exact; on the way out they become
plain JSON numbers again (int when whole, else rounded to cents). Rounding, reading and
showing follow the one rule of :mod:`bot.values.money` (half-up to cents, ``EUR 1,250.13``),
which typed answers, the CSV import and the templates share. Currencies are never
converted: adding two currencies raises ``CurrencyMismatch``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.errors import CurrencyMismatch, InvalidAmount, InvalidValue
from bot.values import money as values
from bot.values.money import round_to


Number = int | float


def to_decimal(value: Any, field: str = "amount") -> Decimal:
    """A finite number (int, float or Decimal, not bool or text) as a Decimal.

    Floats go through ``str`` so 0.1 stays 0.1 rather than its binary neighbour.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidValue(field, value, "expected a number")
    number = values.decimal_of(value)
    if number is None:
        raise InvalidValue(field, value, "expected a finite number")
    return number


def plain_number(value: Decimal) -> Number:
    """JSON-friendly: an int when whole (after rounding to cents half-up), else a float with 2 places."""
    return values.json_number(value)


def currency_code(value: Any, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased ("usd" is accepted as "USD")."""
    code = values.currency_of(value)
    if code is None:
        raise InvalidAmount(field, value, "expected a three-letter ISO 4217 currency code such as USD")
    return code


@dataclass(frozen=True)
class Money:
    """An exact amount in one currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, value: Any, field: str = "amount", *, allow_negative: bool = True) -> Money:
        """Read an amount dict (or pass a Money through), checking its shape and sign."""
        if isinstance(value, Money):
            money = value
        else:
            if not isinstance(value, Mapping) or "amount" not in value or "currency" not in value:
                raise InvalidAmount(field, value, 'expected {"amount": number, "currency": "USD"}')
            try:
                number = to_decimal(value["amount"], field)
            except InvalidValue as error:
                raise InvalidAmount(field, value, error.message) from None
            money = cls(number, currency_code(value["currency"], field))
        if not allow_negative and money.amount < 0:
            raise InvalidAmount(field, money.to_dict(), "must not be negative")
        return money

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency_code(currency))

    def to_dict(self) -> dict[str, Any]:
        return {"amount": plain_number(self.amount), "currency": self.currency}

    def check_currency(self, other: Money, field: str | None = None) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency, field)

    def __add__(self, other: Money) -> Money:
        self.check_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self.check_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, factor: Decimal | Number) -> Money:
        return Money(self.amount * (factor if isinstance(factor, Decimal) else to_decimal(factor, "factor")), self.currency)

    def __str__(self) -> str:
        return format_money(self)


def common_currency(amounts: Iterable[Money], field: str = "amounts") -> str | None:
    """The one currency shared by ``amounts`` (None when empty); a second one raises CurrencyMismatch."""
    currency = None
    for index, money in enumerate(amounts):
        if currency is None:
            currency = money.currency
        elif money.currency != currency:
            raise CurrencyMismatch(currency, money.currency, f"{field}[{index}]")
    return currency


def add_amounts(amounts: Iterable[Any], *, currency: str | None = None, field: str = "amounts") -> dict[str, Any]:
    """The sum of amounts in one currency, as an amount dict.

    An empty list sums to zero in ``currency``; without one there is no currency to report,
    so it is refused. Any amount in another currency raises ``CurrencyMismatch``.
    """
    moneys = [Money.of(value, f"{field}[{i}]") for i, value in enumerate(amounts)]
    expected = currency_code(currency) if currency is not None else None
    if expected is None:
        if not moneys:
            raise InvalidValue(field, [], "nothing to add and no currency given")
        expected = moneys[0].currency
    total = Money.zero(expected)
    for index, money in enumerate(moneys):
        total.check_currency(money, f"{field}[{index}]")
        total += money
    return total.to_dict()


def sum_by_currency(amounts: Iterable[Any], field: str = "amounts") -> dict[str, Number]:
    """Totals per currency, e.g. ``{"USD": 120000, "EUR": 1250.5}``, in first-seen order.

    For reports over a whole team, where several currencies may legitimately appear.
    """
    totals: dict[str, Decimal] = {}
    for index, value in enumerate(amounts):
        money = Money.of(value, f"{field}[{index}]")
        totals[money.currency] = totals.get(money.currency, Decimal(0)) + money.amount
    return {code: plain_number(total) for code, total in totals.items()}


def format_money(value: Any) -> str:
    """``USD 120,000`` / ``EUR 1,250.50``: cents only when there are any (:func:`bot.values.money.format_money`)."""
    money = Money.of(value)
    return values.format_money(money.amount, money.currency)


def ratio(numerator: Decimal, denominator: Decimal, places: int = 4) -> float | None:
    """``numerator / denominator`` rounded half-up, or None when the denominator is zero."""
    if denominator == 0:
        return None
    try:
        value = round_to(numerator / denominator, places)
    except InvalidOperation:  # pragma: no cover - only for absurd magnitudes
        return None
    return float(value)


__all__ = [
    "CurrencyMismatch", "Money", "to_decimal", "plain_number", "currency_code", "common_currency",
    "add_amounts", "sum_by_currency", "format_money", "ratio",
]
