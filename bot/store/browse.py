"""What ``rebound browse`` shows in Datasette: titles and descriptions, hidden internals, canned queries.

A sales ops person opens the database to slice the numbers themselves. They see the tables
and views people read, each with a title and every column described; the machinery (inbox,
outbox, job claims, delivery keys, reminder state) is hidden; and the questions managers ask
most are canned queries with a date range. The queries read the views of migration
``0010_views``, so none of them digs into JSON.

Datasette's metadata format (0.65): ``databases.<name>.tables.<table>`` with ``title``,
``description``, ``hidden`` and ``columns`` (column -> description), and
``databases.<name>.queries.<name>`` with ``sql``, ``title`` and ``description`` (the queries
are in :mod:`bot.store.browse_queries`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.store.browse_queries import QUERIES
from bot.store.db import Store

# Tables of the machinery, not of the business: hidden from the table list.
HIDDEN = ("inbox", "inbox_worked", "outbox", "job_runs", "deliveries", "reminders", "answer_history", "schema_migrations",
          "crm_owner_emails", "checked_files")

# Columns that mean the same wherever they appear.
COMMON_COLUMNS = {
    "run_id": "The conversation (run) this row comes from.",
    "team": "The team's id in the teams file.",
    "user_id": "The person's Slack member id.",
    "seller": "The seller's Slack member id.",
    "currency": "ISO currency code of the amounts beside it; amounts in different currencies are never added up.",
    "account": "The customer account.",
    "deal": "The deal's name as the seller gave it.",
    "status": "Where it stands now.",
    "created_at": "When it was first recorded (UTC).",
    "updated_at": "When it last changed (UTC).",
    "submitted_at": "When it was submitted (UTC).",
    "submitted_on": "The day it was submitted (UTC).",
    "lost_on": "The day the deal was lost: its close date, or the day it was debriefed when none was given.",
    "amount": "The amount, as a number (in currency).",
    "close_date": "The close date (YYYY-MM-DD).",
}

TABLES: dict[str, dict[str, Any]] = {
    "losses": {
        "title": "Losses (one row per debriefed deal)",
        "description": "Every debriefed closed-lost deal with its amount, reason, the seller's story and the "
                       "manager's review. A view over debrief_facts and debrief_reviews.",
        "columns": {
            "week": "The ISO week of the weekly summary that counts it (e.g. 2026-W47).",
            "debriefed_on": "The day the debrief was submitted.",
            "amount_cents": "The amount in cents (exact; divide by 100).",
            "retained": "What a lost renewal kept, as a number.",
            "unrecovered": "Lost minus retained, as a number.",
            "reason": "The main loss reason (price, competitor, no_decision, budget_gone, timing, product_gap, "
                      "relationship, pilot_failed, incumbent_stayed, other, unknown).",
            "competitor": "The competitor the deal went to, if any.",
            "gap": "The missing capability, for product gaps.",
            "avoidable": "1 when the seller thinks the loss was avoidable, 0 when not, empty if not said.",
            "stage_lost": "The sales stage the deal died at.",
            "to_product": "1 when its lesson was routed to product.",
            "to_enablement": "1 when its lesson was routed to enablement.",
            "reviewed_by": "The manager who marked the debrief reviewed.",
            "reviewed_at": "When it was marked reviewed (UTC).",
            "one_on_one_by": "The manager who planned a one-to-one review of it.",
            "what_happened": "The seller's account of what happened.",
            "customer_words": "What the customer said, in their words.",
            "do_differently": "What we could have done differently.",
            "product_lesson": "The lesson for product.",
            "enablement_lesson": "The lesson for enablement.",
            "crm_ref": "The CRM link or id.",
        },
    },
    "loss_reasons": {
        "title": "Loss reasons (main and other)",
        "description": "Every reason a debrief names, one row each: the main reason (is_primary = 1) and the others.",
        "columns": {"reason": "A loss reason from the taxonomy.", "is_primary": "1 for the main reason, 0 for another."},
    },
    "debrief_runs": {
        "title": "Debriefs started",
        "description": "Every debrief a seller started: submitted, still open or cancelled.",
        "columns": {"started_on": "The day it was started.", "cancelled_on": "The day it was cancelled."},
    },
    "closed_lost": {
        "title": "Closed-lost deals (CRM and debriefs)",
        "description": "The CRM's closed-lost deals still in the loop, and debriefs no CRM deal answers: what "
                       "debrief coverage counts.",
        "columns": {"source": "crm (imported) or debrief (a loss the seller brought on their own).",
                    "crm_id": "The deal's id in the CRM.", "debriefed": "1 when a debrief covers it."},
    },
    "pilot_results": {
        "title": "Pilots: conversion and cost",
        "description": "One row per pilot: its money as numbers, the outcome, whether it converted to the full "
                       "deal, and what a mistake cost.",
        "columns": {
            "pilot_id": "The pilot's id.", "version": "How many times the agreement was edited, plus one.",
            "start_date": "The pilot's first day.", "end_date": "The pilot's last day (moved by an extension).",
            "deal_value": "The full deal at stake.", "pilot_fee": "What the customer pays for the pilot.",
            "open_items": "Gaps left open in the agreement.",
            "outcome": "all_met, partly_met, not_met, inconclusive or blocked.",
            "action": "What happened next: buy, extend, re_scope or stop.",
            "converted": "1 when the customer bought the full deal, 0 when decided otherwise, empty while undecided.",
            "cost_hours": "Hours the team put into a pilot that went wrong.",
            "cost_effort": "Those hours at their hourly cost.", "cost_value_lost": "Full value minus what was saved.",
            "cost_net": "What was saved minus the effort (negative: the rescue cost more).",
            "cost_currency": "Currency of the cost figures.", "closed_on": "The day the pilot closed.",
        },
    },
    "recovery_plan_amounts": {
        "title": "Recovery plans",
        "description": "Each submitted /recover plan: what was lost, kept and left to replace, and the pipeline to add.",
        "columns": {"lost": "The lost revenue.", "retained": "What the customer kept.",
                    "unrecovered": "Lost minus retained: what the plan replaces.",
                    "pipeline_to_add": "The multiple times the unrecovered loss: pipeline to build.",
                    "multiple": "The coverage multiple used (3 means 3x)."},
    },
    "recovery_opportunity_amounts": {
        "title": "Recovery opportunities",
        "description": "The opportunities reps work to win a loss back, typed in a plan or imported from the CRM.",
        "columns": {"id": "The opportunity's id.", "name": "The opportunity.",
                    "probability": "Chance to win, 0 to 1.", "stage": "Its sales stage.",
                    "source": "typed (in a plan) or csv (imported).",
                    "won_on": "The day it was marked won.", "won_at": "When it was marked won (UTC)."},
    },
    "runs": {
        "title": "Conversations (runs)",
        "description": "Every guided conversation: which playbook, whose, and where it stands.",
        "columns": {"id": "The run's id.", "playbook": "debrief, graceful-no, pilot-plan or recover.",
                    "playbook_version": "The playbook's version when it started.",
                    "cursor": "The step it is at (for one in progress).", "skipped": "Steps skipped (JSON list).",
                    "source": "Where it was answered: slack, terminal or import.", "meta": "Bookkeeping (JSON).",
                    "started_at": "When it started (UTC).", "cancelled_at": "When it was cancelled (UTC)."},
    },
    "answers": {
        "title": "Answers",
        "description": "The latest answer to each question of each conversation, as JSON (the views above read "
                       "them typed).",
        "columns": {"step_id": "The question's id in the playbook.", "value": "The answer (JSON).",
                    "answered_at": "When it was answered (UTC)."},
    },
    "debrief_facts": {
        "title": "Debrief facts",
        "description": "Each submitted debrief reduced to the typed columns the weekly numbers group by (the "
                       "losses view reads it with amounts as numbers).",
        "columns": {"week": "The ISO week of the summary that counts it.", "amount_cents": "Lost amount in cents.",
                    "retained_cents": "Kept on a lost renewal, in cents.",
                    "retained_currency": "Currency of the retained amount.",
                    "unrecovered_cents": "Lost minus retained, in cents.", "primary_reason": "The main loss reason.",
                    "other_reasons": "Other reasons (JSON list).", "competitor": "The competitor, if any.",
                    "gap": "The missing capability.", "avoidable": "1 avoidable, 0 not, empty if not said.",
                    "stage_lost": "The stage it died at.", "to_product": "1 when routed to product.",
                    "to_enablement": "1 when routed to enablement.", "detail": "The seller's free text (JSON).",
                    "involved": "Who else worked the deal (JSON list; [\"nobody\"] when the seller was alone).",
                    "team_hours": "Roughly how many hours the team put in, if the seller said."},
    },
    "debrief_reviews": {
        "title": "Debrief reviews",
        "description": "Managers' reviews of debriefs.",
        "columns": {"reviewed_by": "Manager who marked it reviewed.", "reviewed_at": "When (UTC).",
                    "one_on_one_by": "Manager who planned a 1:1 review.", "one_on_one_at": "When (UTC)."},
    },
    "pilots": {
        "title": "Pilots",
        "description": "Pilots agreed with /pilot-plan, money in cents (pilot_results shows it as numbers).",
        "columns": {"id": "The pilot's id.", "version": "The agreement's version.",
                    "current_run_id": "The run of the current version.", "start_date": "First day.",
                    "end_date": "Last day.", "deal_value_cents": "Full deal at stake, in cents.",
                    "deal_value_currency": "Currency of the deal value.", "pilot_fee_cents": "Pilot fee, in cents.",
                    "pilot_fee_currency": "Currency of the pilot fee.", "gap_count": "Open items in the agreement.",
                    "outcome_round": "How many outcomes were recorded.", "outcome": "The latest outcome.",
                    "action": "The action agreed after it.",
                    "cost": "The cost of a mistake beyond its amounts: hours, people, round (JSON).",
                    "cost_currency": "Currency of the cost amounts.",
                    "cost_effort_cents": "Hours at their hourly cost, in cents.",
                    "cost_full_value_cents": "The full value at stake, in cents.",
                    "cost_recovered_cents": "What was saved, in cents.",
                    "cost_value_lost_cents": "Full value minus what was saved, in cents.",
                    "cost_net_cents": "What was saved minus the effort, in cents.",
                    "debrief_run_id": "The debrief of the lost deal, if any.", "meta": "Bookkeeping (JSON).",
                    "closed_at": "When it closed (UTC)."},
    },
    "pilot_versions": {
        "title": "Pilot agreement versions",
        "description": "Every version of each pilot's agreement.",
        "columns": {"pilot_id": "The pilot.", "version": "Version number.", "submitted_by": "Who submitted it.",
                    "gaps": "Open items (JSON list).", "changed": "What changed since the last version (JSON list)."},
    },
    "pilot_outcomes": {
        "title": "Pilot outcomes",
        "description": "Each outcome recorded for a pilot and what was done about it.",
        "columns": {"id": "Row id.", "pilot_id": "The pilot.", "round": "1 for the first outcome, 2 after an "
                    "extension ...", "outcome": "all_met, partly_met, not_met, inconclusive or blocked.",
                    "agreed_action": "What the agreement said to do.", "action": "What was done.",
                    "decided_by": "Who decided.", "measurements": "The criteria as measured (JSON).",
                    "recorded_by": "Who recorded it.", "recorded_at": "When (UTC).",
                    "action_at": "When the action was recorded (UTC)."},
    },
    "recovery_plans": {
        "title": "Recovery plans (raw)",
        "description": "Each submitted /recover plan, amounts in cents (recovery_plan_amounts shows them with "
                       "the account).",
        "columns": {"lost_cents": "Lost revenue, in cents.", "retained_cents": "Kept, in cents.",
                    "unrecovered_cents": "Left to replace, in cents.", "pipeline_to_add_cents": "Pipeline to add, in cents.",
                    "multiple": "Coverage multiple.", "source_run_id": "The debrief it started from.",
                    "message_key": "Bookkeeping: the plan's message."},
    },
    "recovery_opportunities": {
        "title": "Recovery opportunities (raw)",
        "description": "Opportunities reps work to win losses back (recovery_opportunity_amounts shows amounts "
                       "as numbers).",
        "columns": {"id": "Row id.", "key": "Normalised account and name (one row each).", "name": "The opportunity.",
                    "amount_cents": "Its value, in cents.",
                    "probability": "Chance to win, 0 to 1.", "stage": "Sales stage.",
                    "strategic_fit": "Rating 1-5.", "relationship": "Rating 1-5.", "effort": "Rating 1-5 (effort needed).",
                    "source": "typed or csv.", "status_at": "When the status last changed (UTC).",
                    "won_at": "When it was won (UTC).",
                    "factors": "Ratings 1-5 of the factors the team added in its teams file (JSON), if any."},
    },
    "recovery_account_units": {
        "title": "Recovery account map",
        "description": "The departments, offices or business units of a lost account, mapped per loss to win it "
                       "back piece by piece.",
        "columns": {"id": "Row id.", "plan_run_id": "The recovery plan (its run) the unit belongs to.",
                    "key": "The unit's name, normalised (one row each).", "name": "The department, office or unit.",
                    "contact": "Who we know there.", "relationship": "none, contact or champion.",
                    "value_cents": "What the unit could be worth, in cents.", "next_step": "The next step agreed.",
                    "next_date": "When the next step is due.", "won_at": "When it was won back (UTC)."},
    },
    "signed_contracts": {
        "title": "Signed contracts (the book)",
        "description": "Signed revenue per rep, account and contract (rebound book import), to see how much sits "
                       "in one contract before a renewal is at risk.",
        "columns": {"id": "Row id.", "key": "Normalised account and contract (one row each).",
                    "contract": "The contract.", "department": "The department it covers, if any.",
                    "amount_cents": "Its value, in cents.", "import_id": "The import it came from.",
                    "imported_at": "When it was imported (UTC)."},
    },
    "team_settings": {
        "title": "Team settings changed in Slack",
        "description": "Settings a manager changed from App Home, over the teams file: one row per team and setting.",
        "columns": {"name": "The setting.", "value": "Its value (JSON).", "changed_by": "Who changed it.",
                    "changed_at": "When (UTC)."},
    },
    "crm_deals": {
        "title": "Closed-lost deals from the CRM",
        "description": "One row per CRM deal taken in by rebound crm import or POST /crm/closed-lost, with its "
                       "owner and whether it has been debriefed (the closed_lost view shows amounts as numbers).",
        "columns": {"crm_id": "The deal's id in the CRM (one row each).", "name": "The deal's name in the CRM.",
                    "amount_cents": "The deal's amount, in cents.", "stage": "The CRM stage it came with.",
                    "reason": "The CRM's loss reason, as the CRM spells it.", "competitor": "The competitor, if any.",
                    "owner_email": "The owner's email in the CRM.", "owner_name": "The owner's name in the CRM.",
                    "owner_slack_id": "The owner's Slack id, when the CRM sent it.",
                    "owner_via": "How the owner was found: given, lookup (Slack, by email) or teams_file.",
                    "source": "csv or webhook.", "fingerprint": "A hash of what the CRM sent, to tell a change "
                    "from a repeat.", "nudged_at": "When the owner was asked for the debrief (UTC).",
                    "reminded_at": "When the one reminder went (UTC).",
                    "disowned_by": "Who said \"Not mine\", if anyone."},
    },
    "debrief_review_notes": {
        "title": "Managers' review notes",
        "description": "What a manager noted when reviewing a debrief; the latest notes per debrief win.",
        "columns": {"id": "Row id.", "coaching_action": "The coaching action agreed with the seller.",
                    "loss_reason": "The loss reason as the manager sees it (the seller's stays in debrief_facts).",
                    "one_on_one_held": "1 when a 1:1 about it happened, 0 when not, empty if not said.",
                    "written_by": "The manager who wrote the notes.", "written_at": "When (UTC)."},
    },
    "recovery_weights": {
        "title": "Recovery factor weights",
        "description": "Each member's weights for ranking opportunities; the team's are their average.",
        "columns": {"weights": "Factor -> points (JSON)."},
    },
    "recovery_team_settings": {
        "title": "Recovery team settings",
        "description": "Weights a manager locked for the team, and the concentration threshold.",
        "columns": {"locked_weights": "Weights in force for everyone (JSON), if locked.",
                    "locked_by": "Who locked them.", "locked_at": "When (UTC).",
                    "concentration_threshold": "Share of revenue in one contract that counts as concentrated.",
                    "updated_by": "Who last changed a setting."},
    },
}

def described_columns(table: str, columns: Iterable[str]) -> dict[str, str]:
    """``table``'s columns with their descriptions (its own, else the common ones); undescribed ones left out."""
    own = TABLES.get(table, {}).get("columns", {})
    return {c: own.get(c) or COMMON_COLUMNS[c] for c in columns if c in own or c in COMMON_COLUMNS}


def metadata(database: str, columns_by_table: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Datasette metadata for the database named ``database``, given its tables and views with their columns."""
    described: dict[str, Any] = {}
    for name in sorted(columns_by_table):
        if name in HIDDEN:
            described[name] = {"hidden": True}
        elif name in TABLES:
            entry = {key: value for key, value in TABLES[name].items() if key != "columns"}
            entry["columns"] = described_columns(name, columns_by_table[name])
            described[name] = entry
    queries = dict(QUERIES)
    return {
        "title": "Rebound: lost deals, pilots and recovery",
        "description": "Read-only. Start with the canned queries, or the losses, pilot_results and recovery views. "
                       "Amounts are never added across currencies.",
        "databases": {database: {"tables": described, "queries": queries}},
    }


def columns_by_table(store: Store) -> dict[str, list[str]]:
    """Every table and view of the database with its columns, in order."""
    names = [row[0] for row in store.db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: [row[1] for row in store.db.execute(f"PRAGMA table_info('{name}')")] for name in names}


__all__ = ["COMMON_COLUMNS", "HIDDEN", "QUERIES", "TABLES", "columns_by_table",
           "described_columns", "metadata"]
