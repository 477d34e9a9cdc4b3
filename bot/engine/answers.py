"""Typed answers: raw input for one step -> the JSON-ready value the run stores.

The terminal, Slack (typed text or a widget's value) and YAML answer files all come through
``parse_answer``, so a person gets the same help wherever they type. Anything that does not
fit raises ``AnswerRejected(step.id, message)``; the message is short and says what to type.

Stored values (other modules rely on these shapes):
text, long_text: ``str`` | number: ``int`` when integral, else ``float`` |
currency: ``{"amount": int | float, "currency": "USD"}`` | percent: number in 0..100 |
date: ``"YYYY-MM-DD"`` | yes_no: ``bool`` | choice: the option's ``value`` |
multi_choice: option values in the options' order | user: Slack user id, or a plain name |
list: ``[{field_id: value or None}]``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2.exceptions import UndefinedError

from bot import clock
from bot.engine import conditions
from bot.engine.dates import as_date as _as_date
from bot.engine.dates import natural_date as _natural_date
from bot.engine.dates import period_date as _period_date
from bot.engine.model import ListField, Option, Step
from bot.errors import AnswerRejected

__all__ = ["answer_warnings", "expected", "format_answer", "parse_answer"]

Spec = Step | ListField

DEFAULT_MAX_LENGTH = {"text": 500, "long_text": 3000}
MAX_SHORT_INPUT = 200  # longer than this is not a number, date, choice or name (and keeps parsing cheap)
MAX_LIST_INPUT = 20_000
MAX_ITEMS = 100
MAX_MAGNITUDE = Decimal(10) ** 15  # beyond any deal; also keeps floats finite
YEARS = range(1900, 2200)
SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
NUMBER_HINT = "Try 12, 1,200 or 1.5k."
AMOUNT_HINT = "Try 120k, $1.2M or 120,000 EUR."
DATE_HINT = "Try 2026-12-04, next Friday or in 2 weeks."
YES = {"yes", "y", "yeah", "yep", "yup", "sure", "true", "1", "ok", "okay", "of course"}
NO = {"no", "n", "nope", "nah", "false", "0", "not really"}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212])?\s*"
    r"(?P<int>[0-9]{1,3}(?:[, \u00a0\u202f'_][0-9]{3})+|[0-9]*)"
    r"(?:\.(?P<frac>[0-9]+))?"
    r"\s*(?P<scale>k|thousand|m|mm|mn|mln|mio|million|b|bn|bln|billion)?",
    re.IGNORECASE,
)
_SCALE = {"k": 3, "thousand": 3, "m": 6, "mm": 6, "mn": 6, "mln": 6, "mio": 6, "million": 6,
          "b": 9, "bn": 9, "bln": 9, "billion": 9}
_MONEY = re.compile(
    r"(?P<sign>[-\u2212])?\s*(?P<pre>[$€£¥]|[A-Za-z]{3}(?![A-Za-z]))?\s*"
    r"(?P<num>[^$€£¥]*?)\s*(?P<post>[$€£¥]|(?<![A-Za-z])[A-Za-z]{3})?"
)
_PERCENT_SIGN = re.compile(r"\s*(?:%|percent|per cent|pct)$", re.IGNORECASE)
_SLASHED = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4}|[0-9]{2})")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_USER_ID = re.compile(r"[UW](?=[A-Z]*[0-9])[A-Z0-9]{4,}")
_BULLET = re.compile(r"^(?:[-*•]\s+)")


@dataclass(frozen=True)
class _Ctx:
    step: Spec
    today: date
    earlier: Mapping[str, Any]
    default_currency: str

    def reject(self, message: str) -> AnswerRejected:
        return AnswerRejected(self.step.id, message)


# -- public API ---------------------------------------------------------------------------


def parse_answer(
    step: Spec,
    raw: Any,
    *,
    today: date,
    earlier: Mapping[str, Any] | None = None,
    default_currency: str = "USD",
) -> Any:
    """The typed value of ``raw`` for ``step``, or ``AnswerRejected`` saying what to type instead."""
    parser = _PARSERS.get(step.type or "")
    if parser is None:
        raise AnswerRejected(step.id, "This step is computed; it doesn't take an answer.")
    if raw is None or (isinstance(raw, str) and not _clean(raw)):
        raise AnswerRejected(step.id, f"Please type an answer: {expected(step)}.")
    ctx = _Ctx(step, today, earlier or {}, (default_currency or "USD").upper())
    return parser(ctx, raw)


def expected(step: Spec) -> str:
    """A short hint of what to type, shown beside the question and in rejections."""
    rules = step.validation
    kind = step.type
    if kind in DEFAULT_MAX_LENGTH:
        limit = rules.max_length or DEFAULT_MAX_LENGTH[kind]
        hint = "a short answer" if kind == "text" else "a few sentences"
        hint += f" (up to {limit:,} characters)"
        return f"{hint}: {rules.pattern_hint}" if rules.pattern_hint else hint
    if kind == "number":
        return "a number, e.g. 12, 1,200 or 1.5k" + _bounds_hint(rules.min, rules.max)
    if kind == "currency":
        return "an amount, e.g. 120k, $1.2M or 120,000 EUR" + _bounds_hint(rules.min, rules.max)
    if kind == "percent":
        low = 0 if rules.min is None else max(0, rules.min)
        high = 100 if rules.max is None else min(100, rules.max)
        return f"a percentage from {_fmt_number(low)} to {_fmt_number(high)}, e.g. 25%"
    if kind == "date":
        return "a date, e.g. 2026-12-04 or next Friday"
    if kind == "yes_no":
        return "yes or no"
    if kind == "choice":
        return "one of the options, by name or number"
    if kind == "multi_choice":
        return "one or more of the options, separated by commas"
    if kind == "user":
        return "a person: @name or a Slack mention"
    if kind == "list" and isinstance(step, Step):
        optional = [f.label for f in step.fields if not f.required]
        hint = f"one item per line: {_layout(step)}"
        return hint + (f" ({', '.join(optional)} can be left empty)" if optional else "")
    return "an answer"


def format_answer(step: Spec, value: Any) -> str:
    """Plain text for review cards and transcripts. Never raises, whatever ``value`` holds."""
    if value is None:
        return "—"
    kind = step.type
    if kind in ("number", "percent") and _is_number(value):
        return _fmt_number(value) + ("%" if kind == "percent" else "")
    if kind == "currency" and isinstance(value, Mapping) and _is_number(value.get("amount")):
        amount = value["amount"]
        shown = f"{amount:,.2f}" if isinstance(amount, float) and not amount.is_integer() else _fmt_number(amount)
        return f"{value.get('currency', '')} {shown}".strip()
    if kind == "date":
        day = _as_date(value)
        if day is not None:
            return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    if kind == "yes_no" and isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "choice":
        return _label(step.options, value)
    if kind == "multi_choice" and isinstance(value, list):
        return ", ".join(_label(step.options, v) for v in value) or "—"
    if kind == "list" and isinstance(value, list) and isinstance(step, Step):
        lines = []
        for item in value:
            if not isinstance(item, Mapping):
                lines.append(str(item))
                continue
            lines.append("; ".join(f"{f.label}: {format_answer(f, item.get(f.id))}" for f in step.fields))
        return "\n".join(lines) or "—"
    return str(value)


def answer_warnings(
    step: Spec,
    value: Any,
    *,
    earlier: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> list[str]:
    """Soft warnings: the answer stands, but the person may want to look again.

    ``warn_after_days`` counts from the ``not_before`` step's date, or from today when the
    step has no earlier date to count from (``today`` defaults to the clock's UTC date).
    """
    rules = step.validation
    day = _as_date(value)
    limit = _warn_limit(rules.warn_after_days, earlier or {})
    if step.type != "date" or limit is None or day is None:
        return []
    ref = rules.not_before
    if ref and ref != "today":
        base = _as_date((earlier or {}).get(ref))
        where = f"{_date_name(ref)} ({base.isoformat()})" if base else ""
    else:
        base = today or clock.now().date()
        where = "today"
    if base is None:
        return []
    days = (day - base).days
    if days <= limit:
        return []
    return [f"That's {days} days after {where}; more than {_fmt_number(limit)} is unusual here, so double-check it."]


def _warn_limit(limit: int | str | None, earlier: Mapping[str, Any]) -> int | float | None:
    """``warn_after_days`` as a number: given, or read from an expression (``settings.max_pilot_days``,
    the team's own limit). An expression that gives no number means no warning, never an error."""
    if isinstance(limit, str):
        try:
            limit = conditions.evaluate(limit, earlier)
        except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, UndefinedError,
                conditions.TemplateSyntaxError):
            return None  # a soft warning never blocks an answer; `rebound check` reports a bad expression
    return limit if _is_number(limit) else None


# -- text ---------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Drop control characters (keeping newline and tab) and lone surrogates, which UTF-8 can't store."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip()


def _scalar_text(raw: Any) -> str | None:
    """Text from a scalar; YAML turns an unquoted ``2026`` or ``2026-12-04`` into a number or date."""
    if isinstance(raw, str):
        return _clean(raw)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) or (isinstance(raw, float) and math.isfinite(raw)):
        return _fmt_plain(raw)
    if isinstance(raw, date):
        return raw.isoformat()
    return None


def _parse_text(ctx: _Ctx, raw: Any) -> str:
    rules = ctx.step.validation
    text = _scalar_text(raw)
    if text is None:
        raise ctx.reject("Please type your answer as text.")
    if not text:
        raise ctx.reject("Please type an answer.")
    limit = rules.max_length or DEFAULT_MAX_LENGTH[ctx.step.type]
    if len(text) > limit:
        raise ctx.reject(f"That's {len(text):,} characters; please keep it to {limit:,}.")
    if rules.min_length and len(text) < rules.min_length:
        raise ctx.reject(f"Please write at least {rules.min_length:,} characters.")
    if rules.pattern and not re.fullmatch(rules.pattern, text):
        raise ctx.reject(f"That doesn't look right. {_sentence(rules.pattern_hint)}" if rules.pattern_hint
                         else "That doesn't look like the expected format.")
    return text


# -- numbers ------------------------------------------------------------------------------


def _read_number(text: str) -> Decimal | None:
    match = _NUMBER.fullmatch(text.strip())
    if not match or not (match["int"] or match["frac"]):
        return None
    digits = re.sub(r"[^0-9]", "", match["int"]) or "0"
    value = Decimal(f"{digits}.{match['frac'] or '0'}")
    if match["scale"]:
        value = value.scaleb(_SCALE[match["scale"].lower()])
    return -value if match["sign"] in ("-", "\u2212") else value


def _number_from(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if isinstance(raw, str):
        text = _clean(raw)
        return _read_number(text) if len(text) <= MAX_SHORT_INPUT else None
    return None


def _to_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _check_bounds(ctx: _Ctx, value: Decimal, noun: str, unit: str = "") -> None:
    rules = ctx.step.validation
    if abs(value) > MAX_MAGNITUDE:
        raise ctx.reject(f"{noun} is too large to be right.")
    if rules.min is not None and value < rules.min:
        raise ctx.reject(f"{noun} must be at least {_fmt_number(rules.min)}{unit}.")
    if rules.max is not None and value > rules.max:
        raise ctx.reject(f"{noun} must be at most {_fmt_number(rules.max)}{unit}.")


def _parse_number(ctx: _Ctx, raw: Any) -> int | float:
    value = _number_from(raw)
    if value is None:
        raise ctx.reject(f"I couldn't read that as a number. {NUMBER_HINT}")
    _check_bounds(ctx, value, "The number")
    return _to_json(value)


def _parse_percent(ctx: _Ctx, raw: Any) -> int | float:
    value = _number_from(_PERCENT_SIGN.sub("", raw) if isinstance(raw, str) and len(raw) <= MAX_SHORT_INPUT else raw)
    if value is None:
        raise ctx.reject("I couldn't read that as a percentage. Try 25%, 12.5 or 100.")
    if not 0 <= value <= 100:
        raise ctx.reject("A percentage must be between 0 and 100.")
    _check_bounds(ctx, value, "The percentage", "%")
    return _to_json(value)


def _read_money(text: str, default: str) -> tuple[Decimal | None, str | None]:
    """(amount, currency) from "$1.2M", "EUR 50k", "50k €", "120000 usd"; currency None if two disagree."""
    match = _MONEY.fullmatch(text)
    if not match:
        return None, default
    number, codes = match["num"], []
    for part in (match["pre"], match["post"]):
        if part and part.lower() in _SCALE:  # "50 mln": a scale word, not a currency code
            number += part
        elif part:
            codes.append(SYMBOLS.get(part, part.upper()))
    amount = _read_number(number)
    if amount is not None and match["sign"]:
        amount = -amount
    if len(set(codes)) > 1:
        return amount, None
    return amount, codes[0] if codes else default


def _same_currency(ctx: _Ctx) -> tuple[str | None, str]:
    """The currency ``same_currency_as`` asks for (None when that step has no amount yet) and its name."""
    ref = ctx.step.validation.same_currency_as
    if not ref:
        return None, ""
    earlier = ctx.earlier.get(ref)
    code = earlier.get("currency") if isinstance(earlier, Mapping) else None
    return (code if isinstance(code, str) else None), "the " + ref.replace("_", " ")


def _parse_currency(ctx: _Ctx, raw: Any) -> dict[str, Any]:
    required, ref_name = _same_currency(ctx)
    currency: str | None = required or ctx.default_currency
    if isinstance(raw, Mapping):
        unknown = [str(k)[:40] for k in raw if k not in ("amount", "currency")]
        if unknown or "amount" not in raw:
            raise ctx.reject(f'Give an amount like {{"amount": 120000, "currency": "USD"}}. {AMOUNT_HINT}')
        code = raw.get("currency")
        if code is not None:
            if not (isinstance(code, str) and re.fullmatch(r"[A-Za-z]{3}", code.strip())):
                raise ctx.reject("A currency is a 3-letter code such as USD, EUR or GBP.")
            currency = code.strip().upper()
        amount = _number_from(raw["amount"])
    elif isinstance(raw, str):
        text = _clean(raw)
        amount, currency = _read_money(text, currency) if len(text) <= MAX_SHORT_INPUT else (None, currency)
    else:
        amount = _number_from(raw)
    if amount is None:
        raise ctx.reject(f"I couldn't read that as an amount. {AMOUNT_HINT}")
    if currency is None:
        raise ctx.reject("I see two different currencies there; please give just one.")
    if amount < 0:
        raise ctx.reject("The amount can't be negative. Say 0 if there was none.")
    if required is not None and currency != required:
        raise ctx.reject(f"Please give it in {required}, like {ref_name}: I never convert currencies, so every "
                         f"number stays exact. E.g. {_fmt_number(amount)} {required}.")
    _check_bounds(ctx, amount, "The amount")
    return {"amount": _to_json(amount), "currency": currency}


# -- dates --------------------------------------------------------------------------------


def _read_date(ctx: _Ctx, raw: Any) -> date | None:
    if isinstance(raw, date):
        return _as_date(raw)
    if not isinstance(raw, str):
        return None
    text = " ".join(_clean(raw).split())
    if len(text) > MAX_SHORT_INPUT:
        return None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.+\-Z]*)?", text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            raise ctx.reject(f"{text[:10]} isn't a date on the calendar. {DATE_HINT}") from None
    slashed = _SLASHED.fullmatch(text)
    if slashed:
        first, second, year = (int(part) for part in slashed.groups())
        year += 2000 if year < 100 else 0
        if first <= 12 and second <= 12 and first != second:
            raise ctx.reject(f"{text} could be day-month or month-day. Please write it like 2026-12-04 or 4 Dec 2026.")
        day, month = (first, second) if first > 12 else (second, first)
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return _period_date(text, ctx.today) or _natural_date(text, ctx.today)


def _date_name(step_id: str) -> str:
    words = step_id.replace("_", " ")
    return f"the {words}" if words.endswith("date") else f"the {words} date"


def _parse_date(ctx: _Ctx, raw: Any) -> str:
    day = _read_date(ctx, raw)
    if day is None:
        raise ctx.reject(f"I couldn't read that as a date. {DATE_HINT}")
    if day.year not in YEARS:
        raise ctx.reject(f"{day.year} looks like a typo for the year. {DATE_HINT}")
    rules = ctx.step.validation
    words = ctx.step.id.replace("_", " ")
    subject = f"The {words}" if words.endswith("date") else "The date"
    for ref, must_follow in ((rules.not_before, True), (rules.not_after, False)):
        if not ref:
            continue
        bound = ctx.today if ref == "today" else _as_date(ctx.earlier.get(ref))
        if bound is None or (day >= bound if must_follow else day <= bound):
            continue
        if ref == "today":
            raise ctx.reject(f"{subject} can't be in the {'past' if must_follow else 'future'}.")
        side = "before" if must_follow else "after"
        raise ctx.reject(f"{subject} can't be {side} {_date_name(ref)} ({bound.isoformat()}).")
    return day.isoformat()


# -- yes/no, choices, people --------------------------------------------------------------


def _parse_yes_no(ctx: _Ctx, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and len(raw) <= MAX_SHORT_INPUT:
        word = " ".join(_clean(raw).casefold().strip(" .!").split())
        if word in YES:
            return True
        if word in NO:
            return False
    raise ctx.reject("Please answer yes or no.")


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


def _match_option(options: list[Option], raw: Any) -> Option | None:
    """An option by its value, its label (any case and spacing) or its 1-based number in the menu."""
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    elif isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or len(raw) > MAX_SHORT_INPUT:
        return None
    text = _clean(raw)
    for option in options:
        if option.value == text:
            return option
    key = _norm(text).rstrip(".")
    for option in options:
        if key in (_norm(option.value), _norm(option.label)):
            return option
    number = re.fullmatch(r"([0-9]{1,3})[.)]?", text)
    if number and 1 <= int(number[1]) <= len(options):
        return options[int(number[1]) - 1]
    return None


def _option_list(options: list[Option]) -> str:
    labels = [option.label for option in options[:10]]
    return ", ".join(labels) + (", …" if len(options) > 10 else "")


def _parse_choice(ctx: _Ctx, raw: Any) -> str:
    option = _match_option(ctx.step.options, raw)
    if option is None:
        raise ctx.reject(f"Please pick one of: {_option_list(ctx.step.options)} (or type its number).")
    return option.value


def _multi_pieces(options: list[Option], text: str) -> list[Any]:
    """Split typed text on commas, semicolons and new lines; "A and B" splits only when the whole isn't a label."""
    if _match_option(options, text):
        return [text]
    pieces: list[Any] = []
    for piece in re.split(r"[,;\n]+", text):
        piece = re.sub(r"^(?:and|&|or)\s+|^[-*•]\s+", "", piece.strip(), flags=re.IGNORECASE)
        if not piece:
            continue
        if _match_option(options, piece) is None and re.search(r"\s(?:and|&)\s", piece, re.IGNORECASE):
            pieces.extend(p for p in re.split(r"\s+(?:and|&)\s+", piece, flags=re.IGNORECASE) if p)
        else:
            pieces.append(piece)
    return pieces


def _parse_multi_choice(ctx: _Ctx, raw: Any) -> list[str]:
    options = ctx.step.options
    if isinstance(raw, str):
        text = _clean(raw)
        pieces = _multi_pieces(options, text) if len(text) <= MAX_LIST_INPUT else [text]
    elif isinstance(raw, (list, tuple)):
        pieces = list(raw)
    else:
        pieces = [raw]
    if len(pieces) > MAX_ITEMS:
        raise ctx.reject(f"That's too many. Pick from: {_option_list(options)}.")
    chosen, unknown = set(), []
    for piece in pieces:
        option = _match_option(options, piece)
        if option is None:
            unknown.append(f'"{str(piece)[:40]}"')
        else:
            chosen.add(option.value)
    if unknown:
        raise ctx.reject(f"I don't know {', '.join(unknown[:3])}. Pick from: {_option_list(options)}.")
    rules = ctx.step.validation
    least = max(1, rules.min_items or 0)
    if len(chosen) < least:
        raise ctx.reject(f"Please pick at least {_count(least, 'option')}: {_option_list(options)}.")
    if rules.max_items is not None and len(chosen) > rules.max_items:
        raise ctx.reject(f"Please pick at most {_count(rules.max_items, 'option')}.")
    return [option.value for option in options if option.value in chosen]


def _parse_user(ctx: _Ctx, raw: Any) -> str:
    text = _clean(raw) if isinstance(raw, str) else ""
    mention = _MENTION.fullmatch(text)
    if mention:
        return mention[1]
    if _USER_ID.fullmatch(text):
        return text
    name = " ".join(text.removeprefix("@").split())
    if (
        not name
        or len(name) > 80
        or "\n" in text
        or any(ch in name for ch in "<>@|")
        or not any(ch.isalpha() for ch in name)
    ):
        raise ctx.reject("Please name a person: @name, or mention them like @Dana.")
    return name


# -- lists ----------------------------------------------------------------------------------


def _layout(step: Step) -> str:
    return " | ".join(field.label for field in step.fields)


def _item_values(ctx: _Ctx, number: int, item: Any) -> dict[str, Any]:
    """Field id -> raw value, from a dict (keys are field ids or labels), a list of parts or a "|" line."""
    fields = ctx.step.fields
    if isinstance(item, Mapping):
        by_key = {f.id: f.id for f in fields} | {_norm(f.label): f.id for f in fields}
        values = {}
        for key, value in item.items():
            field_id = by_key.get(key) if isinstance(key, str) and key in by_key else by_key.get(_norm(str(key)))
            if field_id is None:
                known = ", ".join(f.id for f in fields)
                raise ctx.reject(f'Item {number} has a part I don\'t know: "{str(key)[:40]}". Use {known}.')
            values[field_id] = value
        return values
    if isinstance(item, str):
        parts: list[Any] = [part.strip() for part in item.split("|")]
    elif isinstance(item, (list, tuple)):
        parts = list(item)
    else:
        raise ctx.reject(f"Item {number} isn't something I can read. Give one item per line: {_layout(ctx.step)}.")
    if len(parts) > len(fields):
        raise ctx.reject(
            f"Item {number} has {len(parts)} parts but I expected {len(fields)}, separated by |: {_layout(ctx.step)}."
        )
    return {field.id: part for field, part in zip(fields, parts)}


def _parse_list(ctx: _Ctx, raw: Any) -> list[dict[str, Any]]:
    step = ctx.step
    if not isinstance(step, Step) or not step.fields:
        raise ctx.reject("This question can't take a list.")
    if isinstance(raw, str):
        text = _clean(raw)
        if len(text) > MAX_LIST_INPUT:
            raise ctx.reject(f"That's too long; please keep it under {MAX_LIST_INPUT:,} characters.")
        items: list[Any] = [_BULLET.sub("", line.strip()) for line in text.split("\n") if line.strip()]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        raise ctx.reject(f"Please give one item per line: {_layout(step)}.")
    if len(items) > MAX_ITEMS:
        raise ctx.reject(f"That's more than {MAX_ITEMS} items; please keep the list shorter.")
    parsed = []
    for number, item in enumerate(items, 1):
        values = _item_values(ctx, number, item)
        row: dict[str, Any] = {}
        for field in step.fields:
            value = values.get(field.id)
            if value is None or (isinstance(value, str) and not _clean(value)):
                if field.required:
                    tip = f" Separate the parts with |: {_layout(step)}." if isinstance(item, str) else ""
                    raise ctx.reject(f"Item {number}, {field.label}: please fill this in.{tip}")
                row[field.id] = None
                continue
            try:
                row[field.id] = parse_answer(
                    field, value, today=ctx.today, earlier=ctx.earlier, default_currency=ctx.default_currency
                )
            except AnswerRejected as err:
                raise ctx.reject(f"Item {number}, {field.label}: {err.message}") from None
        parsed.append(row)
    rules = step.validation
    least = max(1, rules.min_items or 0)
    if len(parsed) < least:
        raise ctx.reject(f"Please add at least {_count(least, 'item')}, one per line: {_layout(step)}.")
    if rules.max_items is not None and len(parsed) > rules.max_items:
        raise ctx.reject(f"Please keep it to {_count(rules.max_items, 'item')} (you gave {len(parsed)}).")
    return parsed


# -- small formatting helpers ---------------------------------------------------------------


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _fmt_plain(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else str(value)


def _fmt_number(value: Any) -> str:
    """1,200 / 1,234.5; no decimals when integral."""
    if not _is_number(value):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _bounds_hint(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" ({_fmt_number(low)} to {_fmt_number(high)})"
    if low is not None:
        return f" (at least {_fmt_number(low)})"
    return f" (at most {_fmt_number(high)})" if high is not None else ""


def _label(options: list[Option], value: Any) -> str:
    return next((option.label for option in options if option.value == value), str(value))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _sentence(text: str | None) -> str:
    text = (text or "").strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


_PARSERS: dict[str, Callable[[_Ctx, Any], Any]] = {
    "text": _parse_text,
    "long_text": _parse_text,
    "number": _parse_number,
    "currency": _parse_currency,
    "percent": _parse_percent,
    "date": _parse_date,
    "yes_no": _parse_yes_no,
    "choice": _parse_choice,
    "multi_choice": _parse_multi_choice,
    "user": _parse_user,
    "list": _parse_list,
}
