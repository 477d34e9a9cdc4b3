"""Migration ``0020_checked_files`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Fingerprints of playbooks and prompts (with Rebound's code) that passed start-up's rule
    checks: a restart with the same files skips them (bot.files.fingerprint)."""
    db.execute("CREATE TABLE checked_files (fingerprint TEXT PRIMARY KEY, checked_at TEXT NOT NULL)")
