"""Migration ``0006_outbox_lanes`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Several senders drain the outbox at once, but a conversation's calls keep their order:
    a row waits while an earlier row of the same run is unsent. This index answers that fast."""
    db.execute("CREATE INDEX outbox_unsent_by_run ON outbox (run_id, id) WHERE status IN ('pending', 'sending')")
