"""Pilots in the team's weekly summary, and the quarter view (conversion and the cost of mistakes).

Both read the ``pilots`` tables through :mod:`bot.store.pilots` and do the sums in
:mod:`bot.domain` (never across currencies); templates under prompts/pilot-plan/ format them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from bot.domain.costs import pilot_conversion
from bot.domain.money import add_amounts, plain_number, to_decimal
from bot.engine.model import Playbook
from bot.jobs.schedule import reminder_due_at
from bot.flows.pilots import OUTCOME_LABELS
from bot.flows.pilots import agreement as docs
from bot.flows.hooks import SummarySection
from bot.store import pilots as pilot_store
from bot.store.db import Store
from bot.store.outbox import to_iso
from bot.store.pilots import Pilot
from bot.files.teams import Team

WEEKLY_TEMPLATE = "pilot-plan/weekly_section.md.j2"
QUARTER_TEMPLATE = "pilot-plan/quarter.txt.j2"
_QUARTER = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)


def quarter_bounds(text: str) -> tuple[date, date]:
    """``2026-Q4`` -> (1 Oct 2026, 1 Jan 2027): the first day and the day after the last."""
    match = _QUARTER.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a quarter; write it like 2026-Q4")
    year, quarter = int(match[1]), int(match[2])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, end


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def pilot_row(store: Store, pilot: Pilot, playbook: Playbook) -> dict[str, Any]:
    """One pilot as the summaries show it (JSON-ready: templates and `--format json` share it)."""
    history = pilot_store.versions(store, pilot.id)
    return {
        "id": pilot.id, "account": pilot.account, "user_id": pilot.user_id, "team": pilot.team,
        "status": pilot.status, "version": pilot.version, "start_date": pilot.start_date,
        "end_date": pilot.end_date, "deal_value": pilot.deal_value, "pilot_fee": pilot.pilot_fee,
        "gap_count": pilot.gap_count, "gaps": history[-1].gaps if history else [],
        "outcome": pilot.outcome, "outcome_label": OUTCOME_LABELS.get(pilot.outcome or ""),
        "action": pilot.action, "action_label": docs.option_label(playbook, "all_met_action", pilot.action),
        "cost": pilot.cost,
    }


def weekly_provider(store: Store, playbook: Playbook) -> Callable[[Team, date, date], SummarySection | None]:
    """The pilots' SectionProvider (bot.flows.hooks) for the weekly summary."""

    def section(team: Team, week_start: date, next_monday: date) -> SummarySection | None:
        context = weekly_context(store, playbook, team, week_start, next_monday)
        if not any(context[key] for key in ("starting", "running", "ending", "outcomes", "gaps")):
            return None
        return SummarySection(key="pilots", title="Pilots", template=WEEKLY_TEMPLATE, context=context, order=40)

    return section


def weekly_context(store: Store, playbook: Playbook, team: Team, week_start: date, next_monday: date) -> dict[str, Any]:
    first, after = week_start.isoformat(), next_monday.isoformat()
    during = [p for p in pilot_store.list_pilots(store, team=team.id, active_from=first, active_until=after)
              if p.status != pilot_store.CANCELLED]
    starting = [p for p in during if first <= p.start_date < after]
    ending = [p for p in during if first <= p.end_date < after and p.live]
    running = [p for p in during if p.live and p not in starting and p not in ending]
    # Outcomes recorded during the team's local week (stored times are UTC).
    since = to_iso(reminder_due_at(week_start, "00:00", team.timezone))
    until = to_iso(reminder_due_at(next_monday, "00:00", team.timezone))
    outcomes = [
        {**pilot_row(store, pilot, playbook), "outcome_label": OUTCOME_LABELS[outcome.outcome],
         "action_label": docs.option_label(playbook, "all_met_action", outcome.action),
         "measurements": outcome.measurements, "round": outcome.round}
        for pilot, outcome in pilot_store.outcomes_recorded(store, since, until, team=team.id)
    ]
    live = pilot_store.list_pilots(store, team=team.id, statuses=pilot_store.LIVE)
    quarter = quarter_of(week_start)
    return {
        "team": {"id": team.id, "name": team.name},
        "week_start": first,
        "starting": [pilot_row(store, p, playbook) for p in starting],
        "running": [pilot_row(store, p, playbook) for p in running],
        "ending": [pilot_row(store, p, playbook) for p in ending],
        "outcomes": outcomes,
        "gaps": [pilot_row(store, p, playbook) for p in live if p.gap_count],
        "quarter": quarter_view(store, playbook, quarter, team=team.id),
    }


def _mistakes(pilots: Iterable[Pilot], currency: str) -> dict[str, Any]:
    costs = [p.cost for p in pilots if p.cost]
    hours = sum((to_decimal(cost["hours"]) for cost in costs), Decimal(0))
    return {
        "count": len(costs),
        "hours": plain_number(hours),
        "effort": add_amounts([c["effort_cost"] for c in costs], currency=currency),
        "value_lost": add_amounts([c["value_lost"] for c in costs], currency=currency),
        "recovered": add_amounts([c["recovered_value"] for c in costs], currency=currency),
        "net": add_amounts([c["net"] for c in costs], currency=currency),
    }


def quarter_view(store: Store, playbook: Playbook, quarter: str, *, team: str | None = None) -> dict[str, Any]:
    """Pilots whose end date falls in ``quarter``: how many converted to the full deal, by count
    and by value, and what the mistakes cost. One block per currency (never converted).

    A pilot counts as decided once closed (bought, re-scoped or stopped); an extended one is
    still running. Cancelled pilots are listed but not counted.
    """
    start, end = quarter_bounds(quarter)
    pilots = pilot_store.list_pilots(store, team=team, ending_from=start.isoformat(), ending_before=end.isoformat())
    counted = [p for p in pilots if p.status != pilot_store.CANCELLED and p.deal_value]
    by_currency: dict[str, list[Pilot]] = {}
    for pilot in counted:
        by_currency.setdefault(pilot.deal_value["currency"], []).append(pilot)
    currencies = []
    for currency, group in by_currency.items():
        conversion = pilot_conversion([
            {"deal_value": p.deal_value, "pilot_fee": p.pilot_fee if p.pilot_fee and p.pilot_fee.get("currency") == currency else None,
             "action": p.action if p.status == pilot_store.CLOSED else None}
            for p in group
        ])
        currencies.append({"currency": currency, "conversion": conversion.to_dict(),
                           "mistakes": _mistakes(group, currency)})
    return {
        "quarter": quarter_of(start), "start": start.isoformat(), "last_day": date.fromordinal(end.toordinal() - 1).isoformat(),
        "team": team, "currencies": currencies,
        "pilots": [pilot_row(store, p, playbook) for p in pilots],
        "cancelled": sum(1 for p in pilots if p.status == pilot_store.CANCELLED),
        "with_gaps": sum(1 for p in pilots if p.gap_count and p.status != pilot_store.CANCELLED),
    }
