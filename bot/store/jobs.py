"""Job claims: a scheduled job for a period (``weekly_summary:west:2026-W47``) runs once.

Every instance's ticker may try the same job; ``INSERT OR IGNORE`` on the key lets exactly
one claimer win. A claim that is never completed (the process died) is released by
:func:`release_stale` after a timeout so the job can run again. Jobs only enqueue outbox
rows under natural keys, so a released job that was in fact half done re-runs harmlessly.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import clock
from bot.store.db import Store
from bot.store.outbox import to_iso_floor

log = logging.getLogger("rebound.jobs")

STALE_AFTER = timedelta(minutes=10)

_COLUMNS = "key, status, claimed_by, claimed_at, done_at, detail"


@dataclass(frozen=True)
class JobRun:
    key: str
    status: str
    claimed_by: str
    claimed_at: str
    done_at: str | None
    detail: dict[str, Any] | None


def _job(row: tuple) -> JobRun:
    key, status, claimed_by, claimed_at, done_at, detail = row
    return JobRun(key, status, claimed_by, claimed_at, done_at, json.loads(detail) if detail else None)


def claim(store: Store, key: str, owner: str) -> bool:
    """Claim the job ``key`` for ``owner``. True only for the one caller that got it.

    False when it is already claimed (running elsewhere) or done.
    """
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO job_runs (key, status, claimed_by, claimed_at) VALUES (?, 'claimed', ?, ?)",
            [key, owner, clock.now_iso()],
        )
        return cursor.rowcount == 1


def complete(store: Store, key: str, detail: dict[str, Any] | None = None) -> bool:
    """Mark a claimed job done with a small JSON ``detail`` (counts, outbox keys). True if this call did it."""
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE job_runs SET status = 'done', done_at = ?, detail = ? WHERE key = ? AND status = 'claimed'",
            [clock.now_iso(), json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), key],
        )
        return cursor.rowcount == 1


def get(store: Store, key: str) -> JobRun | None:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM job_runs WHERE key = ?", [key]).fetchone()
    return _job(row) if row else None


def last_done(store: Store, prefix: str) -> JobRun | None:
    """The most recently finished job whose key starts with ``prefix`` (e.g. ``weekly_summary:west:``)."""
    # substr, not LIKE: keys contain '_', which LIKE treats as a wildcard.
    row = store.db.execute(
        f"SELECT {_COLUMNS} FROM job_runs WHERE status = 'done' AND substr(key, 1, ?) = ?"
        " ORDER BY done_at DESC, key DESC LIMIT 1",
        [len(prefix), prefix],
    ).fetchone()
    return _job(row) if row else None


def release_stale(store: Store, older_than: timedelta = STALE_AFTER, *, now: datetime | None = None) -> list[str]:
    """Drop claims still not done ``older_than`` after they were taken, so they can be claimed again.

    Returns the released keys. ``older_than`` must exceed the longest a job can run.
    """
    cutoff = to_iso_floor((now or clock.now()) - older_than)
    with store.transaction() as db:
        keys = [
            row[0]
            for row in db.execute(
                "DELETE FROM job_runs WHERE status = 'claimed' AND claimed_at < ? RETURNING key", [cutoff]
            ).fetchall()
        ]
    for key in keys:
        log.warning("job claim released key=%s reason=stale_claim older_than_s=%d", key, older_than.total_seconds())
    return sorted(keys)
