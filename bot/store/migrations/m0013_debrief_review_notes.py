"""Migration ``0013_debrief_review_notes`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """A manager's review notes on a debrief (the "Add review notes" modal): the coaching action
    agreed, the loss reason as the manager sees it, and whether a 1:1 happened. The latest notes
    win; earlier ones stay in the history with who wrote them and when."""
    db.execute(
        """
        CREATE TABLE debrief_review_notes (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(id),
            team TEXT,
            coaching_action TEXT,
            loss_reason TEXT,
            one_on_one_held INTEGER,
            written_by TEXT NOT NULL,
            written_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX debrief_review_notes_by_run ON debrief_review_notes (run_id, id)")
