"""Numbers, percentages and amounts of money: ``number``, ``percent`` and ``currency`` answers.

The reading and the one rounding rule live in :mod:`bot.values` (shared with the CSV import
and the templates); this module adds what a question asks: bounds, the currency an earlier
answer fixed, and the friendly rejections.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot.engine.answers.common import MAX_MAGNITUDE, MAX_SHORT_INPUT, Ctx, clean, fmt_number, is_number
from bot.values.money import MAX_AMOUNT, currency_of, decimal_of, format_money, json_number, read_money, read_number
from bot.values.percent import format_percent, json_points, read_percent

NUMBER_HINT = "Try 12, 1,200 or 1.5k."
AMOUNT_HINT = "Try 120k, $1.2M or 120,000 EUR."


def number_from(raw: Any) -> Decimal | None:
    if isinstance(raw, str):
        text = clean(raw)
        return read_number(text) if len(text) <= MAX_SHORT_INPUT else None
    return decimal_of(raw)


def to_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def check_bounds(ctx: Ctx, value: Decimal, noun: str, unit: str = "", largest: Decimal = MAX_MAGNITUDE) -> None:
    rules = ctx.step.validation
    if abs(value) > largest:
        raise ctx.reject(f"{noun} is too large to be right.")
    if rules.min is not None and value < rules.min:
        raise ctx.reject(f"{noun} must be at least {fmt_number(rules.min)}{unit}.")
    if rules.max is not None and value > rules.max:
        raise ctx.reject(f"{noun} must be at most {fmt_number(rules.max)}{unit}.")


def parse_number(ctx: Ctx, raw: Any) -> int | float:
    value = number_from(raw)
    if value is None:
        raise ctx.reject(f"I couldn't read that as a number. {NUMBER_HINT}")
    check_bounds(ctx, value, "The number")
    return to_json(value)


def parse_percent(ctx: Ctx, raw: Any) -> int | float:
    """Percentage points: "1" and "1%" are both 1 (see :mod:`bot.values.percent`)."""
    if isinstance(raw, str):
        text = clean(raw)
        value = read_percent(text) if len(text) <= MAX_SHORT_INPUT else None
    else:
        value = read_percent(raw)
    if value is None:
        raise ctx.reject("I couldn't read that as a percentage. Try 25%, 12.5 or 100.")
    if not 0 <= value <= 100:
        raise ctx.reject("A percentage must be between 0 and 100.")
    check_bounds(ctx, value, "The percentage", "%")
    return json_points(value)


def _same_currency(ctx: Ctx) -> tuple[str | None, str]:
    """The currency ``same_currency_as`` asks for (None when that step has no amount yet) and its name."""
    ref = ctx.step.validation.same_currency_as
    if not ref:
        return None, ""
    earlier = ctx.earlier.get(ref)
    code = earlier.get("currency") if isinstance(earlier, Mapping) else None
    return (code if isinstance(code, str) else None), "the " + ref.replace("_", " ")


def parse_currency(ctx: Ctx, raw: Any) -> dict[str, Any]:
    """``{"amount": number, "currency": "USD"}``, the amount rounded to cents half-up."""
    required, ref_name = _same_currency(ctx)
    currency: str | None = required or ctx.default_currency
    if isinstance(raw, Mapping):
        unknown = [str(k)[:40] for k in raw if k not in ("amount", "currency")]
        if unknown or "amount" not in raw:
            raise ctx.reject(f'Give an amount like {{"amount": 120000, "currency": "USD"}}. {AMOUNT_HINT}')
        code = raw.get("currency")
        if code is not None:
            currency = currency_of(code)
            if currency is None:
                raise ctx.reject("A currency is a 3-letter code such as USD, EUR or GBP.")
        amount = number_from(raw["amount"])
    elif isinstance(raw, str):
        text = clean(raw)
        read = read_money(text) if len(text) <= MAX_SHORT_INPUT else None
        amount = read.amount if read else None
        if read and read.currencies:
            currency = read.currency
    else:
        amount = number_from(raw)
    if amount is None:
        raise ctx.reject(f"I couldn't read that as an amount. {AMOUNT_HINT}")
    if currency is None:
        raise ctx.reject("I see two different currencies there; please give just one.")
    if amount < 0:
        raise ctx.reject("The amount can't be negative. Say 0 if there was none.")
    if required is not None and currency != required:
        raise ctx.reject(f"Please give it in {required}, like {ref_name}: I never convert currencies, so every "
                         f"number stays exact. E.g. {fmt_number(to_json(amount))} {required}.")
    check_bounds(ctx, amount, "The amount", largest=MAX_AMOUNT)
    return {"amount": json_number(amount), "currency": currency}


def format_number_answer(kind: str, value: Any) -> str | None:
    """Review-card text for a number, percent or currency value; None when ``value`` is not one."""
    if kind == "number" and is_number(value):
        return fmt_number(value)
    if kind == "percent" and is_number(value):
        return format_percent(value)
    if kind == "currency" and isinstance(value, Mapping) and is_number(value.get("amount")):
        code = value.get("currency")
        return format_money(value["amount"], code if isinstance(code, str) else "")
    return None


__all__ = ["parse_number", "parse_percent", "parse_currency", "format_number_answer", "number_from"]
