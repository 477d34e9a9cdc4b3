"""The outbox table: every Slack Web API call that must happen after the 3-second ack.

A caller enqueues inside the same transaction as the state change it announces, so either
both commit or neither does (nothing lost). Each row has a natural ``key``; enqueueing the
same key again is a no-op (nothing twice). :mod:`bot.outbox.sender` drains it.

Row life: ``pending`` → (claim) ``sending`` → ``sent`` | ``pending`` again (retry) | ``failed``.
A claim holds a lease; if the process dies mid-send the lease runs out and another drain
re-claims the row. ``attempts`` counts claims, so a row that keeps crashing its sender
still reaches ``max_attempts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bot import clock
from bot.store import queue
from bot.store.db import Store

# Payload field marking a call that only tidies up (retiring an answered question): it never
# holds up a later call of its run, and the sender may drop it when its method is saturated.
COSMETIC = "_cosmetic"

UNSENT = ("pending", "sending", "failed")  # every status but sent


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    method: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: str
    lease_until: str | None
    last_error: str | None
    created_at: str
    sent_at: str | None
    result: dict[str, Any] | None
    run_id: str | None
    team: str | None


_COLUMNS = queue.columns_of(OutboxItem)


def to_iso(moment: datetime) -> str:
    """UTC ISO-8601 with seconds, the one format stored (so text order is time order).

    Fractions of a second round *up*: a retry is never stored earlier than asked for.
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware UTC time (bot.clock.now())")
    moment = moment.astimezone(timezone.utc)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.isoformat()


def to_iso_floor(moment: datetime) -> str:
    """``now`` for "is it due?" comparisons: rounding down never makes a row due early."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware UTC time (bot.clock.now())")
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def to_iso_precise(moment: datetime) -> str:
    """UTC ISO-8601 to the microsecond, for a paced row due within the second and for "now" in
    :func:`claim_due`. Stored beside whole-second times it still sorts in time order: at equal
    seconds, ``+`` (no fraction) sorts before ``.`` (a fraction)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware UTC time (bot.clock.now())")
    return moment.astimezone(timezone.utc).isoformat()


def _item(row: tuple) -> OutboxItem:
    return queue.decode(OutboxItem, row, ("payload", "result"))


def enqueue(
    store: Store,
    key: str,
    method: str,
    payload: dict[str, Any],
    *,
    run_id: str | None = None,
    team: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one Web API call under a natural ``key``. Returns False if the key was already queued.

    Joins the caller's open :meth:`Store.transaction`, so the call commits with the state
    change it announces. ``not_before`` delays the first attempt (e.g. a scheduled DM).
    """
    now = clock.now()
    return queue.insert_once(store, "outbox", {
        "key": key, "method": method, "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True),
        "status": "pending", "attempts": 0,
        "next_attempt_at": to_iso(not_before) if not_before is not None else to_iso_floor(now),
        "created_at": to_iso_floor(now), "run_id": run_id, "team": team,
    })


def claim_due(store: Store, now: datetime, limit: int, lease_seconds: float = 60) -> list[OutboxItem]:
    """Atomically move up to ``limit`` due rows to ``sending`` under a lease, and return them.

    Due means pending with ``next_attempt_at <= now``, or sending with an expired lease (its
    sender crashed or hung mid-send). ``BEGIN IMMEDIATE`` makes the select-and-update one
    step, so two drains never claim the same row. The lease must outlast one send (the
    client's timeout), or a slow send could be re-claimed and sent twice.

    Rows of one run form a lane: a row is not due while an earlier row of the same run is
    unsent, so several senders working in parallel still post a conversation in order (the
    intro before the first question, a question before the update that retires it). A
    cosmetic row (``COSMETIC`` in its payload: a ✅ on an answered question) holds up no
    later row, so the next question never waits for a rate-limited ``chat.update``.
    """
    if limit <= 0:
        return []
    at = to_iso_precise(now)
    lease_until = to_iso(now + timedelta(seconds=lease_seconds))
    with store.transaction() as db:
        rows = db.execute(
            f"""
            UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?
            WHERE id IN (
                SELECT id FROM outbox AS item
                WHERE ((status = 'pending' AND next_attempt_at <= ?)
                   OR (status = 'sending' AND lease_until <= ?))
                  AND (run_id IS NULL OR NOT EXISTS (
                      SELECT 1 FROM outbox AS earlier
                      WHERE earlier.run_id = item.run_id AND earlier.id < item.id
                        AND earlier.status IN ('pending', 'sending')
                        AND json_extract(earlier.payload, '$.{COSMETIC}') IS NULL))
                ORDER BY next_attempt_at, id
                LIMIT ?
            )
            RETURNING {_COLUMNS}
            """,
            [lease_until, at, at, limit],
        ).fetchall()
    return sorted((_item(row) for row in rows), key=lambda item: (item.next_attempt_at, item.id))


def mark_sent(store: Store, id: int, result: dict[str, Any] | None) -> bool:
    """Record a successful call and what Slack returned (``{"channel", "ts"}`` ...). Idempotent."""
    return queue.move(store, "outbox", id, from_status=UNSENT, to={
        "status": "sent", "sent_at": clock.now_iso(),
        "result": json.dumps(result or {}, ensure_ascii=False, sort_keys=True), "lease_until": None, "last_error": None})


def mark_retry(store: Store, id: int, next_attempt_at: datetime, error: str) -> bool:
    """Put a claimed row back to ``pending`` until ``next_attempt_at``. Only acts on a row being sent."""
    return queue.move(store, "outbox", id, from_status="sending", to={
        "status": "pending", "next_attempt_at": to_iso(next_attempt_at), "lease_until": None, "last_error": error})


def defer(store: Store, id: int, next_attempt_at: datetime, reason: str, *, precise: bool = False) -> bool:
    """Put a claimed row back without having called Slack: like :func:`mark_retry`, but the
    claim's attempt is given back (e.g. an update waiting for the post it edits). ``precise``
    keeps the fraction of a second (a paced row: one a second per channel must not become two)."""
    return queue.move(store, "outbox", id, from_status="sending", to={
        "status": "pending", "lease_until": None, "last_error": reason,
        "next_attempt_at": to_iso_precise(next_attempt_at) if precise else to_iso(next_attempt_at)},
        also="attempts = max(attempts - 1, 0)")


def mark_failed(store: Store, id: int, error: str) -> bool:
    """Give up on a row (permanent Slack error, or out of attempts). ``rebound status`` lists it."""
    return queue.move(store, "outbox", id, from_status=UNSENT, to={
        "status": "failed", "lease_until": None, "last_error": error})


def get(store: Store, key: str) -> OutboxItem | None:
    """The row queued under ``key``, whatever its state."""
    row = store.db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", [key]).fetchone()
    return _item(row) if row else None


def pending_and_failed(store: Store) -> list[OutboxItem]:
    """Everything not sent yet (pending, in flight, failed), oldest first, for ``rebound status``."""
    rows = store.db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE status != 'sent' ORDER BY created_at, id"
    ).fetchall()
    return [_item(row) for row in rows]


def result_for(store: Store, key: str) -> dict[str, Any] | None:
    """What Slack returned for a sent call (e.g. the ``ts`` a later ``chat.update`` needs); None if not sent."""
    row = store.db.execute("SELECT result FROM outbox WHERE key = ? AND status = 'sent'", [key]).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def counts(store: Store) -> dict[str, int]:
    """Rows by status (pending, sending, sent, failed), for ``rebound status``."""
    found = dict(store.db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    return {status: found.get(status, 0) for status in ("pending", "sending", "failed", "sent")}


def mark_skipped(store: Store, id: int, reason: str) -> bool:
    """Settle a claimed row without calling Slack, because the call became unnecessary (a newer
    update of the same message is queued, or a cosmetic update was dropped while its method
    was saturated). It counts as done (``sent``, never retried) and ``result`` says why."""
    return queue.move(store, "outbox", id, from_status="sending", to={
        "status": "sent", "sent_at": clock.now_iso(), "result": json.dumps({"skipped": reason}, ensure_ascii=False),
        "lease_until": None, "last_error": None})


def hold(store: Store, method: str, until: datetime, *, channel: str | None = None) -> int:
    """Slack answered 429 for ``method`` (in ``channel``): no pending row of it is due before
    ``until``, so senders in other threads and processes don't call it in the meantime either.
    Returns how many rows were held back."""
    sql = ("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND method = ? AND next_attempt_at < ?")
    params: list[Any] = [to_iso(until), method, to_iso(until)]
    if channel is not None:
        sql += " AND json_extract(payload, '$.channel') = ?"
        params.append(channel)
    with store.transaction() as db:
        return db.execute(sql, params).rowcount


def newer_update(store: Store, item: OutboxItem, of_field: str) -> str | None:
    """The key of a later pending ``chat.update`` of the same message as ``item``, if one is queued:
    then only the newest content need go out. A message is named by ``of_field`` (the key of the
    post it updates) or by its channel and ts."""
    payload = item.payload
    if item.method != "chat.update" or not isinstance(payload, dict):
        return None
    if payload.get(of_field):
        where, params = f"json_extract(payload, '$.{of_field}') = ?", [payload[of_field]]
    elif payload.get("channel") and payload.get("ts"):
        where = "json_extract(payload, '$.channel') = ? AND json_extract(payload, '$.ts') = ?"
        params = [payload["channel"], payload["ts"]]
    else:
        return None
    if not payload.get(COSMETIC):  # never let essential content give way to a cosmetic update
        where += f" AND json_extract(payload, '$.{COSMETIC}') IS NULL"
    row = store.db.execute(
        f"SELECT key FROM outbox WHERE method = 'chat.update' AND status = 'pending' AND id > ? AND {where}"
        " ORDER BY id DESC LIMIT 1",
        [item.id, *params],
    ).fetchone()
    return row[0] if row else None


def requeue_failed(store: Store, keys: list[str] | None = None) -> list[str]:
    """Put failed rows back to ``pending``, due now with a fresh count of attempts (``rebound
    outbox retry``): every failed row, or only ``keys``. Returns the keys requeued, oldest first.

    The earlier error stays in ``last_error`` (prefixed "retried after: ") until the next outcome.
    """
    sql = f"SELECT {_COLUMNS} FROM outbox WHERE status = 'failed'"
    params: list[Any] = []
    if keys is not None:
        if not keys:
            return []
        sql += f" AND key IN ({', '.join('?' for _ in keys)})"
        params.extend(keys)
    now = to_iso_floor(clock.now())
    with store.transaction() as db:
        rows = [_item(row) for row in db.execute(sql + " ORDER BY id", params).fetchall()]
        moved = [item.key for item in rows if queue.move(store, "outbox", item.id, from_status="failed", to={
            "status": "pending", "attempts": 0, "next_attempt_at": now, "lease_until": None,
            "last_error": f"retried after: {item.last_error}" if item.last_error else None})]
    return moved
