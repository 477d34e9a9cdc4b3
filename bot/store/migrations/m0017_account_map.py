"""Migration ``0017_account_map`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """The map of a lost account (issue 16): its departments, offices or business units, each
    kept per loss (``plan_run_id``, the recovery plan's run) under a natural key (the unit's
    name, normalised), so a retried `/recover account add` changes one row. Money is integer
    cents beside the plan's currency, like the other recovery tables."""
    db.execute(
        """
        CREATE TABLE recovery_account_units (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            plan_run_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            team TEXT,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            contact TEXT,
            relationship TEXT NOT NULL DEFAULT 'none' CHECK (relationship IN ('none', 'contact', 'champion')),
            value_cents INTEGER,
            currency TEXT NOT NULL,
            next_step TEXT,
            next_date TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
            won_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (plan_run_id, key)
        )
        """
    )
    db.execute("CREATE INDEX recovery_account_units_by_user ON recovery_account_units (user_id)")
    # The signed book (`rebound book import`): revenue by account and contract per rep (``user_id``,
    # so `rebound forget` finds it), to see concentration before a renewal is at risk.
    db.execute(
        """
        CREATE TABLE signed_contracts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id TEXT NOT NULL,
            team TEXT,
            key TEXT NOT NULL,
            account TEXT NOT NULL,
            contract TEXT NOT NULL,
            department TEXT,
            amount_cents INTEGER NOT NULL,
            currency TEXT NOT NULL,
            import_id TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            UNIQUE (user_id, key)
        )
        """
    )
    db.execute("CREATE INDEX signed_contracts_by_team ON signed_contracts (team)")
