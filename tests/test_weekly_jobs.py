"""The weekly summary as a scheduled job: at the team's local time across DST changes, caught
up after downtime, exactly once across restarts, retries and two schedulers on one database,
and a short note (or nothing) for an empty week."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from bot.flows.debrief.reports import WeeklySummaries
from bot.store import jobs, outbox
from tests.support import debriefs


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def tick(services, at: str) -> None:
    """One scheduler tick at ``at`` (UTC), through the tasks `rebound serve` runs."""
    with freeze_time(at):
        assert services.tick(utc(at)) == []  # no task failed


def done_weeks(services, team: str) -> list[str]:
    rows = services.store.db.execute(
        "SELECT key FROM job_runs WHERE status = 'done' AND substr(key, 1, ?) = ? ORDER BY key",
        [len(f"weekly_summary:{team}:"), f"weekly_summary:{team}:"]).fetchall()
    return [row[0].rsplit(":", 1)[1] for row in rows]


def summary_rows(services, team: str) -> list[outbox.OutboxItem]:
    return [item for item in _all_rows(services) if item.key.startswith(f"weekly:{team}:")]


def _all_rows(services) -> list[outbox.OutboxItem]:
    keys = [row[0] for row in services.store.db.execute("SELECT key FROM outbox ORDER BY id").fetchall()]
    return [outbox.get(services.store, key) for key in keys]


@pytest.fixture
def services(tmp_path):
    services = debriefs.build(tmp_path)
    yield services
    services.close()


def test_the_weekly_task_is_registered_with_the_scheduler(services):
    names = [getattr(task, "__qualname__", "") for task in services.tick_tasks]
    assert "WeeklySummaries.tick" in names and "Rollup.tick" in names and "InsightDigests.tick" in names


def test_each_team_posts_at_its_local_time_across_daylight_saving_changes(services):
    # Sydney moves to daylight time on Sun 4 Oct 2026: Friday 17:30 there is 07:30 UTC on 2 Oct
    # and 06:30 UTC on 9 Oct. A Friday summary covers the previous ISO week.
    tick(services, "2026-10-02T07:30:00")
    assert done_weeks(services, "apac") == ["2026-W39"]
    tick(services, "2026-10-09T06:29:59")
    assert done_weeks(services, "apac") == ["2026-W39"]
    tick(services, "2026-10-09T06:30:00")
    assert done_weeks(services, "apac") == ["2026-W39", "2026-W40"]
    # Summer time ends in Europe on Sun 25 Oct 2026: 08:00 in Berlin is 06:00 UTC the Monday
    # before, 07:00 UTC the Monday after.
    tick(services, "2026-10-19T05:59:59")
    assert "2026-W42" not in done_weeks(services, "emea")
    tick(services, "2026-10-19T06:00:00")
    assert done_weeks(services, "emea")[-1] == "2026-W42"
    tick(services, "2026-10-26T06:00:00")  # the summer slot: it is only 07:00 in Berlin's winter
    assert "2026-W43" not in done_weeks(services, "emea")
    tick(services, "2026-10-26T07:00:00")
    assert done_weeks(services, "emea")[-1] == "2026-W43"
    # US daylight time ends on Sun 1 Nov 2026: Monday 09:00 in Los Angeles is 16:00 UTC
    # before, 17:00 after.
    tick(services, "2026-10-26T16:00:00")
    assert done_weeks(services, "west")[-1] == "2026-W43"
    tick(services, "2026-11-02T16:30:00")
    assert done_weeks(services, "west")[-1] == "2026-W43"
    tick(services, "2026-11-02T17:00:00")
    assert done_weeks(services, "west")[-1] == "2026-W44"


def test_catch_up_after_downtime_posts_each_missed_week_once_in_order(services):
    with freeze_time("2026-11-04T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="During W45")
    tick(services, "2026-11-02T16:55:00")  # the first start, five minutes before West's Monday 09:00
    assert done_weeks(services, "west") == []
    tick(services, "2026-11-02T17:05:00")
    assert done_weeks(services, "west") == ["2026-W44"]
    tick(services, "2026-11-25T12:00:00")  # down for three Mondays
    assert done_weeks(services, "west") == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    keys = [row.key for row in summary_rows(services, "west")]
    assert keys == [f"weekly:west:2026-W{n}:1" for n in (44, 45, 46, 47)]
    w45 = outbox.get(services.store, "weekly:west:2026-W45:1").payload
    assert "During W45" in json.dumps(w45)
    tick(services, "2026-11-25T12:00:30")
    assert len(summary_rows(services, "west")) == 4


def test_the_first_start_on_a_tuesday_posts_nothing_for_last_week(services):
    with freeze_time("2026-11-18T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Before install")
    tick(services, "2026-11-24T10:00:00")  # Tuesday: every team's W47 summary was due yesterday
    assert summary_rows(services, "west") == [] and summary_rows(services, "emea") == []
    assert [row.key for row in _all_rows(services) if row.key.startswith(("weekly:", "rollup:"))] == []
    started = jobs.get(services.store, "since:weekly_summary:west")
    assert started.detail == {"at": "2026-11-24T10:00:00+00:00"}
    tick(services, "2026-11-30T16:59:59")  # one second before West's next Monday 09:00
    assert done_weeks(services, "west") == []
    tick(services, "2026-11-30T17:00:00")
    assert done_weeks(services, "west") == ["2026-W48"]


def test_downtime_after_the_first_start_is_caught_up_once(services):
    tick(services, "2026-11-24T10:00:00")  # first start on a Tuesday
    tick(services, "2026-12-16T12:00:00")  # down from then until a Wednesday three Mondays later
    assert done_weeks(services, "west") == ["2026-W48", "2026-W49", "2026-W50"]
    assert [row.key for row in summary_rows(services, "west")] == [
        "weekly:west:2026-W48:1", "weekly:west:2026-W49:1", "weekly:west:2026-W50:1"]
    tick(services, "2026-12-16T12:00:30")
    tick(services, "2026-12-17T12:00:00")
    assert len(summary_rows(services, "west")) == 3


def test_a_baseline_week_from_an_older_database_still_counts(services):
    with services.store.transaction():
        jobs.claim(services.store, "since:weekly_summary:west", "old")
        jobs.complete(services.store, "since:weekly_summary:west", {"week": "2026-W46"})
    tick(services, "2026-11-24T10:00:00")
    assert done_weeks(services, "west") == ["2026-W46", "2026-W47"]


def test_a_restart_does_not_post_again(tmp_path):
    first = debriefs.build(tmp_path)
    tick(first, "2026-11-23T17:00:00")
    rows = len(_all_rows(first))
    first.close()
    second = debriefs.build(tmp_path)
    try:
        tick(second, "2026-11-23T17:00:30")
        tick(second, "2026-11-24T09:00:00")
        assert len(_all_rows(second)) == rows
    finally:
        second.close()


def test_a_build_that_fails_leaves_the_week_for_the_next_tick(services, monkeypatch):
    tick(services, "2026-11-16T17:00:00")
    calls = []

    def broken(self, team, week, **kw):
        calls.append(week)
        raise RuntimeError("template bug")

    with monkeypatch.context() as patch:
        patch.setattr(WeeklySummaries, "build", broken)
        with freeze_time("2026-11-23T17:00:00"):
            assert len(services.tick(utc("2026-11-23T17:00:00"))) == 1  # the ticker logged one failure
    assert "2026-W47" in calls and "2026-W47" not in done_weeks(services, "west")
    assert jobs.get(services.store, "weekly_summary:west:2026-W47") is None  # the claim rolled back
    tick(services, "2026-11-23T17:00:30")
    assert done_weeks(services, "west")[-1] == "2026-W47"


def test_two_schedulers_racing_on_one_database_post_once(tmp_path):
    first, second = debriefs.build(tmp_path), debriefs.build(tmp_path)  # two Store objects, one file
    try:
        with freeze_time("2026-11-16T10:00:00Z"):
            debriefs.submit(first, "U0REP1", deal="Raced")
        tick(first, "2026-11-22T12:00:00")  # the first start, before every W47 summary is due
        barrier = threading.Barrier(2)
        failures: list = []

        def run(services):
            barrier.wait()
            for minute in range(3):  # a few ticks each, interleaved
                failures.extend(services.tick(utc("2026-11-23T17:00:00") + timedelta(seconds=minute)))

        with freeze_time("2026-11-23T17:00:00"):
            threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        assert failures == []
        assert [row.key for row in summary_rows(first, "west")] == ["weekly:west:2026-W47:1"]
        assert [row.key for row in summary_rows(first, "emea")] == ["weekly:emea:2026-W47:1"]
        statuses = first.store.db.execute("SELECT status, COUNT(*) FROM job_runs GROUP BY status").fetchall()
        assert dict(statuses) == {"done": len(first.store.db.execute("SELECT key FROM job_runs").fetchall())}
        rollups = [row.key for row in _all_rows(first) if row.key.startswith("rollup:")]
        assert rollups == ["rollup:2026-W47:C0LEAD:1"]
    finally:
        first.close()
        second.close()


ONE_TEAM = """\
teams:
  - id: west
    name: West Enterprise
    summary_channel: C0WEST
    managers: []  # no managers' coaching DM: the failures below hit the team post
    members: [U0REP1]
    timezone: America/Los_Angeles
"""


def test_failed_posts_are_retried_and_never_duplicated(tmp_path, slack_api):
    services = debriefs.build(tmp_path, teams=ONE_TEAM, slack_api=slack_api)
    try:
        with freeze_time("2026-11-18T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="Retried deal")
            services.sender.drain()  # the debrief's own posts go out first
        slack_api.calls.clear()
        now = utc("2026-11-23T17:00:00")
        tick(services, "2026-11-23T17:00:00")
        keys = [row.key for row in summary_rows(services, "west")]
        assert keys == ["weekly:west:2026-W47:1"]
        slack_api.fail_next("chat.postMessage", status=429, retry_after=30)
        slack_api.fail_next("chat.postMessage", status=503)
        with freeze_time(now):
            services.sender.drain(now=now)
        assert outbox.get(services.store, keys[0]).status == "pending"
        assert outbox.get(services.store, keys[0]).last_error == "ratelimited"
        with freeze_time(now + timedelta(seconds=29)):
            services.sender.drain(now=now + timedelta(seconds=29))  # Retry-After not over yet
        later = now + timedelta(seconds=31)
        with freeze_time(later):
            services.sender.drain(now=later)  # the 503
            services.sender.drain(now=later + timedelta(minutes=10))  # backoff over: sent
            tick(services, "2026-11-23T17:20:00")  # the scheduler again: nothing new
            services.sender.drain(now=later + timedelta(minutes=20))
        posts = [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("channel") == "C0WEST"]
        assert len(posts) == 3  # 429, 503, then the one that got through
        assert [c.response["ok"] for c in posts] == [False, False, True]
        delivered = [key for key, m in slack_api.messages.items()
                     if key[0] == "C0WEST" and "Closed-lost review" in json.dumps(m["blocks"])]
        assert len(delivered) == 1
        assert outbox.get(services.store, keys[0]).status == "sent"
    finally:
        services.close()


def test_empty_week_posts_a_short_note_when_the_team_wants_one(services):
    tick(services, "2026-11-23T17:00:00")
    [row] = summary_rows(services, "west")
    text = json.dumps(row.payload["blocks"], ensure_ascii=False)
    assert "No losses this week" in text and len(row.payload["blocks"]) <= 3


def test_empty_week_posts_nothing_when_the_team_prefers_silence(services):
    tick(services, "2026-11-27T06:30:00")  # APAC: Friday 17:30 in Sydney, post_empty_weeks: false
    assert summary_rows(services, "apac") == []
    job = jobs.get(services.store, "weekly_summary:apac:2026-W47")
    assert job.status == "done" and "post_empty_weeks is off" in job.detail["reason"]


def test_a_quiet_week_with_an_unfinished_debrief_still_posts_for_a_silent_team(services):
    with freeze_time("2026-11-18T01:00:00Z"):
        debriefs.start(services, "U0REP5", deal="Half done")
    tick(services, "2026-11-27T06:30:00")
    [row] = summary_rows(services, "apac")
    assert "Half done" in json.dumps(row.payload["blocks"])


def test_rollup_goes_to_each_head_when_there_is_no_rollup_channel(tmp_path):
    services = debriefs.build(tmp_path, teams=debriefs.TEAMS.replace("  rollup_channel: C0LEAD\n", "")
                              .replace("heads: [U0HEAD]", "heads: [U0HEAD, U0HEAD2]"))
    try:
        with freeze_time("2026-11-18T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="For the heads")
        tick(services, "2026-11-23T14:00:00")  # Monday 09:00 in New York, the leadership schedule
        rollups = [row for row in _all_rows(services) if row.key.startswith("rollup:")]
        assert [(row.key, row.payload["channel"]) for row in rollups] == [
            ("rollup:2026-W47:U0HEAD:1", "U0HEAD"), ("rollup:2026-W47:U0HEAD2:1", "U0HEAD2")]
        assert "For the heads" in json.dumps(rollups[0].payload["blocks"])
    finally:
        services.close()


def test_a_claim_left_by_a_dead_process_is_released_and_the_week_still_posts(services):
    tick(services, "2026-11-17T10:00:00")  # first start, a Tuesday: West posts from the next Monday on
    with freeze_time("2026-11-23T17:00:00"):
        assert jobs.claim(services.store, "weekly_summary:west:2026-W47", "killed-process")
    tick(services, "2026-11-23T17:09:59")  # the claim is 9:59 old: it may still be running
    assert "2026-W47" not in done_weeks(services, "west") and summary_rows(services, "west") == []
    tick(services, "2026-11-23T17:10:01")  # over ten minutes: released, then run in the same tick
    assert done_weeks(services, "west") == ["2026-W47"]
    assert [row.key for row in summary_rows(services, "west")] == ["weekly:west:2026-W47:1"]
    assert jobs.get(services.store, "weekly_summary:west:2026-W47").claimed_by != "killed-process"
