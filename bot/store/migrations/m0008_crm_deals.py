"""Migration ``0008_crm_deals`` (see ``bot.store.migrations``)."""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Closed-lost deals from the CRM, one row per CRM id (a re-import updates it), and the
    owners' Slack ids found by email, so each email is looked up once (``user_id``, so a
    privacy request forgets the email with the person)."""
    db.execute(
        """
        CREATE TABLE crm_deals (
            crm_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            account TEXT,
            amount_cents INTEGER,
            currency TEXT,
            close_date TEXT,
            stage TEXT,
            reason TEXT,
            competitor TEXT,
            owner_email TEXT,
            owner_name TEXT,
            owner_slack_id TEXT,
            user_id TEXT,
            owner_via TEXT,
            team TEXT,
            status TEXT NOT NULL CHECK (status IN ('waiting', 'debriefed', 'out')),
            run_id TEXT,
            source TEXT NOT NULL CHECK (source IN ('csv', 'webhook')),
            fingerprint TEXT NOT NULL,
            nudged_at TEXT,
            reminded_at TEXT,
            disowned_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX crm_deals_by_owner ON crm_deals (user_id, status)")
    db.execute("CREATE INDEX crm_deals_by_team_close ON crm_deals (team, close_date)")
    db.execute("CREATE INDEX crm_deals_by_run ON crm_deals (run_id)")
    db.execute(
        """
        CREATE TABLE crm_owner_emails (
            email TEXT PRIMARY KEY,
            user_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('found', 'not_found')),
            looked_up_at TEXT NOT NULL
        )
        """
    )
