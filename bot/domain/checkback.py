"""When to check back after a graceful no, read from the customer's own timing.

A senior rep proposes to get back in touch when the customer's situation says it makes
sense ("after your Q3 migration"), not at a fixed date (domain.md, section 2). The rep
types what the customer said ("after Q3", "in 6 months", "next year", "January") and
:func:`check_back_from_timing` turns it into the first business day it points at, or None
when the words name no time (the playbook then asks for a date, next quarter by default).

Calendar quarters (Q3 = July to September). "Business day" means Monday to Friday:
holidays differ per country and the rep sees the date before it is saved. Pure: ``today``
is always passed in.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18}
_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_AFTER = r"(?:after|end of|once|following|past)"

_AFTER_QUARTER = re.compile(rf"\b{_AFTER}\s+(?:the\s+|their\s+|your\s+|our\s+)?(?:fiscal\s+)?q([1-4])\b", re.I)
_QUARTER = re.compile(r"\bq([1-4])\b", re.I)
_IN_PERIOD = re.compile(rf"\bin\s+(\d{{1,2}}|{'|'.join(_NUMBERS)})\s+(week|month|year)s?\b", re.I)
_NEXT = re.compile(r"\bnext\s+(year|quarter|month)\b", re.I)
_AFTER_MONTH = re.compile(rf"\b{_AFTER}\s+(?:the\s+)?({_MONTH_WORDS})\b", re.I)
_MONTH = re.compile(rf"\b({_MONTH_WORDS})\b", re.I)


def first_business_day(day: date) -> date:
    """``day`` itself on a weekday, else the Monday after."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Aug + 6 months = 29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for day_of_month in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, day_of_month)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def _quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def _quarter_end(year: int, quarter: int) -> date:
    return add_months(_quarter_start(year, quarter), 3) - timedelta(days=1)


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def check_back_from_timing(text: object, today: Any) -> date | None:
    """The first business day the customer's timing points at, or None when it names no time.

    * "after Q3": the first business day after Q3 ends (1 Oct), this year while today is in or
      before Q3, else next year's;
    * "Q1", "in Q1": the first business day of that quarter's next start;
    * "in 6 months", "in two weeks", "in a year": that long from today;
    * "next year", "next quarter", "next month": the first business day of that period;
    * "January": the first business day of the next January; "after January": of February.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    day = _as_day(today)
    if match := _AFTER_QUARTER.search(text):
        quarter = int(match[1])
        year = day.year if day <= _quarter_end(day.year, quarter) else day.year + 1
        return first_business_day(_quarter_end(year, quarter) + timedelta(days=1))
    if match := _IN_PERIOD.search(text):
        count = int(match[1]) if match[1].isdigit() else _NUMBERS[match[1].lower()]
        unit = match[2].lower()
        later = day + timedelta(weeks=count) if unit == "week" else add_months(day, count * (12 if unit == "year" else 1))
        return first_business_day(later)
    if match := _NEXT.search(text):
        unit = match[1].lower()
        if unit == "year":
            return first_business_day(date(day.year + 1, 1, 1))
        size = 3 if unit == "quarter" else 1
        current = date(day.year, (day.month - 1) // size * size + 1, 1)
        return first_business_day(add_months(current, size))
    if match := _QUARTER.search(text):
        quarter = int(match[1])
        year = day.year if day < _quarter_start(day.year, quarter) else day.year + 1
        return first_business_day(_quarter_start(year, quarter))
    if match := _AFTER_MONTH.search(text):
        month = _MONTHS[match[1].lower()]
        year = day.year if day.month <= month else day.year + 1
        return first_business_day(add_months(date(year, month, 1), 1))
    if match := _MONTH.search(text):
        month = _MONTHS[match[1].lower()]
        if match[1].lower() == "may" and not re.search(r"\b(in|until|by|from|around|early|mid|late)\s+may\b", text, re.I):
            return None  # "may" is usually the verb ("we may revisit"), not the month
        year = day.year if month > day.month else day.year + 1
        return first_business_day(date(year, month, 1))
    return None


def check_back_iso(text: object, today: Any) -> str | None:
    """:func:`check_back_from_timing` as an ISO date, what a playbook's computed date step stores."""
    found = check_back_from_timing(text, today)
    return found.isoformat() if found else None


__all__ = ["check_back_from_timing", "check_back_iso", "first_business_day", "add_months"]
