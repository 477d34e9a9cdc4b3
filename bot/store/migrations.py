"""Named schema migrations, applied in order once each (see ``Store.migrate``).

Never edit a migration that has shipped: add a new one. Timestamps are UTC ISO-8601 text;
JSON columns hold typed answer values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.values.money import cents_and_currency


def m0001_core(db: Database) -> None:
    """Runs, their answers, every earlier version of an answer, and delivery keys."""
    db.execute(
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            playbook TEXT NOT NULL,
            playbook_version INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            team TEXT,
            status TEXT NOT NULL CHECK (status IN ('active', 'submitted', 'cancelled')),
            cursor TEXT,
            skipped TEXT NOT NULL DEFAULT '[]',
            source TEXT NOT NULL DEFAULT 'terminal',
            meta TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            cancelled_at TEXT
        )
        """
    )
    # One active run per user and playbook: starting again offers to resume instead.
    db.execute("CREATE UNIQUE INDEX runs_one_active ON runs (user_id, playbook) WHERE status = 'active'")
    db.execute("CREATE INDEX runs_by_playbook_status ON runs (playbook, status, submitted_at)")
    db.execute("CREATE INDEX runs_by_team ON runs (team, submitted_at)")
    db.execute(
        """
        CREATE TABLE answers (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            step_id TEXT NOT NULL,
            value TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (run_id, step_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE answer_history (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            step_id TEXT NOT NULL,
            value TEXT NOT NULL,
            answered_at TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX answer_history_by_run ON answer_history (run_id, step_id)")
    # Slack retries and double clicks: a delivery key seen once is never processed again.
    db.execute("CREATE TABLE deliveries (key TEXT PRIMARY KEY, received_at TEXT NOT NULL)")


def m0002_outbox_jobs(db: Database) -> None:
    """The outbox (every Web API call after the ack), scheduled reminders, and job claims.

    Natural keys (``outbox.key``, ``reminders.key``, ``job_runs.key``) make every write a
    no-op on retry, so a restart, a late catch-up or a second instance cannot act twice.
    """
    db.execute(
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            method TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            lease_until TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            result TEXT,
            run_id TEXT,
            team TEXT
        )
        """
    )
    # The sender's one query: what is due (pending by time, sending by expired lease).
    db.execute("CREATE INDEX outbox_due ON outbox (status, next_attempt_at)")
    db.execute("CREATE INDEX outbox_by_run ON outbox (run_id)")
    db.execute(
        """
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            run_id TEXT,
            team TEXT,
            user_id TEXT,
            due_at TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'cancelled')),
            created_at TEXT NOT NULL,
            done_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX reminders_due ON reminders (status, due_at)")
    db.execute("CREATE INDEX reminders_by_run ON reminders (run_id, status)")
    db.execute(
        """
        CREATE TABLE job_runs (
            key TEXT PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'done')),
            claimed_by TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            done_at TEXT,
            detail TEXT
        )
        """
    )


def m0003_reports(db: Database) -> None:
    """The debrief facts the weekly summaries aggregate, and managers' reviews of debriefs.

    ``debrief_facts`` is derived from a submitted debrief run (one row per run, written in the
    submit transaction and rebuilt from the run if missing), so the weekly numbers are plain
    GROUP BYs over typed columns instead of pivots over JSON answers. Amounts are integer
    cents, so SQL sums are exact; ``week`` is the ISO week of submission in the team's time
    zone, so each debrief belongs to exactly one team summary.
    """
    db.execute(
        """
        CREATE TABLE debrief_facts (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            team TEXT,
            user_id TEXT NOT NULL,
            week TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            deal TEXT NOT NULL,
            account TEXT,
            amount_cents INTEGER,
            currency TEXT,
            retained_cents INTEGER,
            retained_currency TEXT,
            unrecovered_cents INTEGER,
            primary_reason TEXT NOT NULL,
            other_reasons TEXT NOT NULL DEFAULT '[]',
            competitor TEXT,
            gap TEXT,
            avoidable INTEGER,
            stage_lost TEXT,
            close_date TEXT,
            to_product INTEGER NOT NULL DEFAULT 0,
            to_enablement INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    db.execute("CREATE INDEX debrief_facts_by_team_week ON debrief_facts (team, week)")
    db.execute("CREATE INDEX debrief_facts_by_week ON debrief_facts (week)")
    db.execute(
        """
        CREATE TABLE debrief_reviews (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            team TEXT,
            reviewed_by TEXT,
            reviewed_at TEXT,
            one_on_one_by TEXT,
            one_on_one_at TEXT
        )
        """
    )


def m0004_pilots(db: Database) -> None:
    """Pilots agreed with /pilot-plan: every version of the agreement, each recorded outcome, the cost.

    A pilot outlives its runs: editing the plan submits a new run, which becomes the next
    version. ``pilots`` keeps the facts the summaries filter on (dates, values, open items,
    latest outcome) so weekly and quarter views need no JSON digging. Deleting a person's
    runs (privacy) deletes their pilots with them.
    """
    db.execute(
        """
        CREATE TABLE pilots (
            id TEXT PRIMARY KEY,
            team TEXT,
            user_id TEXT NOT NULL,
            account TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'extended', 'closed', 'cancelled')),
            version INTEGER NOT NULL,
            current_run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL,
            deal_value TEXT,
            pilot_fee TEXT,
            gap_count INTEGER NOT NULL DEFAULT 0,
            outcome_round INTEGER NOT NULL DEFAULT 0,
            outcome TEXT,
            action TEXT,
            cost TEXT,
            debrief_run_id TEXT,
            meta TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            closed_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX pilots_by_team_dates ON pilots (team, end_date, start_date)")
    db.execute("CREATE INDEX pilots_by_user ON pilots (user_id, status)")
    db.execute(
        """
        CREATE TABLE pilot_versions (
            pilot_id TEXT NOT NULL REFERENCES pilots (id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            run_id TEXT NOT NULL UNIQUE REFERENCES runs (id) ON DELETE CASCADE,
            submitted_at TEXT NOT NULL,
            submitted_by TEXT NOT NULL,
            gaps TEXT NOT NULL DEFAULT '[]',
            changed TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (pilot_id, version)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE pilot_outcomes (
            id INTEGER PRIMARY KEY,
            pilot_id TEXT NOT NULL REFERENCES pilots (id) ON DELETE CASCADE,
            round INTEGER NOT NULL,
            run_id TEXT NOT NULL,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('all_met', 'partly_met', 'not_met', 'inconclusive', 'blocked')),
            agreed_action TEXT,
            action TEXT,
            decided_by TEXT,
            measurements TEXT NOT NULL DEFAULT '[]',
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            action_at TEXT,
            UNIQUE (pilot_id, round)
        )
        """
    )
    db.execute("CREATE INDEX pilot_outcomes_by_time ON pilot_outcomes (recorded_at)")


def m0005_recovery(db: Database) -> None:
    """Recovering lost revenue: each submitted /recover plan, the opportunities a rep works
    (typed in a plan or imported from a CRM export) and the team's factor weights.

    ``recovery_plans`` is one row per submitted run (written in the submit transaction).
    ``recovery_opportunities`` belong to a person, not a run: a re-import or a later plan
    updates them under their natural key (the normalised account and name), and progress
    (won / lost / moved) is recorded on them. Amounts are JSON amount dicts with the
    currency beside them for filtering; sums happen in bot/domain, never across currencies.
    """
    db.execute(
        """
        CREATE TABLE recovery_plans (
            run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            team TEXT,
            currency TEXT NOT NULL,
            lost TEXT NOT NULL,
            retained TEXT NOT NULL,
            unrecovered TEXT NOT NULL,
            pipeline_to_add TEXT NOT NULL,
            multiple REAL NOT NULL,
            source_run_id TEXT,
            message_key TEXT,
            submitted_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX recovery_plans_by_user ON recovery_plans (user_id, submitted_at)")
    db.execute("CREATE INDEX recovery_plans_by_team ON recovery_plans (team, submitted_at)")
    db.execute(
        """
        CREATE TABLE recovery_opportunities (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            team TEXT,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            account TEXT,
            amount TEXT NOT NULL,
            currency TEXT NOT NULL,
            probability REAL,
            close_date TEXT,
            stage TEXT,
            strategic_fit REAL,
            relationship REAL,
            effort REAL,
            source TEXT NOT NULL CHECK (source IN ('typed', 'csv')),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'moved')),
            status_at TEXT,
            won_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (user_id, key)
        )
        """
    )
    db.execute("CREATE INDEX recovery_opportunities_by_team ON recovery_opportunities (team, status)")
    # A member's own factor points; the team's weights are their average unless locked.
    db.execute(
        """
        CREATE TABLE recovery_weights (
            team TEXT NOT NULL,
            user_id TEXT NOT NULL,
            weights TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team, user_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE recovery_team_settings (
            team TEXT PRIMARY KEY,
            locked_weights TEXT,
            locked_by TEXT,
            locked_at TEXT,
            concentration_threshold REAL,
            updated_by TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )


def m0006_outbox_lanes(db: Database) -> None:
    """Several senders drain the outbox at once, but a conversation's calls keep their order:
    a row waits while an earlier row of the same run is unsent. This index answers that fast."""
    db.execute("CREATE INDEX outbox_unsent_by_run ON outbox (run_id, id) WHERE status IN ('pending', 'sending')")


# 0007: the money columns that replace JSON amounts, per table: (JSON column, cents column, currency column).
# A currency column of None means the table's existing ``currency`` column holds it.
PILOT_MONEY = (("deal_value", "deal_value_cents", "deal_value_currency"),
               ("pilot_fee", "pilot_fee_cents", "pilot_fee_currency"))
COST_MONEY = (("effort_cost", "cost_effort_cents"), ("full_value", "cost_full_value_cents"),
              ("recovered_value", "cost_recovered_cents"), ("value_lost", "cost_value_lost_cents"),
              ("net", "cost_net_cents"))
PLAN_MONEY = (("lost", "lost_cents"), ("retained", "retained_cents"), ("unrecovered", "unrecovered_cents"),
              ("pipeline_to_add", "pipeline_to_add_cents"))


def _exact(text: str | None) -> Any:
    """JSON with its numbers as Decimal, so 999999999999999.99 is not rounded by a float on the way to cents."""
    return json.loads(text, parse_float=Decimal) if text else None


def m0007_money_cents(db: Database) -> None:
    """Money SQL can add: integer cents and a currency column wherever a person would sum it.

    Pilots (deal value, pilot fee, the cost of a mistake), recovery plans and recovery
    opportunities kept amounts as JSON text, which ``SUM()`` cannot add. Like
    ``debrief_facts`` they now hold ``*_cents INTEGER`` (hundredths for every currency,
    rounded half-up: bot/values/money.py) beside a currency, so in sqlite-utils or Datasette
    ``SELECT currency, SUM(amount_cents) / 100.0 FROM recovery_opportunities GROUP BY currency``
    is the open pipeline. Existing rows are converted from their JSON, then the JSON amount
    columns are dropped (``ALTER TABLE DROP COLUMN``, SQLite 3.35 or later) so there is one
    truth. A pilot's ``cost`` keeps its detail (hours, people) as JSON; its five amounts move
    to ``cost_*_cents`` columns in ``cost_currency``.
    """
    for _, cents, currency in PILOT_MONEY:
        db.execute(f"ALTER TABLE pilots ADD COLUMN {cents} INTEGER")
        db.execute(f"ALTER TABLE pilots ADD COLUMN {currency} TEXT")
    db.execute("ALTER TABLE pilots ADD COLUMN cost_currency TEXT")
    for _, cents in COST_MONEY:
        db.execute(f"ALTER TABLE pilots ADD COLUMN {cents} INTEGER")
    for row_id, deal_value, pilot_fee, cost in db.execute(
            "SELECT id, deal_value, pilot_fee, cost FROM pilots").fetchall():
        values: list = []
        for text in (deal_value, pilot_fee):
            values.extend(cents_and_currency(_exact(text)))
        exact, detail = _exact(cost), json.loads(cost) if cost else None  # cents from the exact, detail as it was
        cost_currency = detail.pop("currency", None) if detail else None
        for key, _ in COST_MONEY:
            amount_cents, currency = cents_and_currency(exact.get(key) if exact else None)
            if detail:
                detail.pop(key, None)
            cost_currency = cost_currency or currency
            values.append(amount_cents)
        assignments = [c for _, c, cur in PILOT_MONEY for c in (c, cur)] + [c for _, c in COST_MONEY]
        db.execute(
            f"UPDATE pilots SET {', '.join(f'{c} = ?' for c in assignments)}, cost_currency = ?, cost = ? WHERE id = ?",
            [*values, cost_currency, json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None, row_id],
        )
    for column, _, _ in PILOT_MONEY:
        db.execute(f"ALTER TABLE pilots DROP COLUMN {column}")

    for _, cents in PLAN_MONEY:
        db.execute(f"ALTER TABLE recovery_plans ADD COLUMN {cents} INTEGER NOT NULL DEFAULT 0")
    for run_id, *amounts in db.execute(
            f"SELECT run_id, {', '.join(c for c, _ in PLAN_MONEY)} FROM recovery_plans").fetchall():
        cents = [cents_and_currency(_exact(text))[0] or 0 for text in amounts]
        db.execute(f"UPDATE recovery_plans SET {', '.join(f'{c} = ?' for _, c in PLAN_MONEY)} WHERE run_id = ?",
                   [*cents, run_id])
    for column, _ in PLAN_MONEY:
        db.execute(f"ALTER TABLE recovery_plans DROP COLUMN {column}")

    db.execute("ALTER TABLE recovery_opportunities ADD COLUMN amount_cents INTEGER NOT NULL DEFAULT 0")
    for row_id, amount in db.execute("SELECT id, amount FROM recovery_opportunities").fetchall():
        db.execute("UPDATE recovery_opportunities SET amount_cents = ? WHERE id = ?",
                   [cents_and_currency(_exact(amount))[0] or 0, row_id])
    db.execute("ALTER TABLE recovery_opportunities DROP COLUMN amount")


def m0008_crm_deals(db: Database) -> None:
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
def m0009_inbox(db: Database) -> None:
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


def m0014_team_settings(db: Database) -> None:
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


def m0017_account_map(db: Database) -> None:
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


def m0010_views(db: Database) -> None:
    """Views for people reading the database (``rebound browse``, any SQLite client): amounts as
    numbers, a debrief's free text as columns, no ``json_extract`` needed. See ``views_0010``."""
    from bot.store.views_0010 import create_views

    create_views(db)


def m0013_debrief_review_notes(db: Database) -> None:
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


def m0015_team_factors(db: Database) -> None:
    """The ratings of the ranking factors a team adds in its teams file (``factors:``), per
    opportunity: a JSON object ``{"partner_influence": 4}``, NULL when none are known."""
    db.execute("ALTER TABLE recovery_opportunities ADD COLUMN factors TEXT")


def m0016_debrief_involvement_hours(db: Database) -> None:
    """Who else worked a lost deal (JSON list of roles, ``["nobody"]`` when the seller was
    alone, NULL when not said) and roughly how many hours the team put in (NULL when not said):
    the weekly summary counts deals lost single-handed, `rebound costs` prices the hours."""
    db.execute("ALTER TABLE debrief_facts ADD COLUMN involved TEXT")
    db.execute("ALTER TABLE debrief_facts ADD COLUMN team_hours REAL")


MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = [
    ("0001_core", m0001_core),
    ("0002_outbox_jobs", m0002_outbox_jobs),
    ("0003_reports", m0003_reports),
    ("0004_pilots", m0004_pilots),
    ("0005_recovery", m0005_recovery),
    ("0006_outbox_lanes", m0006_outbox_lanes),
    ("0007_money_cents", m0007_money_cents),
    ("0008_crm_deals", m0008_crm_deals),
    ("0009_inbox", m0009_inbox),
    ("0010_views", m0010_views),
    ("0013_debrief_review_notes", m0013_debrief_review_notes),
    ("0014_team_settings", m0014_team_settings),
    ("0015_team_factors", m0015_team_factors),
    ("0016_debrief_involvement_hours", m0016_debrief_involvement_hours),
    ("0017_account_map", m0017_account_map),
]
