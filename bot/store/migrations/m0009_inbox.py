"""Migration ``0009_inbox`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Every Slack request the HTTP layer acknowledged, stored raw before the 200 and worked
    after it (bot.slack.inbox_worker). ``dedup_key`` (event id, trigger id) makes Slack's
    retries of a request already stored a no-op; ``user_id`` (who sent it) keeps one person's
    requests in order, and lets `rebound forget` find them; ``status`` is 'waiting', 'done' or
    'set_aside' (failed every try)."""
    db.execute(
        """
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dedup_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            user_id TEXT,
            body TEXT NOT NULL,
            content_type TEXT,
            retry_num INTEGER NOT NULL DEFAULT 0,
            retry_reason TEXT,
            status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'done', 'set_aside')),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT NOT NULL,
            received_at TEXT NOT NULL,
            done_at TEXT,
            last_error TEXT
        )
        """
    )
    db.execute("CREATE INDEX inbox_waiting ON inbox (id) WHERE status = 'waiting'")
    db.execute("CREATE INDEX inbox_waiting_by_user ON inbox (user_id, id) WHERE status = 'waiting'")
    db.execute("CREATE INDEX inbox_finished ON inbox (done_at) WHERE status != 'waiting'")
