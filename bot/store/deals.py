"""Closed-lost deals imported from the CRM (migration ``0008_crm_deals``): one row per CRM id,
and the Slack id each owner's email resolved to.

A deal is ``waiting`` for its debrief, ``debriefed`` once a submitted debrief is linked to
it, or ``out`` of the loop when the CRM later says it is won or open again. Amounts are
integer cents beside their currency, like every other table's money (migration 0007).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot import clock
from bot.store.db import Store

WAITING, DEBRIEFED, OUT = "waiting", "debriefed", "out"
COLUMNS = ("crm_id", "name", "account", "amount_cents", "currency", "close_date", "stage", "reason", "competitor",
           "owner_email", "owner_name", "owner_slack_id", "user_id", "owner_via", "team", "status", "run_id",
           "source", "fingerprint", "nudged_at", "reminded_at", "disowned_by", "created_at", "updated_at")
_CHANGEABLE = frozenset(COLUMNS) - {"crm_id", "created_at"}
# owner_via: crm (the CRM gave the Slack id), lookup (users.lookupByEmail), emails_map (the
# teams file), reassigned ("Not mine"), pending (an email lookup is on its way), unresolved.
PENDING, UNRESOLVED = "pending", "unresolved"


def _row(names: Iterable[str], values: Iterable[Any]) -> dict[str, Any]:
    return dict(zip(names, values))


def get(store: Store, crm_id: str) -> dict[str, Any] | None:
    row = store.db.execute(f"SELECT {', '.join(COLUMNS)} FROM crm_deals WHERE crm_id = ?", [crm_id]).fetchone()
    return _row(COLUMNS, row) if row else None


def insert(store: Store, deal: Mapping[str, Any]) -> None:
    """Add a deal (``created_at`` and ``updated_at`` are set here). Joins the caller's transaction."""
    now = clock.now_iso()
    values = {**{c: deal.get(c) for c in COLUMNS}, "created_at": now, "updated_at": now}
    with store.transaction() as db:
        db.execute(f"INSERT INTO crm_deals ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                   [values[c] for c in COLUMNS])


def update(store: Store, crm_id: str, changes: Mapping[str, Any], *, only_if_status: str | None = None) -> bool:
    """Change some columns of a deal; with ``only_if_status``, only while it has that status
    (so two clicks or two tickers change it once). True when a row changed."""
    unknown = set(changes) - _CHANGEABLE
    if unknown:
        raise ValueError(f"not a changeable crm_deals column: {sorted(unknown)}")
    values = {**changes, "updated_at": clock.now_iso()}
    sets = ", ".join(f"{column} = ?" for column in values)
    where = "crm_id = ?" + (" AND status = ?" if only_if_status else "")
    with store.transaction() as db:
        cursor = db.execute(f"UPDATE crm_deals SET {sets} WHERE {where}",
                            [*values.values(), crm_id, *([only_if_status] if only_if_status else [])])
        return cursor.rowcount == 1


def listed(store: Store, *, team: str | None = None, user_id: str | None = None, status: str | None = None,
           owner_via: str | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Deals, newest close date first, narrowed by any of the given columns."""
    where, params = [], []
    for column, value in (("team", team), ("user_id", user_id), ("status", status), ("owner_via", owner_via),
                          ("run_id", run_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {', '.join(COLUMNS)} FROM crm_deals"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = store.db.execute(sql + " ORDER BY close_date DESC, crm_id", params).fetchall()
    return [_row(COLUMNS, row) for row in rows]


def closed_in(store: Store, team: str, first_day: str, next_first_day: str) -> list[dict[str, Any]]:
    """The team's deals in the loop (waiting or debriefed) that closed in ``[first_day, next_first_day)``."""
    rows = store.db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM crm_deals WHERE team = ? AND status != 'out'"
        " AND close_date >= ? AND close_date < ? ORDER BY close_date, crm_id",
        [team, first_day, next_first_day],
    ).fetchall()
    return [_row(COLUMNS, row) for row in rows]


def linked_runs(store: Store) -> set[str]:
    """Debrief runs linked to an imported deal (their losses are counted through the deal)."""
    return {row[0] for row in store.db.execute(
        "SELECT run_id FROM crm_deals WHERE run_id IS NOT NULL AND status != 'out'")}


def cancel_reminders(store: Store, crm_id: str) -> int:
    """Cancel a deal's pending nudges and reminders (it was debriefed, won, or handed on)."""
    with store.transaction() as db:
        return db.execute(
            "UPDATE reminders SET status = 'cancelled', done_at = ? WHERE status = 'pending'"
            " AND kind IN ('crm_nudge', 'crm_reminder') AND json_extract(payload, '$.crm_id') = ?",
            [clock.now_iso(), crm_id],
        ).rowcount


# -- owners' emails -------------------------------------------------------------------------------


def cached_email(store: Store, email: str) -> tuple[str, str | None] | None:
    """``("found", slack_id)`` or ``("not_found", None)`` when the email was looked up before."""
    row = store.db.execute("SELECT status, user_id FROM crm_owner_emails WHERE email = ?", [email]).fetchone()
    return (row[0], row[1]) if row else None


def remember_email(store: Store, email: str, slack_id: str | None) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO crm_owner_emails (email, user_id, status, looked_up_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (email) DO UPDATE SET user_id = excluded.user_id, status = excluded.status,"
            " looked_up_at = excluded.looked_up_at",
            [email, slack_id, "found" if slack_id else "not_found", clock.now_iso()],
        )


__all__ = ["COLUMNS", "DEBRIEFED", "OUT", "PENDING", "UNRESOLVED", "WAITING", "cached_email", "cancel_reminders",
           "closed_in", "get", "insert", "linked_runs", "listed", "remember_email", "update"]
