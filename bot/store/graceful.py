"""Graceful-no check-backs: the pending reminders of submitted /graceful-no runs, with their
answers, for App Home and the team's weekly summary. Read-only; the reminders themselves are
written by bot/store/reminders.py when the run is submitted."""

from __future__ import annotations

import json
from typing import Any

from bot.store.db import Store


def checkbacks(store: Store, *, team: str | None = None, user_id: str | None = None, start: str, end: str,
               reminder_id: str = "check_back", playbook: str = "graceful-no") -> list[dict[str, Any]]:
    """Pending check-back reminders of submitted graceful-no runs due in [start, end), soonest
    first, with the run's answers: ``{run_id, user_id, team, due_at, answers}``."""
    where = ["r.status = 'pending'", "r.due_at >= ?", "r.due_at < ?", "runs.playbook = ?", "runs.status = 'submitted'",
             "r.key = 'reminder:' || runs.id || ':' || ?"]
    params: list[Any] = [start, end, playbook, reminder_id]
    for column, value in (("r.team", team), ("r.user_id", user_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    rows = store.db.execute(
        "SELECT runs.id, runs.user_id, runs.team, r.due_at FROM reminders r JOIN runs ON runs.id = r.run_id"
        f" WHERE {' AND '.join(where)} ORDER BY r.due_at, r.id",
        params,
    ).fetchall()
    found = []
    for run_id, owner, team_id, due_at in rows:
        answers = {step: json.loads(value) for step, value in
                   store.db.execute("SELECT step_id, value FROM answers WHERE run_id = ?", [run_id]).fetchall()}
        found.append({"run_id": run_id, "user_id": owner, "team": team_id, "due_at": due_at, "answers": answers})
    return found


__all__ = ["checkbacks"]
