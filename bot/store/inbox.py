"""The inbox: Slack requests stored raw at the ack, worked after it (the only SQL for them).

Two files. The requests live in the inbox file (``rebound.inbox.db`` beside the database,
:data:`INBOX_MIGRATIONS`): the HTTP layer :func:`add`\\ s a request there and commits before it
answers 200, so an acknowledged request survives ``kill -9``, and the ack never waits for a
worker's transaction in the main database (a request's work holds that write lock for
milliseconds; 20 acks at once queued behind it).

A worker takes the next ready request with :func:`take_next`, runs its effects in one
transaction of the *main* database and records it there with :func:`record_worked`, in that
same transaction; then it :func:`mark_done`\\ s it in the inbox file. A crash before the main
commit leaves the request waiting, to be worked again; a crash between the two commits leaves it
waiting too, but :func:`worked` then says so and it is marked done without being worked twice.

Order: a person's requests are taken oldest first, and a request waits while an earlier one
of the same person is still waiting (a retried failure included); requests of other people
do not wait for it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot import clock
from bot.store.db import Migration, Store


def _inbox_table(db) -> None:
    # The table the main database had from 0009 to 0019: same columns, same indexes.
    from bot.store.migrations import MIGRATIONS

    dict(MIGRATIONS)["0009_inbox"](db)


INBOX_MIGRATIONS: list[Migration] = [("inbox_0001", _inbox_table)]


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
    cursor = store.write_alone(
        "INSERT OR IGNORE INTO inbox (dedup_key, kind, user_id, body, content_type, retry_num, retry_reason,"
        " not_before, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [dedup_key, kind, person, body, content_type, retry_num, retry_reason, now, now])
    return cursor.lastrowid if cursor.rowcount == 1 else None


def take_next(store: Store, now: datetime, skip: Collection[int] = ()) -> InboxRequest | None:
    """The oldest ready request whose person has nothing older waiting, leaving out the ids in
    ``skip`` (those this process's workers are working now: still waiting until done)."""
    marks = ",".join("?" * len(skip))
    row = store.db.execute(
        f"""
        SELECT {_COLUMNS} FROM inbox AS request
        WHERE status = 'waiting' AND not_before <= ? {f"AND id NOT IN ({marks})" if skip else ""}
          AND (user_id IS NULL OR NOT EXISTS (
              SELECT 1 FROM inbox AS earlier
              WHERE earlier.user_id = request.user_id AND earlier.status = 'waiting' AND earlier.id < request.id))
        ORDER BY id LIMIT 1
        """,
        [to_iso(now), *skip],
    ).fetchone()
    return _request(row) if row else None


def mark_done(store: Store, id: int) -> None:
    with store.transaction() as db:
        db.execute("UPDATE inbox SET status = 'done', attempts = attempts + 1, done_at = ?, last_error = NULL"
                   " WHERE id = ?", [to_iso(clock.now()), id])


# -- in the main database, in the transaction of the request's effects -------------------------

def worked(main: Store, dedup_key: str) -> bool:
    """Whether this request's effects are already committed (see the module docstring)."""
    return main.db.execute("SELECT 1 FROM inbox_worked WHERE dedup_key = ?", [dedup_key]).fetchone() is not None


def record_worked(main: Store, request: InboxRequest) -> None:
    with main.transaction() as db:
        db.execute("INSERT OR IGNORE INTO inbox_worked (dedup_key, inbox_id, worked_at) VALUES (?, ?, ?)",
                   [request.dedup_key, request.id, to_iso(clock.now())])


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


def prune(store: Store, main: Store, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Forget finished requests older than ``keep``: long past Slack's retries (minutes), and
    their bodies hold what people typed. Their records in the main database go with them."""
    with main.transaction() as db:
        db.execute("DELETE FROM inbox_worked WHERE worked_at < ?", [to_iso(now - keep)])
    with store.transaction() as db:
        return db.execute("DELETE FROM inbox WHERE status != 'waiting' AND done_at < ?",
                          [to_iso(now - keep)]).rowcount


def count_of(store: Store, user_id: str) -> int:
    """How many stored requests :func:`forget` would delete."""
    return store.db.execute("SELECT COUNT(*) FROM inbox WHERE user_id = ?", [user_id]).fetchone()[0]


def forget(store: Store, user_id: str) -> int:
    """A privacy request: every stored request of ``user_id`` (bodies hold what they typed),
    waiting ones included: what they asked for is not done for someone who asked to be forgotten."""
    with store.transaction() as db:
        return db.execute("DELETE FROM inbox WHERE user_id = ?", [user_id]).rowcount


def adopt(main: Store, store: Store) -> int:
    """Move the requests a database from before the inbox file holds (its own ``inbox`` table,
    0009) into the inbox file, waiting ones still waiting; returns how many moved. Copied first
    and deleted after, so a crash in between copies again (``dedup_key`` keeps one of each)."""
    names = "dedup_key, kind, user_id, body, content_type, retry_num, retry_reason, status, attempts," \
            " not_before, received_at, done_at, last_error"
    if not main.db["inbox"].exists():
        return 0
    rows = main.db.execute(f"SELECT id, {names} FROM inbox ORDER BY id").fetchall()
    if not rows:
        return 0
    with store.transaction() as db:
        for row in rows:
            db.execute(f"INSERT OR IGNORE INTO inbox ({names}) VALUES ({','.join('?' * 13)})", list(row[1:]))
    with main.transaction() as db:
        for row in rows:
            if row[8] == "done":  # worked before the move: a late retry of it is not worked again
                db.execute("INSERT OR IGNORE INTO inbox_worked (dedup_key, inbox_id, worked_at) VALUES (?, ?, ?)",
                           [row[1], row[0], row[12] or row[11]])
        db.execute("DELETE FROM inbox WHERE id <= ?", [rows[-1][0]])
    return len(rows)
