"""When is a team's weekly summary due? Pure time arithmetic: no SQL, no Slack.

A schedule is a wall-clock time in the team's IANA time zone, written either as a day and
time (``monday 09:00``) or as a five-field cron expression (``0 9 * * 1``). Fire times are
computed on the local calendar and only then converted to UTC, so "09:00" stays 09:00
local across daylight-saving changes. A local time that does not exist on the day clocks
spring forward (02:30 in Berlin on the last Sunday of March) fires at the same UTC offset
as before the change, i.e. an hour later on the wall clock; an ambiguous time in autumn
fires at its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from bot import clock

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_TIME = re.compile(r"^\s*([a-z]+)\s+(?:at\s+)?(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_EXAMPLES = 'write a day and time like "monday 09:00", or a cron expression like "0 9 * * 1"'


def zone(tz: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, or a ValueError that says what to write instead."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(
            f"unknown time zone {tz!r}: use an IANA name like 'Europe/Berlin' or 'America/Los_Angeles'"
        ) from error


def _parse_time(text: str) -> time:
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"time {text!r} is not HH:MM (24-hour), e.g. '09:00'")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueError(f"time {text!r} is out of range: hours 00-23, minutes 00-59")
    return time(hour, minute)


def _day(name: str) -> int:
    name = name.lower()
    for index, day in enumerate(DAYS):
        if name == day or (len(name) >= 3 and day.startswith(name)):
            return index
    raise ValueError(f"unknown day {name!r}: use a weekday name like 'monday' (or 'mon')")


@dataclass(frozen=True)
class WeeklySchedule:
    """When a team's summary fires. Exactly one of ``cron`` or (``weekday``, ``at``) is set."""

    text: str
    tz: str
    weekday: int | None = None  # Monday = 0
    at: time | None = None
    cron: str | None = None

    @classmethod
    def parse(cls, text: str, tz: str) -> WeeklySchedule:
        """Parse ``monday 09:00`` / ``mon at 9:30`` or a five-field cron expression, in zone ``tz``.

        Raises ValueError saying what is wrong and what to write instead.
        """
        zone(tz)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"empty schedule: {_EXAMPLES}")
        text = " ".join(text.split())
        match = _DAY_TIME.match(text)
        if match:
            return cls(text=text, tz=tz, weekday=_day(match[1]), at=_parse_time(f"{match[2]}:{match[3]}"))
        fields = text.split(" ")
        if len(fields) != 5 or not croniter.is_valid(text):
            raise ValueError(f"schedule {text!r} is neither a day and time nor a cron expression: {_EXAMPLES}")
        minutes, hours = croniter(text).expanded[:2]
        if len(minutes) != 1 or len(hours) != 1 or "*" in (minutes[0], hours[0]):
            # A summary covers a whole week; firing every minute or hour is a typo, not a wish.
            raise ValueError(
                f"schedule {text!r} fires more than once a day: give one minute and one hour, e.g. '0 9 * * 1'"
            )
        return cls(text=text, tz=tz, cron=text)

    def fire_times(self, start_utc: datetime, end_utc: datetime) -> list[datetime]:
        """Every fire time in ``(start_utc, end_utc]``, as UTC datetimes, oldest first."""
        tz = zone(self.tz)
        # Walk the local calendar with a day of margin either side, then filter in UTC.
        first_local = start_utc.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
        last_local = end_utc.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        local_times: list[datetime] = []
        if self.cron is not None:
            # croniter runs on naive local wall-clock time; zoneinfo then maps each to UTC.
            # (croniter's own DST handling has had bugs; this keeps it out of the picture.)
            iterator = croniter(self.cron, first_local)
            while (moment := iterator.get_next(datetime)) <= last_local:
                local_times.append(moment)
        else:
            assert self.weekday is not None and self.at is not None
            day = first_local.date()
            while day <= last_local.date():
                if day.weekday() == self.weekday:
                    local_times.append(datetime.combine(day, self.at))
                day += timedelta(days=1)
        fires = [moment.replace(tzinfo=tz).astimezone(timezone.utc) for moment in local_times]
        return [fire for fire in fires if start_utc < fire <= end_utc]


def summarised_week(fire_utc: datetime, tz: str) -> str:
    """The ISO week a summary firing at ``fire_utc`` covers: the week before its local date."""
    return clock.previous_week(fire_utc.astimezone(zone(tz)).date())


def due_weeks(schedule: WeeklySchedule, now_utc: datetime, *, catch_up_weeks: int = 4,
              not_before: datetime | None = None) -> list[str]:
    """ISO weeks whose summary has fired by ``now_utc`` within the last ``catch_up_weeks`` weeks, oldest first.

    After downtime every missed week in the window is returned; the caller skips the ones
    already done (``bot.store.jobs.claim`` returns False for them). Fire times before
    ``not_before`` (when Rebound first ran the schedule) are not due: those weeks were never
    Rebound's to summarise. A fire at exactly ``not_before`` is due.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware (use bot.clock.now())")
    if catch_up_weeks < 1:
        raise ValueError(f"catch_up_weeks must be at least 1, not {catch_up_weeks}")
    start = now_utc - timedelta(weeks=catch_up_weeks)
    if not_before is not None:
        if not_before.tzinfo is None:
            raise ValueError("not_before must be timezone-aware")
        # fire_times is (start, end]: one microsecond earlier keeps a fire at not_before itself.
        start = max(start, not_before - timedelta(microseconds=1))
    weeks: list[str] = []
    for fire in schedule.fire_times(start, now_utc):
        week = summarised_week(fire, schedule.tz)
        if week not in weeks:
            weeks.append(week)
    return weeks


def reminder_due_at(local_date: date, at: str, tz: str) -> datetime:
    """The UTC instant of ``at`` (``"09:00"``) on ``local_date`` in zone ``tz``."""
    local = datetime.combine(local_date, _parse_time(at)).replace(tzinfo=zone(tz))
    return local.astimezone(timezone.utc)


def business_days_after(day: date, n: int) -> date:
    """The date ``n`` weekdays after ``day``, skipping Saturdays and Sundays (holidays are not known)."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def next_business_day(day: date) -> date:
    """The first weekday after ``day`` (Friday -> Monday)."""
    return business_days_after(day, 1)
