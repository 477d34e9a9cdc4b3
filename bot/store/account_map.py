"""The account map of each loss (migration ``0017_account_map``): one row per department,
office or business unit of a lost account. Plain rows in and out; the won-back maths is in
bot/domain/account_map.py.

Writes join the caller's :meth:`Store.transaction` and are keyed by the plan and the unit's
normalised name, so a retried or repeated `/recover account ...` changes one row once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import clock
from bot.store.db import Store
from bot.store.recovery import opportunity_key
from bot.values.money import amount_dict, cents_and_currency

_COLUMNS = ("id, plan_run_id, user_id, team, name, contact, relationship, value_cents, currency, next_step, next_date,"
            " status, won_at, created_at, updated_at")
EDITABLE = ("contact", "relationship", "next_step", "next_date")


@dataclass(frozen=True)
class AccountUnit:
    id: int
    plan_run_id: str
    user_id: str
    team: str | None
    name: str
    contact: str | None
    relationship: str
    value: dict[str, Any] | None
    next_step: str | None
    next_date: str | None
    status: str
    won_at: str | None
    created_at: str
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        """The shape ``domain.account_map`` reads."""
        return {name: getattr(self, name) for name in (
            "id", "name", "contact", "relationship", "value", "next_step", "next_date", "status", "won_at")}


def _unit(row: tuple) -> AccountUnit:
    (id_, plan, user, team, name, contact, relationship, cents, currency, next_step, next_date, status, won_at,
     created, updated) = row
    value = amount_dict(cents, currency) if cents is not None else None
    return AccountUnit(id_, plan, user, team, name, contact, relationship, value, next_step, next_date, status, won_at,
                       created, updated)


def find_unit(store: Store, plan_run_id: str, name: str) -> AccountUnit | None:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM recovery_account_units WHERE plan_run_id = ? AND key = ?",
                           [plan_run_id, opportunity_key(name)]).fetchone()
    return _unit(row) if row else None


def get_unit(store: Store, unit_id: int) -> AccountUnit | None:
    row = store.db.execute(f"SELECT {_COLUMNS} FROM recovery_account_units WHERE id = ?", [unit_id]).fetchone()
    return _unit(row) if row else None


def units(store: Store, *, plan_run_id: str | None = None, user_id: str | None = None) -> list[AccountUnit]:
    """Units in the order they were added, for one plan or every plan of one person."""
    where, params = [], []
    for column, value in (("plan_run_id", plan_run_id), ("user_id", user_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {_COLUMNS} FROM recovery_account_units" + (" WHERE " + " AND ".join(where) if where else "")
    return [_unit(row) for row in store.db.execute(sql + " ORDER BY id", params).fetchall()]


def upsert_unit(store: Store, *, plan_run_id: str, user_id: str, team: str | None, currency: str, name: str,
                fields: Mapping[str, Any]) -> tuple[AccountUnit, bool]:
    """Add a unit, or change only the ``fields`` given on the one with that name; (unit, created).
    ``fields``: contact, relationship, value (an amount dict in ``currency``), next_step, next_date."""
    now = clock.now_iso()
    changes: dict[str, Any] = {name_: fields[name_] for name_ in EDITABLE if name_ in fields}
    if "value" in fields:
        cents, code = cents_and_currency(fields["value"])
        if cents is None or code != currency:
            raise ValueError(f"expected a value in {currency}, got {fields['value']!r}")
        changes["value_cents"] = cents
    with store.transaction() as db:
        existing = find_unit(store, plan_run_id, name)
        if existing is None:
            columns = ["plan_run_id", "user_id", "team", "key", "name", "currency", "created_at", "updated_at", *changes]
            values = [plan_run_id, user_id, team, opportunity_key(name), name, currency, now, now, *changes.values()]
            db.execute(f"INSERT INTO recovery_account_units ({', '.join(columns)})"
                       f" VALUES ({', '.join('?' for _ in columns)})", values)
            return find_unit(store, plan_run_id, name), True
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            db.execute(f"UPDATE recovery_account_units SET {assignments}, updated_at = ? WHERE id = ?",
                       [*changes.values(), now, existing.id])
        return find_unit(store, plan_run_id, name), False


def set_unit_status(store: Store, unit_id: int, status: str) -> bool:
    """Won, lost or open again; ``won_at`` set when it becomes won, cleared when it stops.
    False when it already had that status (a double click or a retried command)."""
    now = clock.now_iso()
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE recovery_account_units SET status = ?, updated_at = ?,"
            " won_at = CASE WHEN ? = 'won' THEN ? ELSE NULL END WHERE id = ? AND status != ?",
            [status, now, status, now, unit_id, status],
        )
        return cursor.rowcount == 1


__all__ = ["AccountUnit", "find_unit", "get_unit", "units", "upsert_unit", "set_unit_status", "EDITABLE"]
