"""A submitted debrief reduced to the typed facts the weekly numbers group by.

Written in the submit transaction (``bot.flows.debrief.service``) and rebuilt here for any submitted
debrief that has none (runs from before migration ``0003_reports``, or imported ones), so the
facts table is a cache of the runs, never a second source of truth.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot import clock
from bot.domain.taxonomy import LOSS_REASON_KEYS
from bot.domain.weekly import previous_weeks
from bot.flows.debrief import PLAYBOOK
from bot.flows.hooks import FlowTools
from bot.store import reports
from bot.store import runs as run_store
from bot.store.runs import Run
from bot.values.money import cents_and_currency

log = logging.getLogger("rebound.jobs")

# Free text kept for display only (stories, quotes, lessons): never grouped by.
DETAIL_STEPS = ("what_happened", "customer_words", "do_differently", "product_lesson", "enablement_lesson", "crm_ref",
                "competitor_showed")


def week_of(submitted_at: str, tz: str | None) -> str:
    """The ISO week of a UTC timestamp on the calendar of ``tz``: a debrief sent at 23:30 on
    Sunday in Los Angeles belongs to that week, although it is Monday in UTC."""
    moment = datetime.fromisoformat(submitted_at)
    return clock.iso_week(moment.astimezone(ZoneInfo(tz or "UTC")).date())


def _close_week(value: Any) -> str | None:
    try:
        return clock.iso_week(date.fromisoformat(str(value)[:10])) if value else None
    except ValueError:
        return None


_amount = cents_and_currency  # an amount answer as the (cents, currency) the facts table stores


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def fact_of(run: Run, values: Mapping[str, Any], tz: str | None) -> dict[str, Any]:
    """The fact row of a submitted debrief run from its final values (answers and computed)."""
    amount_cents, currency = _amount(values.get("amount"))
    retained_cents, retained_currency = _amount(values.get("retained_amount") if values.get("lost_renewal") else None)
    unrecovered_cents, _ = _amount(values.get("unrecovered_amount"))
    primary = values.get("primary_reason")
    if primary not in LOSS_REASON_KEYS:
        primary = "unknown"  # a run of an older playbook without the taxonomy: count it, as unknown
    others = [r for r in (values.get("other_reasons") or values.get("secondary_reasons") or []) if r != primary]
    avoidable = values.get("avoidable")
    involved = [role for role in values.get("involved") or [] if isinstance(role, str)]
    if len(involved) > 1 and "nobody" in involved:
        involved.remove("nobody")  # "nobody" beside a role: the role is what happened
    hours = values.get("team_hours")
    submitted_at = run.submitted_at or run.updated_at
    return {
        "run_id": run.id,
        "team": run.team,
        "user_id": run.user_id,
        # A loss belongs to the week of its close date (the CRM's, or the one the rep gave),
        # not of its debrief; without one, the week it was debriefed.
        "week": _close_week(values.get("close_date")) or week_of(submitted_at, tz),
        "submitted_at": submitted_at,
        "deal": _text(values.get("deal")) or "(deal not named)",
        "account": _text(values.get("account")),
        "amount_cents": amount_cents,
        "currency": currency,
        "retained_cents": retained_cents,
        "retained_currency": retained_currency,
        "unrecovered_cents": unrecovered_cents,
        "primary_reason": primary,
        "other_reasons": others,
        "competitor": _text(values.get("competitor_name") or values.get("competitor")),
        "gap": _text(values.get("gap_named") or values.get("gap_capability")),
        "avoidable": None if avoidable is None else bool(avoidable),
        "stage_lost": values.get("stage_lost"),
        "close_date": values.get("close_date"),
        "to_product": bool(values.get("to_product")),
        "to_enablement": bool(values.get("to_enablement")),
        "detail": {step: values[step] for step in DETAIL_STEPS if values.get(step)},
        "involved": involved or None,  # None: not said (skipped), unlike ["nobody"]
        "team_hours": None if hours is None else float(hours),
    }


def record(tools: FlowTools, run: Run) -> dict[str, Any]:
    """Compute and store the fact of a submitted debrief (joins the caller's transaction)."""
    team = tools.teams.get(run.team) if run.team else None
    fact = fact_of(run, tools.conversations.values(run), team.timezone if team else None)
    reports.save_fact(tools.store, fact)
    return fact


def window_start(week: str) -> str:
    """Where a summary of ``week`` needs facts from: the first day of its trend weeks, a day
    early so that no time zone's week starts before it (UTC ISO)."""
    first = clock.week_bounds(previous_weeks(week)[0])[0] - timedelta(days=1)
    return datetime.combine(first, time(0), tzinfo=timezone.utc).isoformat()


def ensure_facts(tools: FlowTools, week: str | None = None) -> int:
    """Record the fact of every submitted debrief that has none (only those a summary of
    ``week`` can show, when given); returns how many were added."""
    if PLAYBOOK not in tools.playbooks:
        return 0
    added = 0
    since = window_start(week) if week is not None else None
    for run_id in reports.runs_missing_facts(tools.store, PLAYBOOK, since=since):
        record(tools, run_store.get_run(tools.store, run_id))
        added += 1
    if added:
        log.info("debrief facts rebuilt count=%d", added)
    return added
