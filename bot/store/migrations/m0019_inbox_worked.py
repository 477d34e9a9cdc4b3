"""Migration ``0019_inbox_worked`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """The inbox moved to its own file (``rebound.inbox.db``, so an acknowledgement never waits
    for a worker's transaction here). What stays here is the record that a request was worked,
    written in the same transaction as its effects: a request taken again after a crash, or
    whose "done" the inbox file missed, is then recognised and not worked twice."""
    db.execute(
        """
        CREATE TABLE inbox_worked (
            dedup_key TEXT PRIMARY KEY,
            inbox_id INTEGER NOT NULL,
            worked_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX inbox_worked_at ON inbox_worked (worked_at)")
