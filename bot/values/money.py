"""Amounts of money as people type them, as SQL stores them and as the bot shows them.

One rule on every path:

* **Decimal, never float arithmetic.** A float comes in through ``repr`` (0.1 stays 0.1).
* **Rounded to cents, half-up** (``ROUND_HALF_UP``: 1,250.125 -> 1,250.13, -0.005 -> -0.01):
  the rule a finance person and an invoice use, not the banker's half-even.
* **Stored as integer cents plus a currency code** (``*_cents`` and ``currency`` columns), so
  ``SELECT currency, SUM(amount_cents) / 100.0 ... GROUP BY currency`` adds them exactly.
  Cents are hundredths for every currency, yen included: one rule, as ``debrief_facts`` has
  stored from the start, so every table divides by the same 100.
* **Shown as** ``EUR 1,250.50`` / ``USD 120,000``: a comma for thousands, cents only when
  there are any.

Reading accepts what people and CRM exports write: ``120k``, ``$1.2M``, ``EUR 2 mln``,
``5 thousand``, ``120,000.50 EUR``, ``(1,200)`` (accounting negative). A comma is always a
thousands separator, never a decimal one. Symbols: ``$`` USD, ``US$`` USD, ``€`` EUR,
``£`` GBP, ``¥`` JPY (as ``$`` is USD: exports write other yuan and dollars with a code or
``CN¥``), ``CN¥`` CNY, ``₹`` INR.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

ROUNDING = ROUND_HALF_UP
CENTS = Decimal("0.01")
CENTS_PER_UNIT = 100
# A trillion: beyond any deal, and every amount up to it with its cents has at most 15
# significant digits, so it survives the JSON float of an answer exactly (a float keeps 15).
MAX_AMOUNT = Decimal(10) ** 12
SYMBOLS = {"US$": "USD", "CN¥": "CNY", "JP¥": "JPY", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
SCALES = {"k": 3, "thousand": 3, "m": 6, "mm": 6, "mn": 6, "mln": 6, "mio": 6, "million": 6,
          "b": 9, "bn": 9, "bln": 9, "billion": 9}

_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212])?\s*"
    r"(?P<int>[0-9]{1,3}(?:[, \u00a0\u202f'_][0-9]{3})+|[0-9]*)"
    r"(?:\.(?P<frac>[0-9]+))?"
    r"\s*(?P<scale>k|thousand|m|mm|mn|mln|mio|million|b|bn|bln|billion)?",
    re.IGNORECASE,
)
_SYMBOL = "|".join(re.escape(symbol) for symbol in sorted(SYMBOLS, key=len, reverse=True))
_MONEY = re.compile(
    rf"(?P<sign>[-+\u2212])?\s*(?P<pre>{_SYMBOL}|[A-Za-z]{{3}}(?![A-Za-z]))?\s*"
    rf"(?P<num>[^$€£¥₹]*?)\s*(?P<post>{_SYMBOL}|(?<![A-Za-z])[A-Za-z]{{3}})?"
)


def decimal_of(value: Any) -> Decimal | None:
    """A finite int, float or Decimal as a Decimal (floats through ``repr``); None for anything else, bools included."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    number = Decimal(value)
    return number if number.is_finite() else None


def read_number(text: str, *, scales: bool = True) -> Decimal | None:
    """``"1,200"``, ``"-3.5"``, ``"1.5k"``, ``"2 mln"``, ``"5 thousand"`` as a Decimal; None when it is not one.

    Thousands are grouped by comma, space, apostrophe or underscore; the decimal mark is a point.
    """
    match = _NUMBER.fullmatch(text.strip())
    if not match or not (match["int"] or match["frac"]) or (match["scale"] and not scales):
        return None
    digits = re.sub(r"[^0-9]", "", match["int"]) or "0"
    value = Decimal(f"{digits}.{match['frac'] or '0'}")
    if match["scale"]:
        value = value.scaleb(SCALES[match["scale"].lower()])
    return -value if match["sign"] in ("-", "\u2212") else value


@dataclass(frozen=True)
class MoneyText:
    """What an amount's text said: the number (None if unreadable) and every currency it named."""

    amount: Decimal | None
    currencies: tuple[str, ...] = ()

    @property
    def currency(self) -> str | None:
        """The one currency named, or None when none or two different ones were."""
        return self.currencies[0] if len(set(self.currencies)) == 1 else None

    @property
    def conflicting(self) -> bool:
        return len(set(self.currencies)) > 1


def read_money(text: str) -> MoneyText:
    """``"$1.2M"``, ``"EUR 50k"``, ``"50k €"``, ``"(1,200) USD"`` -> amount and the currencies named.

    The amount is exact, not yet rounded: callers check its sign and size, then round with
    :func:`round_cents`.
    """
    text = text.strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting style for negatives
        negative, text = True, text[1:-1].strip()
    match = _MONEY.fullmatch(text)
    if not match:
        return MoneyText(None)
    number, codes = match["num"], []
    if match["sign"] and number.lstrip().startswith(("-", "+", "\u2212")):
        return MoneyText(None)  # "--5": two signs are a typo, not a positive number
    for part in (match["pre"], match["post"]):
        if part and part.lower() in SCALES:  # "2 mln": a scale word, not a currency code
            number += part
        elif part:
            codes.append(SYMBOLS.get(part, part.upper()))
    amount = read_number(number)
    if amount is not None and (match["sign"] in ("-", "\u2212")) != negative:
        amount = -amount
    return MoneyText(amount, tuple(codes))


def currency_of(code: Any) -> str | None:
    """An ISO 4217-shaped code, upper-cased (``"usd"`` -> ``"USD"``), or None."""
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{3}", code.strip()):
        return None
    return code.strip().upper()


def round_to(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, whatever its size (the context grows to fit)."""
    with localcontext() as context:
        context.prec = max(28, value.adjusted() + places + 2)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)


def round_cents(value: Decimal) -> Decimal:
    """The one rounding of money: to cents, half-up."""
    return round_to(value, 2)


def to_cents(amount: Any) -> int | None:
    """An amount (int, float, Decimal) as integer cents, rounded half-up; None for nothing."""
    number = decimal_of(amount)
    if number is None:
        return None
    return int(round_cents(number) * CENTS_PER_UNIT)


def from_cents(cents: int | None) -> Decimal | None:
    """Integer cents (as stored) back to an exact Decimal amount: 12000050 -> 120000.50."""
    if cents is None:
        return None
    return Decimal(int(cents)) / CENTS_PER_UNIT


def amount_dict(cents: int | None, currency: str | None) -> dict[str, Any] | None:
    """Stored cents and currency as the JSON amount every other layer reads; None when either is missing."""
    if cents is None or not currency:
        return None
    return {"amount": json_number(Decimal(int(cents)) / CENTS_PER_UNIT), "currency": currency}


def cents_and_currency(value: Any) -> tuple[int | None, str | None]:
    """An amount dict (``{"amount": 1250.5, "currency": "EUR"}``) as (cents, currency) to store; (None, None) for nothing."""
    if not isinstance(value, Mapping) or value.get("amount") is None:
        return None, None
    currency = value.get("currency")
    return to_cents(value["amount"]), currency if isinstance(currency, str) else None


def json_number(value: Decimal) -> int | float:
    """The JSON number of an amount after rounding to cents: an int when whole, else a float of 2 places."""
    rounded = round_cents(value)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def format_amount(value: Decimal) -> str:
    """``1,250.13`` / ``120,000``: rounded to cents half-up, cents only when there are any, never ``-0``."""
    rounded = round_cents(value)
    text = f"{rounded:,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:,.2f}"
    return text[1:] if text in ("-0", "-0.00") else text


def format_money(amount: Any, currency: str | None) -> str:
    """``EUR 1,250.13``; a value that is not a number is shown as it is, never raising."""
    number = decimal_of(amount)
    text = format_amount(number) if number is not None else str(amount)
    return f"{currency or ''} {text}".strip()


__all__ = [
    "ROUNDING", "CENTS", "MAX_AMOUNT", "SYMBOLS", "SCALES", "MoneyText", "decimal_of", "read_number", "read_money",
    "currency_of", "round_to", "round_cents", "to_cents", "from_cents", "amount_dict", "cents_and_currency",
    "json_number", "format_amount", "format_money",
]
