"""What every weekly post shares: which weeks are due, exactly-once claims, and pages of blocks.

A weekly job for a period is claimed in ``job_runs`` and its posts are queued in the outbox
in the same transaction, under natural keys. Either all of it commits or none of it does, so
a crash, a late tick or a second instance can neither skip a week nor post one twice; the
outbox then sends each page once and retries failures with backoff.

The first tick that sees a schedule (the first `serve`, a new team) records that instant
as the schedule's start in ``job_runs``; only fire times from then on are posted. The first
start on a Tuesday therefore posts nothing for last week, while downtime after the first
start is caught up (up to ``CATCH_UP_WEEKS``), each week once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot import clock
from bot.jobs.schedule import WeeklySchedule, due_weeks
from bot.render import blocks as bk
from bot.store import jobs, outbox
from bot.store.db import Store

CATCH_UP_WEEKS = 4
# One block is kept for the header on the first page and one for the "part i of n" line.
PAGE_BLOCKS = bk.MAX_MESSAGE_BLOCKS - 2


def owner() -> str:
    """Who holds a claim, for `rebound status` and the logs: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def week_end_utc(week: str, tz: str | None) -> datetime:
    """The instant the ISO ``week`` ends in zone ``tz`` (its next Monday, 00:00 local), in UTC."""
    _, next_monday = clock.week_bounds(week)
    return datetime.combine(next_monday, time(0), tzinfo=ZoneInfo(tz or "UTC")).astimezone(timezone.utc)


def current_week(tz: str | None, now: datetime | None = None) -> str:
    """The week a summary run by hand covers by default: last week on the calendar of ``tz``."""
    return clock.previous_week((now or clock.now()).astimezone(ZoneInfo(tz or "UTC")).date())


def weeks_to_run(store: Store, name: str, schedule: WeeklySchedule, now: datetime,
                 catch_up_weeks: int = CATCH_UP_WEEKS) -> list[str]:
    """Weeks of job ``name`` (``weekly_summary:west``) whose time has come and that are not done.

    The first call for ``name`` records ``now`` as the schedule's start; weeks whose post time
    came before it are never posted (see the module docstring).
    """
    started = first_start(store, name, now)
    if isinstance(started, str):  # a baseline week recorded before first starts were (see first_start)
        due = [week for week in due_weeks(schedule, now, catch_up_weeks=catch_up_weeks) if week >= started]
    else:
        due = due_weeks(schedule, now, catch_up_weeks=catch_up_weeks, not_before=started)
    return [week for week in due if jobs.get(store, f"{name}:{week}") is None]


def first_start(store: Store, name: str, now: datetime) -> datetime | str:
    """When Rebound first ran job ``name``: recorded once, racing callers agree on the winner's.

    Databases from before this rule hold a baseline week (``{"week": "2026-W47"}``) instead;
    that week is returned as a string and keeps meaning "post from this week on".
    """
    key = f"since:{name}"
    found = jobs.get(store, key)
    if found is None or not found.detail:
        with store.transaction():
            if jobs.claim(store, key, owner()):
                jobs.complete(store, key, {"at": now.astimezone(timezone.utc).isoformat()})
        found = jobs.get(store, key)
    if "week" in found.detail:
        return found.detail["week"]
    return datetime.fromisoformat(found.detail["at"])


@dataclass
class Page:
    blocks: list[dict[str, Any]]
    text: str


@dataclass
class Posting:
    """The outcome of one weekly job: what was queued (or why nothing was)."""

    job_key: str
    status: str  # "queued", "already", "skipped"
    keys: list[str] = field(default_factory=list)
    reason: str | None = None
    done_at: str | None = None


def pages(title: str, parts: Sequence[Sequence[dict[str, Any]]], fallback: str,
          *, continued: str | None = None) -> list[Page]:
    """Lay out block groups over as many messages as Slack's 50-block limit needs.

    A group (one deal, one breakdown) is never split over two messages unless it alone is
    longer than a page. The first message starts with the header; when there are several,
    each says "part i of n" so a reader knows more follows.
    """
    chunks: list[list[dict[str, Any]]] = [[]]
    for group in parts:
        group = list(group)
        if chunks[-1] and len(chunks[-1]) + len(group) > PAGE_BLOCKS:
            chunks.append([])
        while len(group) > PAGE_BLOCKS:
            room = PAGE_BLOCKS - len(chunks[-1])
            chunks[-1].extend(group[:room])
            group = group[room:]
            chunks.append([])
        chunks[-1].extend(group)
    total = len(chunks)
    result = []
    for number, chunk in enumerate(chunks, 1):
        page: list[dict[str, Any]] = [bk.header(title)] if number == 1 else []
        if total > 1:
            page.append(bk.context(f"{continued or title} · part {number} of {total}"))
        page.extend(chunk)
        text = fallback if number == 1 else f"{fallback} (part {number} of {total})"
        result.append(Page(page, bk.clip(text, 300)))
    return result


def enqueue_pages(store: Store, key_prefix: str, channel: str, posts: Sequence[Page], *, team: str | None = None,
                  suffix: str = "") -> list[str]:
    """Queue each page under ``{key_prefix}:{n}{suffix}``; returns the keys (already queued ones included)."""
    keys = []
    for number, page in enumerate(posts, 1):
        key = f"{key_prefix}:{number}{suffix}"
        payload = {"channel": channel, "text": page.text, "blocks": page.blocks, "unfurl_links": False,
                   "unfurl_media": False}
        outbox.enqueue(store, key, "chat.postMessage", payload, team=team)
        keys.append(key)
    return keys


def force_suffix(now: datetime | None = None) -> str:
    """A key suffix for a forced re-post: new keys, so the outbox posts again."""
    return ":force-" + (now or clock.now()).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")


def run_once(store: Store, job_key: str, build, *, force: bool = False, now: datetime | None = None) -> Posting:
    """Claim ``job_key`` and queue what ``build(suffix)`` returns, in one transaction.

    ``build`` returns ``(keys, reason)``: the outbox keys it queued, or a reason for queueing
    nothing. Without ``force`` a job already done is left alone; with it the posts are queued
    again under new keys (and the job is marked done if it was not).
    """
    existing = jobs.get(store, job_key)
    if existing is not None and not force:
        return Posting(job_key, "already", done_at=existing.done_at)
    with store.transaction():
        claimed = jobs.claim(store, job_key, owner())
        if not claimed and not force:
            found = jobs.get(store, job_key)
            return Posting(job_key, "already", done_at=found.done_at if found else None)
        suffix = force_suffix(now) if force and not claimed else ""
        keys, reason = build(suffix)
        detail = {"posts": len(keys), "keys": keys[:20], "reason": reason}
        if claimed:
            jobs.complete(store, job_key, detail)
        else:
            forced = f"{job_key}{suffix}"
            if jobs.claim(store, forced, owner()):
                jobs.complete(store, forced, detail)
    return Posting(job_key, "queued" if keys else "skipped", keys, reason)
