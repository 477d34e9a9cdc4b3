from datetime import date, datetime, time, timezone

import pytest

from bot.jobs.schedule import WeeklySchedule, due_weeks, reminder_due_at


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_parse_day_and_time_accepts_common_spellings():
    for text in ("monday 09:00", "Monday 9:00", "mon at 09:00", "  MONDAY   09:00 "):
        schedule = WeeklySchedule.parse(text, "Europe/Berlin")
        assert (schedule.weekday, schedule.at, schedule.cron) == (0, time(9, 0), None)


def test_parse_cron_expression():
    schedule = WeeklySchedule.parse("30 8 * * 1", "UTC")
    assert schedule.cron == "30 8 * * 1"
    assert schedule.weekday is None


@pytest.mark.parametrize(
    ("text", "tz", "fragment"),
    [
        ("funday 09:00", "UTC", "unknown day 'funday'"),
        ("monday 25:00", "UTC", "out of range"),
        ("monday 9", "UTC", "neither a day and time nor a cron"),
        ("", "UTC", "empty schedule"),
        ("0 9 * *", "UTC", "neither a day and time nor a cron"),
        ("*/5 9 * * 1", "UTC", "more than once a day"),
        ("monday 09:00", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_parse_rejects_bad_input_with_a_clear_error(text, tz, fragment):
    with pytest.raises(ValueError, match=fragment):
        WeeklySchedule.parse(text, tz)


@pytest.mark.parametrize(("text", "tz", "start", "end", "fires"), [
    # DST ends Sunday 2026-11-01: Monday 09:00 is 16:00 UTC before, 17:00 UTC after.
    pytest.param("monday 09:00", "America/Los_Angeles", utc(2026, 10, 20), utc(2026, 11, 10),
                 [utc(2026, 10, 26, 16), utc(2026, 11, 2, 17), utc(2026, 11, 9, 17)], id="autumn_in_los_angeles"),
    # Clocks go forward Sunday 2026-03-29: Monday 09:00 is 08:00 UTC before, 07:00 UTC after.
    pytest.param("0 9 * * 1", "Europe/Berlin", utc(2026, 3, 20), utc(2026, 4, 7),
                 [utc(2026, 3, 23, 8), utc(2026, 3, 30, 7), utc(2026, 4, 6, 7)], id="spring_in_berlin"),
])
def test_fires_at_local_nine_across_a_dst_change(text, tz, start, end, fires):
    assert WeeklySchedule.parse(text, tz).fire_times(start, end) == fires


def test_not_due_before_local_nine_on_the_monday_after_dst_ends():
    schedule = WeeklySchedule.parse("monday 09:00", "America/Los_Angeles")
    # 16:30 UTC on 2026-11-02 is 08:30 PST: the old offset would wrongly call this due.
    assert "2026-W44" not in due_weeks(schedule, utc(2026, 11, 2, 16, 30))
    assert due_weeks(schedule, utc(2026, 11, 2, 17))[-1] == "2026-W44"


def test_nonexistent_local_time_fires_once_an_hour_later():
    schedule = WeeklySchedule.parse("sunday 02:30", "Europe/Berlin")
    assert schedule.fire_times(utc(2026, 3, 28), utc(2026, 3, 30)) == [utc(2026, 3, 29, 1, 30)]


def test_ambiguous_local_time_fires_once_at_first_occurrence():
    schedule = WeeklySchedule.parse("sunday 02:30", "Europe/Berlin")
    # 2026-10-25 02:30 happens twice in Berlin; the first is 00:30 UTC (CEST).
    assert schedule.fire_times(utc(2026, 10, 24), utc(2026, 10, 26)) == [utc(2026, 10, 25, 0, 30)]


def test_tokyo_monday_fire_is_sunday_in_utc_and_labels_by_the_local_date():
    schedule = WeeklySchedule.parse("monday 08:00", "Asia/Tokyo")
    # Monday 2026-11-23 08:00 JST = Sunday 2026-11-22 23:00 UTC. The week before the *local*
    # Monday is W47; the week before the UTC Sunday would wrongly be W46.
    assert due_weeks(schedule, utc(2026, 11, 22, 22, 59), catch_up_weeks=1) == ["2026-W46"]
    assert due_weeks(schedule, utc(2026, 11, 22, 23, 0), catch_up_weeks=1) == ["2026-W47"]


def test_due_weeks_catches_up_two_missed_mondays():
    schedule = WeeklySchedule.parse("monday 09:00", "Europe/London")
    # Down since Saturday 2026-11-07; back on Tuesday 2026-11-17: two Mondays missed.
    now = utc(2026, 11, 17, 10)
    assert due_weeks(schedule, now, catch_up_weeks=2) == ["2026-W45", "2026-W46"]


def test_due_weeks_ignores_fires_older_than_the_window():
    schedule = WeeklySchedule.parse("monday 09:00", "UTC")
    now = utc(2026, 11, 17, 10)
    assert due_weeks(schedule, now, catch_up_weeks=4) == ["2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    assert due_weeks(schedule, now, catch_up_weeks=1) == ["2026-W46"]


def test_due_weeks_labels_across_the_year_boundary():
    schedule = WeeklySchedule.parse("monday 09:00", "UTC")
    assert due_weeks(schedule, utc(2027, 1, 4, 9), catch_up_weeks=1) == ["2026-W53"]


def test_due_weeks_rejects_naive_now():
    schedule = WeeklySchedule.parse("monday 09:00", "UTC")
    with pytest.raises(ValueError, match="timezone-aware"):
        due_weeks(schedule, datetime(2026, 11, 17))


def test_reminder_due_at_converts_local_time_to_utc():
    assert reminder_due_at(date(2026, 11, 3), "09:00", "America/Los_Angeles") == utc(2026, 11, 3, 17)
    assert reminder_due_at(date(2026, 7, 3), "09:00", "America/Los_Angeles") == utc(2026, 7, 3, 16)
    with pytest.raises(ValueError, match="HH:MM"):
        reminder_due_at(date(2026, 7, 3), "nine", "UTC")
