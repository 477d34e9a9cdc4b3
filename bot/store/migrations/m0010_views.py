"""Migration ``0010_views``: SQL views over the typed tables, for people reading the database.

Datasette (``rebound browse``), sqlite-utils or any SQLite client can answer "what did we
lose to Samsara last quarter" from these without ``json_extract``: amounts are plain numbers
beside their currency (``amount``; the exact ``*_cents`` stay beside them for sums), the
free text a debrief keeps in JSON gets a column each, and a loss has the day it was lost on.

Like any migration this SQL is frozen once shipped: a change is a new migration that drops
and recreates a view. The views read the tables; nothing writes through them.
"""

from __future__ import annotations

from sqlite_utils import Database

# A loss belongs to the day it closed (the rep's close date), else the day it was debriefed.
_LOST_ON = "COALESCE(substr(f.close_date, 1, 10), substr(f.submitted_at, 1, 10))"

VIEWS: dict[str, str] = {
    # One row per debriefed loss, with the manager's review.
    "losses": f"""
        SELECT f.run_id, f.team, f.user_id AS seller, {_LOST_ON} AS lost_on, f.week,
               substr(f.submitted_at, 1, 10) AS debriefed_on, f.deal, f.account,
               f.amount_cents / 100.0 AS amount, f.currency, f.amount_cents,
               f.retained_cents / 100.0 AS retained, f.unrecovered_cents / 100.0 AS unrecovered,
               f.primary_reason AS reason, trim(f.competitor) AS competitor, f.gap, f.avoidable, f.stage_lost,
               f.to_product, f.to_enablement, v.reviewed_by, v.reviewed_at, v.one_on_one_by,
               json_extract(f.detail, '$.what_happened') AS what_happened,
               json_extract(f.detail, '$.customer_words') AS customer_words,
               json_extract(f.detail, '$.do_differently') AS do_differently,
               json_extract(f.detail, '$.product_lesson') AS product_lesson,
               json_extract(f.detail, '$.enablement_lesson') AS enablement_lesson,
               json_extract(f.detail, '$.crm_ref') AS crm_ref
        FROM debrief_facts f LEFT JOIN debrief_reviews v ON v.run_id = f.run_id
    """,
    # Every reason a loss names, the main one and the others, one row each.
    "loss_reasons": f"""
        SELECT f.run_id, f.team, f.user_id AS seller, {_LOST_ON} AS lost_on, f.primary_reason AS reason,
               1 AS is_primary, f.amount_cents / 100.0 AS amount, f.currency
        FROM debrief_facts f
        UNION ALL
        SELECT f.run_id, f.team, f.user_id, {_LOST_ON}, r.value, 0, f.amount_cents / 100.0, f.currency
        FROM debrief_facts f, json_each(f.other_reasons) r
    """,
    # Every debrief started: finished, still open, or cancelled (how many get finished).
    "debrief_runs": """
        SELECT r.id AS run_id, r.team, r.user_id AS seller, r.status, substr(r.started_at, 1, 10) AS started_on,
               substr(r.submitted_at, 1, 10) AS submitted_on, substr(r.cancelled_at, 1, 10) AS cancelled_on,
               json_extract(a.value, '$') AS deal
        FROM runs r LEFT JOIN answers a ON a.run_id = r.id AND a.step_id = 'deal'
        WHERE r.playbook = 'debrief'
    """,
    # One row per pilot: its money as numbers, whether it converted, and what a mistake cost.
    "pilot_results": """
        SELECT p.id AS pilot_id, p.team, p.user_id AS seller, p.account, p.status, p.version,
               p.start_date, p.end_date, p.deal_value_currency AS currency,
               p.deal_value_cents / 100.0 AS deal_value, p.pilot_fee_cents / 100.0 AS pilot_fee,
               p.gap_count AS open_items, p.outcome, p.action,
               CASE WHEN p.action IS NULL THEN NULL WHEN p.action = 'buy' THEN 1 ELSE 0 END AS converted,
               json_extract(p.cost, '$.hours') AS cost_hours, p.cost_effort_cents / 100.0 AS cost_effort,
               p.cost_value_lost_cents / 100.0 AS cost_value_lost, p.cost_net_cents / 100.0 AS cost_net,
               p.cost_currency, substr(p.closed_at, 1, 10) AS closed_on
        FROM pilots p
    """,
    # Each submitted /recover plan, with the account of the debrief it started from.
    "recovery_plan_amounts": """
        SELECT p.run_id, p.user_id AS seller, p.team, COALESCE(f.account, f.deal) AS account, p.currency,
               p.lost_cents / 100.0 AS lost, p.retained_cents / 100.0 AS retained,
               p.unrecovered_cents / 100.0 AS unrecovered, p.pipeline_to_add_cents / 100.0 AS pipeline_to_add,
               p.multiple, substr(p.submitted_at, 1, 10) AS submitted_on, p.submitted_at
        FROM recovery_plans p LEFT JOIN debrief_facts f ON f.run_id = p.source_run_id
    """,
    # The opportunities reps work to win the loss back, amounts as numbers.
    "recovery_opportunity_amounts": """
        SELECT o.id, o.user_id AS seller, o.team, o.name, o.account, o.amount_cents / 100.0 AS amount,
               o.currency, o.status, o.probability, o.close_date, o.stage, o.source,
               substr(o.won_at, 1, 10) AS won_on, o.won_at
        FROM recovery_opportunities o
    """,
}


# Closed-lost deals as the coverage counts them: the CRM's still in the loop, and the debriefs
# no CRM deal answers (a loss the rep brought on their own). Only with the CRM intake (0008).
CLOSED_LOST = f"""
    SELECT 'crm' AS source, d.crm_id, d.team, d.user_id AS seller, d.name AS deal, d.account,
           substr(d.close_date, 1, 10) AS lost_on, d.amount_cents / 100.0 AS amount, d.currency,
           d.status = 'debriefed' AS debriefed, d.run_id
    FROM crm_deals d WHERE d.status != 'out'
    UNION ALL
    SELECT 'debrief', NULL, f.team, f.user_id, f.deal, f.account, {_LOST_ON}, f.amount_cents / 100.0, f.currency,
           1, f.run_id
    FROM debrief_facts f
    WHERE NOT EXISTS (SELECT 1 FROM crm_deals d WHERE d.run_id = f.run_id AND d.status != 'out')
"""


def migrate(db: Database) -> None:
    """Views for people reading the database (``rebound browse``, any SQLite client): amounts as
    numbers, a debrief's free text as columns, no ``json_extract`` needed."""
    for name, sql in VIEWS.items():
        db.execute(f"CREATE VIEW {name} AS {sql}")
    # A view over a missing table would break every later ALTER TABLE (SQLite re-checks views).
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'crm_deals'").fetchone():
        db.execute(f"CREATE VIEW closed_lost AS {CLOSED_LOST}")


__all__ = ["CLOSED_LOST", "VIEWS", "migrate"]
