"""Scheduled reminders: "nudge this rep on Thursday 09:00 their time", keyed so they happen once.

A reminder is scheduled under a natural ``key`` (scheduling again is a no-op), picked up by
the jobs ticker when due, and completed with a conditional update: only the caller whose
update moved it from ``pending`` to ``done`` acts on it, so two tickers never both do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import clock
from bot.store import queue
from bot.store.db import Store
from bot.store.outbox import to_iso_floor, to_iso


@dataclass(frozen=True)
class Reminder:
    id: int
    key: str
    kind: str
    run_id: str | None
    team: str | None
    user_id: str | None
    due_at: str
    payload: dict[str, Any]
    status: str
    created_at: str
    done_at: str | None


_COLUMNS = queue.columns_of(Reminder)


def _reminder(row: tuple) -> Reminder:
    return queue.decode(Reminder, row, ("payload",))


def schedule(
    store: Store,
    key: str,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    *,
    run_id: str | None = None,
    team: str | None = None,
    user_id: str | None = None,
) -> bool:
    """Schedule a reminder at ``due_at`` (timezone-aware). False if ``key`` was already scheduled.

    Joins the caller's open transaction, like :func:`bot.store.outbox.enqueue`.
    """
    return queue.insert_once(store, "reminders", {
        "key": key, "kind": kind, "run_id": run_id, "team": team, "user_id": user_id, "due_at": to_iso(due_at),
        "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True), "status": "pending",
        "created_at": clock.now_iso(),
    })


def due(store: Store, now: datetime, limit: int = 100) -> list[Reminder]:
    """Pending reminders due at or before ``now``, earliest first. Reading does not claim: see :func:`complete`."""
    rows = store.db.execute(
        f"SELECT {_COLUMNS} FROM reminders WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
        [to_iso_floor(now), limit],
    ).fetchall()
    return [_reminder(row) for row in rows]


def complete(store: Store, id: int) -> bool:
    """Mark a pending reminder done. True only for the one call that did it; act only on True.

    Call it in the same transaction as the enqueue of the reminder's message, so the
    message is queued exactly when the reminder is marked done.
    """
    return queue.move(store, "reminders", id, from_status="pending", to={"status": "done", "done_at": clock.now_iso()})


def cancel_for_run(store: Store, run_id: str, kinds: list[str] | tuple[str, ...] | None = None) -> int:
    """Cancel a run's pending reminders (all, or only ``kinds``); return how many were cancelled."""
    sql = "UPDATE reminders SET status = 'cancelled', done_at = ? WHERE run_id = ? AND status = 'pending'"
    params: list[Any] = [clock.now_iso(), run_id]
    if kinds is not None:
        kinds = list(kinds)
        if not kinds:
            return 0
        sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
        params.extend(kinds)
    with store.transaction() as db:
        return db.execute(sql, params).rowcount


def upcoming(
    store: Store,
    *,
    run_id: str | None = None,
    team: str | None = None,
    user_id: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[Reminder]:
    """Pending reminders, soonest first, optionally narrowed (for ``rebound status`` and summaries)."""
    where = ["status = 'pending'"]
    params: list[Any] = []
    for column, value in (("run_id", run_id), ("team", team), ("user_id", user_id), ("kind", kind)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    params.append(limit)
    rows = store.db.execute(
        f"SELECT {_COLUMNS} FROM reminders WHERE {' AND '.join(where)} ORDER BY due_at, id LIMIT ?", params
    ).fetchall()
    return [_reminder(row) for row in rows]


def get(store: Store, key: str) -> Reminder | None:
    """The reminder scheduled under ``key``, whatever its state."""
    row = store.db.execute(f"SELECT {_COLUMNS} FROM reminders WHERE key = ?", [key]).fetchone()
    return _reminder(row) if row else None
