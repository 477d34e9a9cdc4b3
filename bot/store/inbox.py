"""The inbox: Slack requests stored raw at the ack, worked after it (the only SQL for them).

The HTTP layer :func:`add`\\ s a request and commits before it answers 200, so an acknowledged
request survives ``kill -9``. A worker then takes the next ready request with
:func:`take_next` *inside the transaction that runs its effects* and marks it
:func:`mark_done` in that same transaction: a crash mid-way rolls the claim back with the
effects, so the request is taken again and changes state once. Nothing is ever "in flight"
in the table, so no lease is needed.

Order: a person's requests are taken oldest first, and a request waits while an earlier one
of the same person is still waiting (a retried failure included); requests of other people
do not wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot import clock
from bot.store.db import Store


def to_iso(moment: datetime) -> str:
    """UTC ISO-8601 to the microsecond: a request stored now is ready now (the outbox's
    format rounds up to the next second, which would hold every request back)."""
    return moment.astimezone(timezone.utc).isoformat()


@dataclass(frozen=True)
class InboxRequest:
    """One stored Slack request (``body`` exactly as Slack sent it)."""

    id: int
    dedup_key: str
    kind: str
    person: str | None  # the user_id column: whose requests keep their order
    body: str
    content_type: str | None
    retry_num: int
    retry_reason: str | None
    status: str
    attempts: int
    received_at: str


_COLUMNS = "id, dedup_key, kind, user_id, body, content_type, retry_num, retry_reason, status, attempts, received_at"


def _request(row: tuple) -> InboxRequest:
    return InboxRequest(*row)


def add(store: Store, *, dedup_key: str, kind: str, person: str | None, body: str, content_type: str | None,
        retry_num: int = 0, retry_reason: str | None = None) -> int | None:
    """Store a request and commit; its id, or None when ``dedup_key`` is already stored (Slack's retry)."""
    now = to_iso(clock.now())
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO inbox (dedup_key, kind, user_id, body, content_type, retry_num, retry_reason,"
            " not_before, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dedup_key, kind, person, body, content_type, retry_num, retry_reason, now, now])
        return cursor.lastrowid if cursor.rowcount == 1 else None


def take_next(store: Store, now: datetime) -> InboxRequest | None:
    """The oldest ready request whose person has nothing older waiting. Call it inside the
    transaction that will do the work and :func:`mark_done` it (see the module docstring)."""
    row = store.db.execute(
        f"""
        SELECT {_COLUMNS} FROM inbox AS request
        WHERE status = 'waiting' AND not_before <= ?
          AND (user_id IS NULL OR NOT EXISTS (
              SELECT 1 FROM inbox AS earlier
              WHERE earlier.user_id = request.user_id AND earlier.status = 'waiting' AND earlier.id < request.id))
        ORDER BY id LIMIT 1
        """,
        [to_iso(now)],
    ).fetchone()
    return _request(row) if row else None


def mark_done(store: Store, id: int) -> None:
    with store.transaction() as db:
        db.execute("UPDATE inbox SET status = 'done', attempts = attempts + 1, done_at = ?, last_error = NULL"
                   " WHERE id = ?", [to_iso(clock.now()), id])


def record_failure(store: Store, id: int, error: str, *, retry_at: datetime | None) -> int:
    """Count a failed try (its effects were rolled back). With ``retry_at`` it waits until then;
    without, it is set aside for good. Returns the number of tries so far."""
    with store.transaction() as db:
        if retry_at is None:
            db.execute("UPDATE inbox SET status = 'set_aside', attempts = attempts + 1, last_error = ?, done_at = ?"
                       " WHERE id = ?", [error[:500], to_iso(clock.now()), id])
        else:
            db.execute("UPDATE inbox SET attempts = attempts + 1, last_error = ?, not_before = ? WHERE id = ?",
                       [error[:500], to_iso(retry_at), id])
        row = db.execute("SELECT attempts FROM inbox WHERE id = ?", [id]).fetchone()
    return row[0] if row else 0


def get(store: Store, id: int) -> InboxRequest | None:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM inbox WHERE id = ?", [id]).fetchone()
    return _request(row) if row else None


def backlog(store: Store) -> dict:
    """What ``rebound status`` shows: requests waiting, set aside, and the oldest waiting one."""
    counts = dict(store.db.execute("SELECT status, COUNT(*) FROM inbox GROUP BY status").fetchall())
    oldest = store.db.execute(
        "SELECT id, kind, user_id, received_at, attempts, last_error FROM inbox WHERE status = 'waiting'"
        " ORDER BY id LIMIT 1").fetchone()
    set_aside = store.db.execute(
        "SELECT id, kind, user_id, received_at, attempts, last_error FROM inbox WHERE status = 'set_aside'"
        " ORDER BY id DESC LIMIT 20").fetchall()
    names = ("id", "kind", "user_id", "received_at", "attempts", "last_error")
    return {
        "waiting": counts.get("waiting", 0),
        "done": counts.get("done", 0),
        "set_aside": counts.get("set_aside", 0),
        "oldest_waiting": dict(zip(names, oldest)) if oldest else None,
        "recently_set_aside": [dict(zip(names, row)) for row in set_aside],
    }


def prune(store: Store, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Forget finished requests older than ``keep``: long past Slack's retries (minutes), and
    their bodies hold what people typed."""
    with store.transaction() as db:
        return db.execute("DELETE FROM inbox WHERE status != 'waiting' AND done_at < ?",
                          [to_iso(now - keep)]).rowcount
