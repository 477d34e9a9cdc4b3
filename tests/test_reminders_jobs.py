"""Reminders (scheduled once, completed once), job claims (one winner), and the ticker."""

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from bot.jobs.schedule import WeeklySchedule, due_weeks
from bot.jobs.ticker import Ticker
from bot.store import jobs
from bot.store import reminders
from tests.helpers import race


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# --- reminders -------------------------------------------------------------------------


@freeze_time("2026-11-16T08:00:00Z")
def test_schedule_reminder_twice_with_same_key_is_a_no_op(store):
    assert reminders.schedule(store, "nudge:r1:1", "nudge", utc(2026, 11, 19, 17), {"step": "deal"}, run_id="r1")
    assert not reminders.schedule(store, "nudge:r1:1", "nudge", utc(2026, 11, 20, 17), {"step": "other"}, run_id="r1")
    reminder = reminders.get(store, "nudge:r1:1")
    assert (reminder.due_at, reminder.payload, reminder.status) == (
        "2026-11-19T17:00:00+00:00", {"step": "deal"}, "pending"
    )


@freeze_time("2026-11-16T08:00:00Z")
def test_due_returns_only_pending_reminders_at_or_before_now(store):
    reminders.schedule(store, "a", "nudge", utc(2026, 11, 16, 9), {})
    reminders.schedule(store, "b", "nudge", utc(2026, 11, 16, 7), {})
    reminders.schedule(store, "c", "nudge", utc(2026, 11, 16, 10), {})
    assert [r.key for r in reminders.due(store, utc(2026, 11, 16, 9), 10)] == ["b", "a"]
    assert [r.key for r in reminders.due(store, utc(2026, 11, 16, 9), 1)] == ["b"]


@freeze_time("2026-11-16T08:00:00Z")
def test_complete_reminder_succeeds_once(store):
    reminders.schedule(store, "a", "nudge", utc(2026, 11, 16, 7), {})
    (reminder,) = reminders.due(store, utc(2026, 11, 16, 8), 10)
    assert reminders.complete(store, reminder.id)
    assert not reminders.complete(store, reminder.id)
    assert reminders.due(store, utc(2026, 11, 16, 8), 10) == []
    assert reminders.get(store, "a").done_at == "2026-11-16T08:00:00+00:00"


def test_complete_reminder_from_two_racing_tickers_acts_once(db_path, store):
    reminders.schedule(store, "a", "nudge", utc(2020, 1, 1), {})
    (reminder,) = reminders.due(store, utc(2020, 1, 2), 10)
    results = race(db_path, lambda own, _: reminders.complete(own, reminder.id), 8)
    assert sorted(results) == [False] * 7 + [True]


@freeze_time("2026-11-16T08:00:00Z")
def test_cancel_for_run_cancels_only_that_runs_pending_reminders_of_the_given_kinds(store):
    reminders.schedule(store, "r1:nudge", "nudge", utc(2026, 11, 17), {}, run_id="r1")
    reminders.schedule(store, "r1:checkin", "checkin", utc(2026, 11, 18), {}, run_id="r1")
    reminders.schedule(store, "r1:done", "nudge", utc(2026, 11, 15), {}, run_id="r1")
    reminders.complete(store, reminders.get(store, "r1:done").id)
    reminders.schedule(store, "r2:nudge", "nudge", utc(2026, 11, 17), {}, run_id="r2")

    assert reminders.cancel_for_run(store, "r1", kinds=["nudge"]) == 1
    assert reminders.get(store, "r1:nudge").status == "cancelled"
    assert reminders.get(store, "r1:checkin").status == "pending"
    assert reminders.get(store, "r1:done").status == "done"
    assert reminders.cancel_for_run(store, "r1") == 1
    assert [r.key for r in reminders.upcoming(store)] == ["r2:nudge"]


@freeze_time("2026-11-16T08:00:00Z")
def test_upcoming_filters_and_orders_by_due_time(store):
    reminders.schedule(store, "late", "nudge", utc(2026, 11, 20), {}, team="west", user_id="U1")
    reminders.schedule(store, "soon", "checkin", utc(2026, 11, 17), {}, team="west", user_id="U2")
    reminders.schedule(store, "east", "nudge", utc(2026, 11, 18), {}, team="east", user_id="U1")
    assert [r.key for r in reminders.upcoming(store, team="west")] == ["soon", "late"]
    assert [r.key for r in reminders.upcoming(store, user_id="U1", kind="nudge")] == ["east", "late"]


def test_reminder_rolled_back_with_the_callers_transaction(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            reminders.schedule(store, "a", "nudge", utc(2026, 11, 16), {})
            raise RuntimeError("state change failed")
    assert reminders.get(store, "a") is None


def test_schedule_rejects_naive_due_time(store):
    with pytest.raises(ValueError, match="naive"):
        reminders.schedule(store, "a", "nudge", datetime(2026, 11, 16, 9), {})


# --- job claims ------------------------------------------------------------------------


def test_job_claim_is_won_by_exactly_one_of_many_racing_instances(db_path, store):
    key = "weekly_summary:west:2026-W47"
    claims = race(db_path, lambda own, i: (f"host-{i}", jobs.claim(own, key, f"host-{i}")), 10)
    winners = [name for name, won in claims if won]
    assert len(claims) == 10 and len(winners) == 1
    assert jobs.get(store, key).claimed_by == winners[0]


@freeze_time("2026-11-23T09:00:00Z")
def test_completed_job_cannot_be_claimed_again(store):
    key = "weekly_summary:west:2026-W47"
    assert jobs.claim(store, key, "a")
    assert jobs.complete(store, key, {"posted": 1})
    assert not jobs.complete(store, key, {"posted": 2})
    assert not jobs.claim(store, key, "b")
    assert jobs.release_stale(store, timedelta(minutes=10), now=utc(2030, 1, 1)) == []
    job = jobs.get(store, key)
    assert (job.status, job.detail, job.done_at) == ("done", {"posted": 1}, "2026-11-23T09:00:00+00:00")


def test_stale_claim_is_released_after_timeout_and_reclaimed(store, caplog):
    key = "weekly_summary:west:2026-W47"
    with freeze_time("2026-11-23T09:00:00Z"):
        assert jobs.claim(store, key, "crashed-host")
    with freeze_time("2026-11-23T09:05:00Z"):
        assert jobs.release_stale(store, timedelta(minutes=10)) == []
        assert not jobs.claim(store, key, "other-host")
    with freeze_time("2026-11-23T09:10:01Z"), caplog.at_level(logging.WARNING, logger="rebound.jobs"):
        assert jobs.release_stale(store, timedelta(minutes=10)) == [key]
        assert jobs.claim(store, key, "other-host")
    assert jobs.get(store, key).claimed_by == "other-host"
    assert f"key={key}" in caplog.text


def test_last_done_matches_prefix_literally(store):
    with freeze_time("2026-11-16T09:00:00Z"):
        jobs.claim(store, "weekly_summary:west:2026-W46", "a")
        jobs.complete(store, "weekly_summary:west:2026-W46", {})
    with freeze_time("2026-11-23T09:00:00Z"):
        jobs.claim(store, "weekly_summary:west:2026-W47", "a")
        jobs.complete(store, "weekly_summary:west:2026-W47", {})
        jobs.claim(store, "weekly_summary:west:2026-W48", "a")  # claimed, not done
        jobs.claim(store, "weeklyXsummary:west:2026-W49", "a")
        jobs.complete(store, "weeklyXsummary:west:2026-W49", {})
    assert jobs.last_done(store, "weekly_summary:west:").key == "weekly_summary:west:2026-W47"
    assert jobs.last_done(store, "weekly_summary:east:") is None


def test_catch_up_after_downtime_runs_each_missed_week_once(store):
    schedule = WeeklySchedule.parse("monday 09:00", "Europe/Berlin")
    ran: list[str] = []

    def weekly_summary(now: datetime) -> None:
        for week in due_weeks(schedule, now, catch_up_weeks=4):
            key = f"weekly_summary:west:{week}"
            if jobs.claim(store, key, "me"):
                ran.append(week)
                jobs.complete(store, key, {})

    with freeze_time("2026-11-02T08:00:00Z"):  # Monday 09:00 Berlin: W44 due, plus older ones
        weekly_summary(datetime.now(timezone.utc))
    ran.clear()
    # Down from Monday 2026-11-02 until Tuesday 2026-11-17: missed two Mondays.
    with freeze_time("2026-11-17T06:00:00Z"):
        ticker = Ticker(60, [weekly_summary])
        ticker.tick_once(datetime.now(timezone.utc))
        ticker.tick_once(datetime.now(timezone.utc))
    assert ran == ["2026-W45", "2026-W46"]


# --- ticker ----------------------------------------------------------------------------


def test_ticker_survives_a_failing_task_and_logs_a_reference(caplog):
    seen: list[datetime] = []

    def broken(now: datetime) -> None:
        raise KeyError("team missing")

    ticker = Ticker(60, [broken, seen.append])
    now = utc(2026, 11, 23, 9)
    with caplog.at_level(logging.ERROR, logger="rebound.jobs"):
        (reference,) = ticker.tick_once(now)
        assert ticker.tick_once(now) != [reference]
    assert seen == [now, now]
    assert f"ref={reference}" in caplog.text
    assert "task=test_ticker_survives_a_failing_task_and_logs_a_reference.<locals>.broken" in caplog.text


def test_ticker_thread_ticks_and_stops_when_asked():
    ticked = threading.Event()

    def task(now: datetime) -> None:
        assert now.tzinfo is not None
        ticked.set()

    ticker = Ticker(3600, [task])
    ticker.start()
    try:
        assert ticked.wait(5)  # the first tick runs at start, not after an interval
    finally:
        ticker.stop(timeout=5)
    assert ticker._thread is None


def test_ticker_rejects_a_non_positive_interval():
    with pytest.raises(ValueError, match="interval_seconds"):
        Ticker(0, [])
