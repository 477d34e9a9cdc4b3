"""Named schema migrations, applied in order once each (see ``Store.migrate``).

One module per migration, named by its number; ``MIGRATIONS`` lists them in the order they
apply, and ``schema_migrations`` records each by the name given here, so a name never
changes. Never edit a migration that has shipped: add a new module and append it below.
Timestamps are UTC ISO-8601 text; JSON columns hold typed answer values.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from bot.store.migrations import (
    m0001_core,
    m0002_outbox_jobs,
    m0003_reports,
    m0004_pilots,
    m0005_recovery,
    m0006_outbox_lanes,
    m0007_money_cents,
    m0008_crm_deals,
    m0009_inbox,
    m0010_views,
    m0013_debrief_review_notes,
    m0014_team_settings,
    m0015_team_factors,
    m0016_debrief_involvement_hours,
    m0017_account_map,
    m0019_inbox_worked,
    m0020_checked_files,
)

MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("0001_core", m0001_core.migrate),
    ("0002_outbox_jobs", m0002_outbox_jobs.migrate),
    ("0003_reports", m0003_reports.migrate),
    ("0004_pilots", m0004_pilots.migrate),
    ("0005_recovery", m0005_recovery.migrate),
    ("0006_outbox_lanes", m0006_outbox_lanes.migrate),
    ("0007_money_cents", m0007_money_cents.migrate),
    ("0008_crm_deals", m0008_crm_deals.migrate),
    ("0009_inbox", m0009_inbox.migrate),
    ("0010_views", m0010_views.migrate),
    ("0013_debrief_review_notes", m0013_debrief_review_notes.migrate),
    ("0014_team_settings", m0014_team_settings.migrate),
    ("0015_team_factors", m0015_team_factors.migrate),
    ("0016_debrief_involvement_hours", m0016_debrief_involvement_hours.migrate),
    ("0017_account_map", m0017_account_map.migrate),
    ("0019_inbox_worked", m0019_inbox_worked.migrate),
    ("0020_checked_files", m0020_checked_files.migrate),
]
