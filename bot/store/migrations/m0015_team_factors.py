"""Migration ``0015_team_factors`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """The ratings of the ranking factors a team adds in its teams file (``factors:``), per
    opportunity: a JSON object ``{"partner_influence": 4}``, NULL when none are known."""
    db.execute("ALTER TABLE recovery_opportunities ADD COLUMN factors TEXT")
