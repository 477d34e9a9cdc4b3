"""The canned queries ``rebound browse`` ships: what managers ask, answered from the views of
migration ``0010_views`` (no ``json_extract``). Each takes optional ``:since`` and ``:until``
(dates, YYYY-MM-DD, both included) and ``:team``; left empty, they do not narrow anything.
"""

from __future__ import annotations

from typing import Any

_RANGE = "(:since = '' OR lost_on >= :since) AND (:until = '' OR lost_on <= :until) AND (:team = '' OR team = :team)"
_LOSS_TOTALS = ("COUNT(*) AS deals, ROUND(COALESCE(SUM(amount_cents), 0) / 100.0, 2) AS lost,"
                " COALESCE(SUM(avoidable), 0) AS avoidable")
# The Monday of a day's week (SQLite's %w counts from Sunday = 0).
_WEEK_OF = "date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"

QUERIES: dict[str, dict[str, Any]] = {
    "losses_by_reason": {
        "title": "Losses by reason",
        "description": "Deals lost and value lost per main reason and currency, between two dates (lost_on).",
        "sql": f"SELECT reason, currency, {_LOSS_TOTALS} FROM losses WHERE {_RANGE}"
               " GROUP BY reason, currency ORDER BY lost DESC, deals DESC, reason",
    },
    "losses_by_competitor": {
        "title": "Losses by competitor",
        "description": "Deals lost to each competitor (spelling and case folded together), between two dates.",
        "sql": f"SELECT MIN(competitor) AS competitor, currency, {_LOSS_TOTALS} FROM losses"
               f" WHERE competitor IS NOT NULL AND competitor != '' AND {_RANGE}"
               " GROUP BY lower(competitor), currency ORDER BY lost DESC, deals DESC, lower(competitor)",
    },
    "losses_by_seller": {
        "title": "Losses by seller",
        "description": "Deals lost per seller, how many were avoidable in their view and how many a manager "
                       "reviewed, between two dates.",
        "sql": f"SELECT seller, team, currency, {_LOSS_TOTALS}, COUNT(reviewed_by) AS reviewed FROM losses"
               f" WHERE {_RANGE} GROUP BY seller, team, currency ORDER BY lost DESC, deals DESC, seller",
    },
    "avoidable_losses": {
        "title": "Avoidable losses",
        "description": "The losses sellers called avoidable, biggest first: where coaching pays off.",
        "sql": "SELECT lost_on, team, seller, deal, account, amount, currency, reason, competitor, what_happened,"
               f" do_differently, reviewed_by FROM losses WHERE avoidable = 1 AND {_RANGE}"
               " ORDER BY amount_cents DESC, lost_on, run_id",
    },
    "pilot_conversion": {
        "title": "Pilot conversion",
        "description": "Pilots ending between two dates (cancelled ones left out): how many were decided, how "
                       "many bought the full deal, by count and by value.",
        "sql": "SELECT team, currency, COUNT(*) AS pilots, COUNT(converted) AS decided,"
               " COALESCE(SUM(converted), 0) AS converted,"
               " ROUND(100.0 * SUM(converted) / NULLIF(COUNT(converted), 0), 1) AS conversion_percent,"
               " SUM(pilot_fee) AS pilot_fees, SUM(deal_value) AS value_at_stake,"
               " SUM(CASE WHEN converted = 1 THEN deal_value ELSE 0 END) AS converted_value"
               " FROM pilot_results WHERE status != 'cancelled' AND (:since = '' OR end_date >= :since)"
               " AND (:until = '' OR end_date <= :until) AND (:team = '' OR team = :team)"
               " GROUP BY team, currency ORDER BY team, currency",
    },
    "cost_of_mistakes": {
        "title": "The cost of mistakes",
        "description": "Pilots that went wrong and what they cost: hours, effort at hourly cost, value lost and "
                       "the net result, biggest loss first.",
        "sql": "SELECT closed_on, team, seller, account, outcome, action, cost_hours, cost_effort, cost_value_lost,"
               " cost_net, cost_currency FROM pilot_results WHERE cost_currency IS NOT NULL"
               " AND (:since = '' OR closed_on >= :since) AND (:until = '' OR closed_on <= :until)"
               " AND (:team = '' OR team = :team) ORDER BY cost_value_lost DESC, pilot_id",
    },
    "recovery_by_rep": {
        "title": "Recovery progress per rep",
        "description": "Per rep and currency: lost, kept and left to replace over their plans, won back since "
                       "their first plan, the gap left and the open pipeline.",
        "sql": "WITH plans AS (SELECT seller, MIN(team) AS team, currency, COUNT(*) AS plans, SUM(lost) AS lost,"
               " SUM(retained) AS retained, SUM(unrecovered) AS unrecovered, MIN(submitted_at) AS first_plan"
               " FROM recovery_plan_amounts WHERE :team = '' OR team = :team GROUP BY seller, currency),"
               " progress AS (SELECT p.*, COALESCE((SELECT SUM(o.amount) FROM recovery_opportunity_amounts o"
               " WHERE o.seller = p.seller AND o.currency = p.currency AND o.status = 'won'"
               " AND o.won_at >= p.first_plan), 0) AS recovered, COALESCE((SELECT SUM(o.amount)"
               " FROM recovery_opportunity_amounts o WHERE o.seller = p.seller AND o.currency = p.currency"
               " AND o.status IN ('open', 'moved')), 0) AS open_pipeline FROM plans p)"
               " SELECT seller, team, currency, plans, lost, retained, unrecovered, recovered,"
               " MAX(unrecovered - recovered, 0) AS gap,"
               " ROUND(100.0 * MIN(recovered, unrecovered) / NULLIF(unrecovered, 0), 1) AS recovered_percent,"
               " open_pipeline FROM progress ORDER BY gap DESC, seller, currency",
    },
    "recovery_by_account": {
        "title": "Recovery progress per account",
        "description": "Per rep, account and currency: the opportunities worked to win the account back, what "
                       "was won and what is still open, beside the loss the rep's plans left to replace there.",
        "sql": "SELECT o.seller, MIN(COALESCE(o.account, o.name)) AS account, o.currency, COUNT(*) AS opportunities,"
               " SUM(o.status = 'won') AS won, COALESCE(SUM(CASE WHEN o.status = 'won' THEN o.amount END), 0)"
               " AS won_back, COALESCE(SUM(CASE WHEN o.status IN ('open', 'moved') THEN o.amount END), 0)"
               " AS open_pipeline, (SELECT SUM(p.unrecovered) FROM recovery_plan_amounts p WHERE p.seller = o.seller"
               " AND p.currency = o.currency AND lower(p.account) = lower(COALESCE(o.account, o.name)))"
               " AS unrecovered_loss FROM recovery_opportunity_amounts o WHERE :team = '' OR o.team = :team"
               " GROUP BY o.seller, lower(COALESCE(o.account, o.name)), o.currency"
               " ORDER BY won_back DESC, open_pipeline DESC, o.seller, account",
    },
}

# Debrief coverage: with the CRM intake, closed-lost deals debriefed per team and week (by
# count and by value); without it, the debriefs finished of those started.
COVERAGE_WITH_CRM = {
    "title": "Debrief coverage",
    "description": "Closed-lost deals per team, week (its Monday) and currency, and the share debriefed, by "
                   "count and by value.",
    "sql": f"SELECT team, {_WEEK_OF.format(day='lost_on')} AS week_of, currency, COUNT(*) AS closed_lost,"
           " SUM(debriefed) AS debriefed, ROUND(100.0 * SUM(debriefed) / COUNT(*), 1) AS coverage_percent,"
           " SUM(amount) AS value, SUM(CASE WHEN debriefed THEN amount ELSE 0 END) AS value_debriefed,"
           " ROUND(100.0 * SUM(CASE WHEN debriefed THEN amount ELSE 0 END) / NULLIF(SUM(amount), 0), 1)"
           f" AS value_coverage_percent FROM closed_lost WHERE {_RANGE}"
           " GROUP BY team, week_of, currency ORDER BY week_of DESC, team, currency",
}

# Closed-lost deals come from the CRM intake (crm_deals) and from debriefs of losses it never sent.
QUERIES["debrief_coverage"] = COVERAGE_WITH_CRM

__all__ = ["COVERAGE_WITH_CRM", "QUERIES"]
