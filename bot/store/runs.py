"""Runs and their answers. Every answer is committed the moment it is given.

The store knows nothing of a playbook's wording: it keeps ids, typed JSON values and times.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import clock
from bot.errors import NotFound
from bot.store.db import Store
from bot.store.filters import equal, where

ACTIVE, SUBMITTED, CANCELLED = "active", "submitted", "cancelled"


@dataclass
class Run:
    id: str
    playbook: str
    playbook_version: int
    user_id: str
    team: str | None
    status: str
    cursor: str | None
    skipped: list[str]
    source: str
    meta: dict[str, Any]
    started_at: str
    updated_at: str
    submitted_at: str | None
    cancelled_at: str | None
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


class ActiveRunExists(Exception):
    """A user already has an active run of this playbook (one at a time; offer to resume)."""

    def __init__(self, run: Run):
        self.run = run
        super().__init__(f"run {run.id} of {run.playbook} is active")


def _row_to_run(row: Mapping[str, Any]) -> Run:
    return Run(
        id=row["id"],
        playbook=row["playbook"],
        playbook_version=row["playbook_version"],
        user_id=row["user_id"],
        team=row["team"],
        status=row["status"],
        cursor=row["cursor"],
        skipped=json.loads(row["skipped"]),
        source=row["source"],
        meta=json.loads(row["meta"]),
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        cancelled_at=row["cancelled_at"],
    )


def new_run_id() -> str:
    return "r" + secrets.token_hex(6)


def create_run(
    store: Store,
    *,
    playbook: str,
    playbook_version: int,
    user_id: str,
    team: str | None,
    cursor: str | None,
    source: str = "terminal",
    meta: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> Run:
    """Start a run. Raises :class:`ActiveRunExists` when the user already has one of this playbook."""
    now = clock.now_iso()
    run_id = run_id or new_run_id()
    with store.transaction() as db:
        existing = find_active(store, user_id, playbook)
        if existing is not None:
            raise ActiveRunExists(existing)
        try:
            db.execute(
                "INSERT INTO runs (id, playbook, playbook_version, user_id, team, status, cursor, skipped, source, meta,"
                " started_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, '[]', ?, ?, ?, ?)",
                [run_id, playbook, playbook_version, user_id, team, cursor, source, json.dumps(dict(meta or {})), now, now],
            )
        except sqlite3.IntegrityError:
            # Two deliveries raced past the check above; the unique index kept one.
            raise ActiveRunExists(find_active(store, user_id, playbook)) from None
    return get_run(store, run_id)


def get_run(store: Store, run_id: str) -> Run:
    rows = list(store.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
    if not rows:
        raise NotFound("run", run_id)
    run = _row_to_run(rows[0])
    run.answers = answers_of(store, run_id)
    return run


def find_active(store: Store, user_id: str, playbook: str) -> Run | None:
    rows = list(store.db.query("SELECT id FROM runs WHERE user_id = ? AND playbook = ? AND status = 'active'",
                               [user_id, playbook]))
    return get_run(store, rows[0]["id"]) if rows else None


def answers_of(store: Store, run_id: str) -> dict[str, Any]:
    return {
        row["step_id"]: json.loads(row["value"])
        for row in store.db.query("SELECT step_id, value FROM answers WHERE run_id = ?", [run_id])
    }


def save_answer(store: Store, run_id: str, step_id: str, value: Any, *, cursor: str | None,
                skipped: Iterable[str]) -> None:
    """Store one answer (keeping the previous value in the history) and the run's new position, atomically."""
    now = clock.now_iso()
    encoded = json.dumps(value, ensure_ascii=False)
    with store.transaction() as db:
        previous = db.execute("SELECT value FROM answers WHERE run_id = ? AND step_id = ?",
                              [run_id, step_id]).fetchone()
        if previous is not None:
            if previous[0] == encoded:
                _set_position(db, run_id, cursor, skipped, now)
                return
            _archive_answer(db, run_id, step_id, now)
        db.execute(
            "INSERT INTO answers (run_id, step_id, value, answered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (run_id, step_id) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at",
            [run_id, step_id, encoded, now],
        )
        _set_position(db, run_id, cursor, skipped, now)


def save_position(store: Store, run_id: str, *, cursor: str | None, skipped: Iterable[str],
                  drop_answer: str | None = None) -> None:
    """Move the run (back, skip, edit) without a new answer; a skip drops that step's answer into history."""
    now = clock.now_iso()
    with store.transaction() as db:
        if drop_answer is not None and _archive_answer(db, run_id, drop_answer, now):
            db.execute("DELETE FROM answers WHERE run_id = ? AND step_id = ?", [run_id, drop_answer])
        _set_position(db, run_id, cursor, skipped, now)


def _archive_answer(db, run_id: str, step_id: str, now: str) -> bool:
    """Copy the current answer of a step into its history (before it is replaced or dropped)."""
    return db.execute(
        "INSERT INTO answer_history (run_id, step_id, value, answered_at, replaced_at)"
        " SELECT run_id, step_id, value, answered_at, ? FROM answers WHERE run_id = ? AND step_id = ?",
        [now, run_id, step_id],
    ).rowcount == 1


def _set_position(db, run_id: str, cursor: str | None, skipped: Iterable[str], now: str) -> None:
    db.execute("UPDATE runs SET cursor = ?, skipped = ?, updated_at = ? WHERE id = ?",
               [cursor, json.dumps(sorted(set(skipped))), now, run_id])


def update_meta(store: Store, run_id: str, changes: Mapping[str, Any]) -> None:
    with store.transaction() as db:
        row = db.execute("SELECT meta FROM runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise NotFound("run", run_id)
        meta = json.loads(row[0])
        meta.update(changes)
        db.execute("UPDATE runs SET meta = ?, updated_at = ? WHERE id = ?", [json.dumps(meta), clock.now_iso(), run_id])


def mark_submitted(store: Store, run_id: str) -> bool:
    """Active → submitted. Returns False when it was not active (a double click on Submit)."""
    now = clock.now_iso()
    with store.transaction() as db:
        changed = db.execute(
            "UPDATE runs SET status = 'submitted', submitted_at = ?, updated_at = ?, cursor = NULL"
            " WHERE id = ? AND status = 'active'",
            [now, now, run_id],
        ).rowcount
    return changed == 1


def mark_cancelled(store: Store, run_id: str) -> bool:
    now = clock.now_iso()
    with store.transaction() as db:
        changed = db.execute(
            "UPDATE runs SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
            [now, now, run_id],
        ).rowcount
    return changed == 1


def history_of(store: Store, run_id: str, step_id: str | None = None) -> list[dict[str, Any]]:
    clause, params = where(*equal(run_id=run_id, step_id=step_id))
    sql = "SELECT step_id, value, answered_at, replaced_at FROM answer_history" + clause + " ORDER BY id"
    return [{**row, "value": json.loads(row["value"])} for row in store.db.query(sql, params)]


def list_runs(
    store: Store,
    *,
    playbook: str | None = None,
    user_id: str | None = None,
    team: str | None = None,
    status: str | None = None,
    since: str | None = None,
    limit: int | None = None,
    with_answers: bool = True,
) -> list[Run]:
    """Runs, newest first. ``since`` compares against started_at (ISO date or timestamp)."""
    clause, params = where(*equal(playbook=playbook, user_id=user_id, team=team, status=status),
                           ("started_at >= ?", since))
    sql = "SELECT * FROM runs" + clause + " ORDER BY started_at DESC, id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    runs = [_row_to_run(row) for row in store.db.query(sql, params)]
    if with_answers and runs:
        by_id = {run.id: run for run in runs}
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in store.db.query(f"SELECT run_id, step_id, value FROM answers WHERE run_id IN ({marks})", chunk):
                by_id[row["run_id"]].answers[row["step_id"]] = json.loads(row["value"])
    return runs


def claim_delivery(store: Store, key: str) -> bool:
    """True the first time ``key`` is seen: Slack retries and double clicks are processed once."""
    with store.transaction() as db:
        inserted = db.execute(
            "INSERT OR IGNORE INTO deliveries (key, received_at) VALUES (?, ?)", [key, clock.now_iso()]
        ).rowcount
    return inserted == 1


# Outbox rows about a person that carry no run id: notes to them, their App Home, their
# settings modal. Every message whose channel is the person (a DM: the CRM nudge, a notice, a
# concentration warning) goes too, and so do the concentration warnings about their signed book
# sent to their manager ("book-warn:<import>:<owner>:<contract>:<recipient>").
_PERSONAL_OUTBOX_KEYS = ("note:{user}:", "home:{user}:", "settings_open:{user}:")
_ABOUT_OWNER_KEYS = ("book-warn:",)


def _personal_outbox(user_id: str) -> tuple[str, list[Any]]:
    """The outbox rows that carry no run of the person's but are to or about them: (SQL, params)."""
    conditions = ["json_extract(payload, '$.channel') = ?"]
    params: list[Any] = [user_id]
    for prefix in _PERSONAL_OUTBOX_KEYS:
        conditions.append("substr(key, 1, ?) = ?")
        params += [len(prefix.format(user=user_id)), prefix.format(user=user_id)]
    for prefix in _ABOUT_OWNER_KEYS:  # the owner sits between colons after the import id
        conditions.append("(substr(key, 1, ?) = ? AND instr(key, ?) > 0)")
        params += [len(prefix), prefix, f":{user_id}:"]
    return " OR ".join(conditions), params


def _user_data(db, user_id: str, *, delete: bool) -> dict[str, int]:
    runs_of = "(SELECT id FROM runs WHERE user_id = ?)"
    key_match, key_params = _personal_outbox(user_id)
    where = {
        "answers": (f"run_id IN {runs_of}", [user_id]),
        "answer_history": (f"run_id IN {runs_of}", [user_id]),
        "outbox": (f"run_id IN {runs_of} OR {key_match}", [user_id, *key_params]),
        "reminders": (f"run_id IN {runs_of} OR user_id = ?", [user_id, user_id]),
    }
    # Every other table keyed by a person (a flow's per-person rows) goes too; tables hanging
    # off runs go with them through ON DELETE CASCADE.
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'runs'").fetchall():
        if table not in where and any(col[1] == "user_id" for col in db.execute(f'PRAGMA table_info("{table}")')):
            where[table] = ("user_id = ?", [user_id])
    where["runs"] = ("user_id = ?", [user_id])
    counts = {}
    for table, (condition, params) in where.items():
        counts[table] = db.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {condition}', params).fetchone()[0]
    if delete:
        for table, (condition, params) in where.items():  # runs last: the conditions above read it
            if table not in ("answers", "answer_history"):  # cascade from runs
                db.execute(f'DELETE FROM "{table}" WHERE {condition}', params)
    return counts


def count_user_data(store: Store, user_id: str) -> dict[str, int]:
    """What :func:`forget_user` would delete, by table (for the confirmation prompt)."""
    return _user_data(store.db, user_id, delete=False)


def forget_user(store: Store, user_id: str) -> dict[str, int]:
    """Delete a person's runs, their answers (and earlier versions), the outbox rows and
    reminders of those runs, notes to them, and every row of a table keyed by their user
    id (privacy requests). Returns the counts deleted, by table; all or nothing."""
    with store.transaction() as db:
        return _user_data(db, user_id, delete=True)
