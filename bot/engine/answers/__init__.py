"""Typed answers: raw input for one step -> the JSON-ready value the run stores.

The terminal, Slack (typed text or a widget's value) and YAML answer files all come through
``parse_answer``, so a person gets the same help wherever they type. Anything that does not
fit raises ``AnswerRejected(step.id, message)``; the message is short and says what to type.
One module per family of types: :mod:`.text` (text, long_text, user), :mod:`.numbers`
(number, percent, currency), :mod:`.dates`, :mod:`.choices` (yes_no, choice, multi_choice)
and :mod:`.lists`. Money, percentages and dates are read with :mod:`bot.values`, the same
rules the CSV import and the templates use.

Stored values (other modules rely on these shapes):
text, long_text: ``str`` | number: ``int`` when integral, else ``float`` |
currency: ``{"amount": int | float, "currency": "USD"}``, rounded to cents half-up |
percent: percentage points in 0..100 ("1" is 1%) | date: ``"YYYY-MM-DD"`` | yes_no: ``bool`` |
choice: the option's ``value`` | multi_choice: option values in the options' order |
user: Slack user id, or a plain name | list: ``[{field_id: value or None}]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.engine.answers.choices import parse_choice, parse_multi_choice, parse_yes_no
from bot.engine.answers.common import Ctx, Spec, bounds_hint, clean, fmt_number, label
from bot.engine.answers.dates import answer_warnings, format_date_answer, parse_date
from bot.engine.answers.lists import layout, parse_item, parse_list
from bot.engine.answers.numbers import format_number_answer, parse_currency, parse_number, parse_percent
from bot.engine.answers.ratings import format_ratings, parse_ratings, range_text, rating_names
from bot.engine.answers.text import DEFAULT_MAX_LENGTH, parse_text, parse_user
from bot.engine.model import Step
from bot.errors import AnswerRejected

__all__ = ["answer_warnings", "expected", "format_answer", "parse_answer", "parse_list_item", "rating_names"]


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
    if raw is None or (isinstance(raw, str) and not clean(raw)):
        raise AnswerRejected(step.id, f"Please type an answer: {expected(step)}.")
    ctx = Ctx(step, today, earlier or {}, (default_currency or "USD").upper())
    return parser(ctx, raw)


def parse_list_item(
    step: Step,
    raw: Any,
    number: int,
    *,
    today: date,
    earlier: Mapping[str, Any] | None = None,
    default_currency: str = "USD",
) -> dict[str, Any]:
    """One item of a list step, checked as it is typed (the terminal reports a bad field at once,
    keeping the items before it); the whole list is still parsed by ``parse_answer``."""
    ctx = Ctx(step, today, earlier or {}, (default_currency or "USD").upper())
    return parse_item(ctx, number, raw, parse_answer)


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
        return "a number, e.g. 12, 1,200 or 1.5k" + bounds_hint(rules.min, rules.max)
    if kind == "currency":
        return "an amount, e.g. 120k, $1.2M or 120,000 EUR" + bounds_hint(rules.min, rules.max)
    if kind == "percent":
        low = 0 if rules.min is None else max(0, rules.min)
        high = 100 if rules.max is None else min(100, rules.max)
        return f"a percentage from {fmt_number(low)} to {fmt_number(high)}, e.g. 25%"
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
    if kind == "ratings":
        return f"a name and a rating {range_text(step)} for each, e.g. legal risk 2"
    if kind == "list" and isinstance(step, Step):
        optional = [f.label for f in step.fields if not f.required]
        hint = f"one item per line: {layout(step)}"
        return hint + (f" ({', '.join(optional)} can be left empty)" if optional else "")
    return "an answer"


def format_answer(step: Spec, value: Any) -> str:
    """Plain text for review cards and transcripts. Never raises, whatever ``value`` holds."""
    if value is None:
        return "—"
    kind = step.type
    shown = format_number_answer(kind, value) if kind in ("number", "percent", "currency") else None
    if shown is None and kind == "date":
        shown = format_date_answer(value)
    if shown is not None:
        return shown
    if kind == "yes_no" and isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "choice":
        return label(step.options, value)
    if kind == "multi_choice" and isinstance(value, list):
        return ", ".join(label(step.options, v) for v in value) or "—"
    if kind == "ratings":
        return format_ratings(value)
    if kind == "list" and isinstance(value, list) and isinstance(step, Step):
        lines = []
        for item in value:
            if not isinstance(item, Mapping):
                lines.append(str(item))
                continue
            # a ratings part nobody filled (often: a team with nothing of its own to rate) is left out
            lines.append("; ".join(f"{f.label}: {format_answer(f, item.get(f.id))}" for f in step.fields
                                   if not (f.type == "ratings" and item.get(f.id) is None)))
        return "\n".join(lines) or "—"
    return str(value)


_PARSERS: dict[str, Callable[[Ctx, Any], Any]] = {
    "text": parse_text,
    "long_text": parse_text,
    "number": parse_number,
    "currency": parse_currency,
    "percent": parse_percent,
    "date": parse_date,
    "yes_no": parse_yes_no,
    "choice": parse_choice,
    "multi_choice": parse_multi_choice,
    "ratings": parse_ratings,
    "user": parse_user,
    "list": lambda ctx, raw: parse_list(ctx, raw, parse_answer),
}
