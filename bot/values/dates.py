"""Reading dates people type and CRMs export: ISO, "31 May 2024", "next Friday", "end of quarter".

One reader (:func:`read_date`) for typed answers and the CSV import: ISO ``YYYY-MM-DD`` (a
time after it is ignored), month names, slashes only when unambiguous (``31/05/2024``;
``05/06/2024`` could be either and is refused), and, given the person's ``today``, natural
language. parsedatetime does the natural language; calendar periods it lacks ("next
quarter", "eoy") are read here. Pure: ``today`` is always passed in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

import parsedatetime

_PERIOD = re.compile(
    r"(?:(?P<edge>end|start|beginning)\s+of\s+)?(?:the\s+)?(?P<which>this|next)?\s*(?P<unit>month|quarter|year)",
    re.IGNORECASE,
)
_PERIOD_SHORT = {"eom": "month", "eoq": "quarter", "eoy": "year"}
_ORDINAL_OF = re.compile(r"\b([0-9]{1,2})(st|nd|rd|th)?\s+of\s+", re.IGNORECASE)  # "3rd of December"
_DATE_FILLER = {"by", "on", "the", "now", "at", "of", "from", ",", "."}
_ISO = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ][0-9:.+\-Z]*)?")
_SLASHED = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4}|[0-9]{2})")
_MONTH_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y")


class AmbiguousDate(ValueError):
    """Slashed day and month that could be either way round (05/06/2024)."""

    def __init__(self, text: str):
        super().__init__(f"{text} could be day-month or month-day")
        self.text = text


class NotOnCalendar(ValueError):
    """A date in the right shape that no calendar has (2026-02-30)."""

    def __init__(self, text: str):
        super().__init__(f"{text} isn't a date on the calendar")
        self.text = text


@cache
def _calendar() -> parsedatetime.Calendar:
    return parsedatetime.Calendar(version=parsedatetime.VERSION_CONTEXT_STYLE)


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: Any, style: str | None = None) -> str:
    """``Fri 4 Dec 2026`` from a date or ISO text, the same in every locale (the review card
    and the templates' ``date`` filter); ``style`` is a strftime format for other forms
    (``"%-d %b"``). Empty for nothing; text that is no date is shown as it is."""
    if value is None or value == "":
        return ""
    day = as_date(value) or (as_date(value[:10]) if isinstance(value, str) else None)
    if day is None:
        return str(value)
    if style is not None:
        return day.strftime(style)
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _month_start(index: int) -> date:
    """The first day of month number ``index`` (year * 12 + month - 1)."""
    return date(index // 12, index % 12 + 1, 1)


def period_date(text: str, today: date) -> date | None:
    """"next quarter", "end of quarter", "end of next month", "eoy": calendar periods parsedatetime lacks."""
    if text.lower() in _PERIOD_SHORT:
        edge, which, unit = "end", None, _PERIOD_SHORT[text.lower()]
    else:
        match = _PERIOD.fullmatch(text)
        if not match:
            return None
        edge, which, unit = (match["edge"] or "").lower(), (match["which"] or "").lower(), match["unit"].lower()
        if not edge and which != "next":
            return None  # "month" or "this quarter" alone says no day
    size = {"month": 1, "quarter": 3, "year": 12}[unit]
    current = today.year * 12 + (today.month - 1) // size * size
    start = current + size * (which == "next")
    if edge == "end":
        return _month_start(start + size) - timedelta(days=1)
    return _month_start(start)


_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.IGNORECASE)
_YEAR = re.compile(r"\b[0-9]{4}\b|'[0-9]{2}\b")


def most_recent(day: date, today: date) -> date:
    """``day``'s month and day on or before ``today``: the year before when it would be later
    (29 February goes to the 28th in a year without one)."""
    year = today.year if (day.month, day.day) <= (today.month, today.day) else today.year - 1
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def natural_date(text: str, today: date, *, past: bool = False) -> date | None:
    """parsedatetime, relative to ``today``; the match must cover the whole text, not one word of it.

    parsedatetime reads a month and day without a year as the next one to come ("Nov 30" on
    1 December is next November). With ``past`` (a date that has happened, like a loss) such
    a date is the most recent one instead; words that point ahead ("next Friday") are left
    as they are, for the step's ``not_after`` to refuse."""
    found = _natural_date(text, today)
    if found is not None and past and found > today and _MONTH_NAME.search(text) and not _YEAR.search(text):
        return most_recent(found, today)
    return found


def _natural_date(text: str, today: date) -> date | None:
    text = _ORDINAL_OF.sub(r"\1 ", text)
    try:
        found = _calendar().nlp(text, sourceTime=datetime.combine(today, time(12)))
    except (ValueError, OverflowError, IndexError, KeyError, TypeError):  # parsedatetime on odd input
        return None
    if not found or len(found) != 1:
        return None
    when, context, start, end, _ = found[0]
    leftover = (text[:start] + " " + text[end:]).lower().replace(",", " ").split()
    if not context.hasDate or any(word not in _DATE_FILLER for word in leftover):
        return None
    return when.date()


def calendar_date(text: str) -> date | None:
    """ISO, slashed or month-name dates, no natural language. None when it is none of them;
    ``AmbiguousDate`` or ``NotOnCalendar`` when it is one that cannot be read safely."""
    text = " ".join(text.split())
    iso = _ISO.fullmatch(text)
    if iso:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            raise NotOnCalendar(iso.group(1)) from None
    slashed = _SLASHED.fullmatch(text)
    if slashed:
        first, second, year = (int(part) for part in slashed.groups())
        year += 2000 if len(slashed.group(3)) == 2 else 0  # "31/05/27" is 2027; "31/05/0027" is as written
        if first <= 12 and second <= 12 and first != second:
            raise AmbiguousDate(text)
        day, month = (first, second) if first > 12 else (second, first)
        try:
            return date(year, month, day)
        except ValueError:
            raise NotOnCalendar(text) from None
    for pattern in _MONTH_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read_date(text: str, today: date | None = None, *, past: bool = False) -> date | None:
    """:func:`calendar_date`, then (given ``today``) calendar periods and natural language;
    ``past``: a month and day without a year is the most recent one (see :func:`natural_date`)."""
    day = calendar_date(text)
    if day is not None or today is None:
        return day
    text = " ".join(text.split())
    return period_date(text, today) or natural_date(text, today, past=past)
