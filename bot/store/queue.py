"""What the outbox and the reminders tables share: rows written once under a natural key,
and moved from one status to the next by a conditional update.

Both are work queues that several threads or processes read at once. ``insert_once`` makes
a retried enqueue a no-op (nothing twice); ``move`` changes a row only if it is still in the
status the caller saw, so of two callers racing for the same row exactly one gets True and
acts on it (a claim). Both join the caller's open transaction, so the write commits with
the state change it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TypeVar

from bot.store.db import Store

Row = TypeVar("Row")


def insert_once(store: Store, table: str, values: dict[str, Any]) -> bool:
    """Insert ``values`` unless a row with the same unique key exists. True if it was inserted."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    with store.transaction() as db:
        cursor = db.execute(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
        return cursor.rowcount == 1


def move(store: Store, table: str, id: int, *, from_status: str | Iterable[str], to: dict[str, Any],
         also: str = "") -> bool:
    """Set ``to`` (and the raw SQL ``also``, e.g. ``attempts = attempts + 1``) on row ``id`` only
    while its status is ``from_status``. True for the one caller whose update did it."""
    statuses = [from_status] if isinstance(from_status, str) else list(from_status)
    assignments = [f"{column} = ?" for column in to] + ([also] if also else [])
    sql = (f"UPDATE {table} SET {', '.join(assignments)} WHERE id = ?"
           f" AND status IN ({', '.join('?' for _ in statuses)})")
    with store.transaction() as db:
        return db.execute(sql, [*to.values(), id, *statuses]).rowcount == 1


def decode(kind: type[Row], row: tuple, json_columns: Iterable[str] = ()) -> Row:
    """A dataclass from a row selected in the order of its fields; JSON columns decoded (NULL stays None)."""
    values = dict(zip((field.name for field in fields(kind)), row))  # type: ignore[arg-type]
    for column in json_columns:
        values[column] = json.loads(values[column]) if values[column] else None
    return kind(**values)


def columns_of(kind: type) -> str:
    """The SELECT list that :func:`decode` expects for ``kind``."""
    return ", ".join(field.name for field in fields(kind))
