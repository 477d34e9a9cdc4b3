"""Migration ``0014_team_settings`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Team settings a manager changed in Slack, layered over the teams file: one row per team and
    setting (the value as JSON), with who changed it and when, so ``rebound status`` can say where
    each setting comes from. A setting set back to the file's value is deleted, not stored."""
    db.execute(
        """
        CREATE TABLE team_settings (
            team TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            PRIMARY KEY (team, name)
        )
        """
    )
