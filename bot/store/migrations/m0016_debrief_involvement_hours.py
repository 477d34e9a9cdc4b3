"""Migration ``0016_debrief_involvement_hours`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Who else worked a lost deal (JSON list of roles, ``["nobody"]`` when the seller was
    alone, NULL when not said) and roughly how many hours the team put in (NULL when not said):
    the weekly summary counts deals lost single-handed, `rebound costs` prices the hours."""
    db.execute("ALTER TABLE debrief_facts ADD COLUMN involved TEXT")
    db.execute("ALTER TABLE debrief_facts ADD COLUMN team_hours REAL")
