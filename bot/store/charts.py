"""The rows behind the weekly chart: a team's losses per week and reason, and the CRM's
closed-lost deals for the coverage line (when the CRM intake's table exists)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.store.db import Store

CRM_TABLE = "crm_deals"  # migration 0008 (the CRM intake)


def has_table(store: Store, name: str) -> bool:
    row = store.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone()
    return row is not None


def losses_by_week_and_reason(store: Store, team: str, weeks: Sequence[str]) -> list[dict[str, Any]]:
    """``{week, reason, currency, deals, amount_cents, linked}`` per week, primary reason and
    currency; ``linked`` counts the debriefs that answer one of the CRM's deals (0 without it)."""
    if not weeks:
        return []
    marks = ", ".join("?" * len(weeks))
    linked = "0"
    if has_table(store, CRM_TABLE):
        linked = (f"SUM(EXISTS (SELECT 1 FROM {CRM_TABLE} d WHERE d.run_id = f.run_id AND d.status != 'out'))")
    rows = store.db.execute(
        f"SELECT f.week, f.primary_reason, f.currency, COUNT(*), COALESCE(SUM(f.amount_cents), 0), {linked}"
        f" FROM debrief_facts f WHERE f.team = ? AND f.week IN ({marks})"
        " GROUP BY f.week, f.primary_reason, f.currency ORDER BY f.week, f.primary_reason, f.currency",
        [team, *weeks],
    ).fetchall()
    names = ("week", "reason", "currency", "deals", "amount_cents", "linked")
    return [dict(zip(names, row)) for row in rows]


def crm_closed_by_day(store: Store, team: str, first_day: str, end_day: str) -> list[dict[str, Any]] | None:
    """``{close_date, status, deals}`` of the team's CRM closed-lost deals still in the loop
    that closed in ``[first_day, end_day)``; None when there is no CRM intake (no table, or no
    deal of this team in the window: a line at 100% would only say nobody imported any)."""
    if not has_table(store, CRM_TABLE):
        return None
    rows = store.db.execute(
        f"SELECT substr(close_date, 1, 10) AS day, status, COUNT(*) FROM {CRM_TABLE}"
        " WHERE team = ? AND status != 'out' AND close_date >= ? AND close_date < ?"
        " GROUP BY day, status ORDER BY day, status",
        [team, first_day, end_day],
    ).fetchall()
    if not rows:
        return None
    return [{"close_date": day, "status": status, "deals": deals} for day, status, deals in rows]


__all__ = ["CRM_TABLE", "crm_closed_by_day", "has_table", "losses_by_week_and_reason"]
