"""``date`` answers: reading (through :mod:`bot.values.dates`, shared with the CSV import),
the ``not_before``/``not_after`` rules, and the soft ``warn_after_days`` warning."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from jinja2.exceptions import UndefinedError

from bot import clock
from bot.engine import conditions
from bot.engine.answers.common import MAX_SHORT_INPUT, Ctx, Spec, clean, fmt_number, is_number
from bot.values.dates import AmbiguousDate, NotOnCalendar, as_date, format_date, read_date

YEARS = range(1900, 2200)
DATE_HINT = "Try 2026-12-04, next Friday or in 2 weeks."


def _read(ctx: Ctx, raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    text = " ".join(clean(raw).split())
    if len(text) > MAX_SHORT_INPUT:
        return None
    # A date that may not be after today (a loss) reads "Nov 30" as the one just gone.
    past = ctx.step.validation is not None and ctx.step.validation.not_after == "today"
    try:
        return read_date(text, ctx.today, past=past)
    except NotOnCalendar as error:
        raise ctx.reject(f"{error.text} isn't a date on the calendar. {DATE_HINT}") from None
    except AmbiguousDate as error:
        raise ctx.reject(f"{error.text} could be day-month or month-day. "
                         "Please write it like 2026-12-04 or 4 Dec 2026.") from None


def date_name(step_id: str) -> str:
    words = step_id.replace("_", " ")
    return f"the {words}" if words.endswith("date") else f"the {words} date"


def parse_date(ctx: Ctx, raw: Any) -> str:
    day = _read(ctx, raw)
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
        bound = ctx.today if ref == "today" else as_date(ctx.earlier.get(ref))
        if bound is None or (day >= bound if must_follow else day <= bound):
            continue
        if ref == "today":
            raise ctx.reject(f"{subject} can't be in the {'past' if must_follow else 'future'}.")
        side = "before" if must_follow else "after"
        raise ctx.reject(f"{subject} can't be {side} {date_name(ref)} ({bound.isoformat()}).")
    return day.isoformat()


def format_date_answer(value: Any) -> str | None:
    """``Fri 4 Dec 2026`` (:func:`bot.values.dates.format_date`); None when ``value`` is not a date."""
    return format_date(value) if as_date(value) is not None else None


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
    day = as_date(value)
    limit = _warn_limit(rules.warn_after_days, earlier or {})
    if step.type != "date" or limit is None or day is None:
        return []
    ref = rules.not_before
    if ref and ref != "today":
        base = as_date((earlier or {}).get(ref))
        where = f"{date_name(ref)} ({base.isoformat()})" if base else ""
    else:
        base = today or clock.now().date()
        where = "today"
    if base is None:
        return []
    days = (day - base).days
    if days <= limit:
        return []
    return [f"That's {days} days after {where}; more than {fmt_number(limit)} is unusual here, so double-check it."]


def _warn_limit(limit: int | str | None, earlier: Mapping[str, Any]) -> int | float | None:
    """``warn_after_days`` as a number: given, or read from an expression (``settings.max_pilot_days``,
    the team's own limit). An expression that gives no number means no warning, never an error."""
    if isinstance(limit, str):
        try:
            limit = conditions.evaluate(limit, earlier)
        except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, UndefinedError,
                conditions.TemplateSyntaxError):
            return None  # a soft warning never blocks an answer; `rebound check` reports a bad expression
    return limit if is_number(limit) else None
