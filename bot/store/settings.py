"""Team settings changed in Slack (the settings modal in App Home), stored over the teams file.

The teams file stays the starting point; a row here overrides one setting of one team. Writing
the file's own value back deletes the row, so "where does this come from" stays honest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import clock
from bot.store.db import Store


@dataclass(frozen=True)
class Override:
    team: str
    name: str
    value: Any
    changed_by: str
    changed_at: str


def overrides(store: Store) -> dict[str, dict[str, Override]]:
    """Every stored setting: team id -> setting name -> override."""
    found: dict[str, dict[str, Override]] = {}
    for team, name, value, by, at in store.db.execute(
            "SELECT team, name, value, changed_by, changed_at FROM team_settings ORDER BY team, name").fetchall():
        found.setdefault(team, {})[name] = Override(team, name, json.loads(value), by, at)
    return found


def save(store: Store, team: str, changed: Mapping[str, Any], back_to_file: list[str], by: str) -> None:
    """Store ``changed`` (name -> value) for ``team`` and drop the overrides in ``back_to_file``, at once."""
    now = clock.now_iso()
    with store.transaction() as db:
        for name, value in changed.items():
            db.execute(
                "INSERT INTO team_settings (team, name, value, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (team, name) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by,"
                " changed_at = excluded.changed_at",
                [team, name, json.dumps(value), by, now],
            )
        for name in back_to_file:
            db.execute("DELETE FROM team_settings WHERE team = ? AND name = ?", [team, name])


def threshold_changed(store: Store, team: str) -> tuple[str | None, str | None]:
    """Who last changed the team's recovery settings (where the concentration threshold lives) and when."""
    row = store.db.execute("SELECT updated_by, updated_at FROM recovery_team_settings WHERE team = ?", [team]).fetchone()
    return (row[0], row[1]) if row else (None, None)


__all__ = ["Override", "overrides", "save", "threshold_changed"]
