"""Reading dates people type: ISO, "next Friday", "in 2 weeks", "end of quarter".

parsedatetime does the natural language, relative to the person's today; calendar periods
it lacks ("next quarter", "eoy") are read here. Pure: ``today`` is always passed in.
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


def natural_date(text: str, today: date) -> date | None:
    """parsedatetime, relative to ``today``; the match must cover the whole text, not one word of it."""
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
