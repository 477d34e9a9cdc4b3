"""Time in one place, so tests can freeze it (freezegun patches ``datetime``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, always timezone-aware UTC."""
    return datetime.now(timezone.utc)


def now_iso() -> str:
    """UTC ISO-8601 with seconds, the format every stored timestamp uses."""
    return now().replace(microsecond=0).isoformat()


def today_in(tz: str | None) -> date:
    """The calendar date for someone in ``tz`` (a rep in Los Angeles at 5 pm is still 'today')."""
    return now().astimezone(ZoneInfo(tz or "UTC")).date()


def utc_start(day: date, tz: str | None) -> str:
    """Midnight at the start of ``day`` in ``tz``, as the stored UTC ISO text: the bound of a
    local day or week in queries over UTC timestamps."""
    local = datetime.combine(day, time(0), ZoneInfo(tz or "UTC"))
    return local.astimezone(ZoneInfo("UTC")).replace(microsecond=0).isoformat()


def iso_week(d: date) -> str:
    """``2026-W47`` for a date."""
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and the following Monday (exclusive) of an ISO week label like ``2026-W47``."""
    year_text, week_text = week.split("-W")
    monday = date.fromisocalendar(int(year_text), int(week_text), 1)
    return monday, monday + timedelta(days=7)


def previous_week(d: date) -> str:
    """The ISO week before the one containing ``d``: what a Monday summary covers."""
    return iso_week(d - timedelta(days=7))
