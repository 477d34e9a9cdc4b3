"""`rebound costs --quarter`: what mistakes cost, for every loss and every pilot.

Lost deals (debriefs dated in the quarter by their close date, else their submission day):
the hours the team put in at its ``hourly_cost`` from the teams file, the value lost, and the
avoidable part of both. Pilots ending in the quarter: the funnel (started, bought, "should
have bought") and the pilots' own quarter view (conversion, the cost of failed pilots).
The sums are in :mod:`bot.domain.costs`; amounts stay per currency, never converted.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from bot.domain.costs import loss_costs, pilot_funnel
from bot.domain.money import Money, plain_number, to_decimal
from bot.domain.weekly import money
from bot.engine.model import Playbook
from bot.files.teams import Teams
from bot.flows.pilots.reports import quarter_bounds, quarter_of, quarter_view
from bot.store import pilots as pilot_store
from bot.store import reports
from bot.store.db import Store

TEMPLATE = "summary/costs.txt.j2"


def cost_view(store: Store, teams: Teams, pilot_playbook: Playbook | None, quarter: str, *,
              team: str | None = None) -> dict[str, Any]:
    """The quarter's cost of mistakes as JSON-ready data (the text template and ``--format json`` share it)."""
    start, end = quarter_bounds(quarter)
    rates = {t.id: t.hourly_cost.as_amount() for t in teams.teams if t.hourly_cost}
    chosen = [t for t in teams.teams if team in (None, t.id)]
    currencies = Counter(t.currency for t in chosen)
    first = min(currencies, key=lambda c: (-currencies[c], c)) if currencies else None  # most teams' currency
    facts = reports.losses_between(store, team, start.isoformat(), end.isoformat())
    losses = loss_costs([{"amount": money(f.get("amount_cents"), f.get("currency")), "hours": f.get("team_hours"),
                          "hourly_cost": rates.get(f.get("team") or ""), "avoidable": f.get("avoidable")}
                         for f in facts], first)
    pilots = [p for p in pilot_store.list_pilots(store, team=team, ending_from=start.isoformat(),
                                                 ending_before=end.isoformat())
              if p.status != pilot_store.CANCELLED]
    funnel = pilot_funnel({"outcome": p.outcome, "action": p.action if p.status == pilot_store.CLOSED else None,
                           "hours": (p.cost or {}).get("hours")} for p in pilots)
    pilot_view = quarter_view(store, pilot_playbook, quarter, team=team) if pilot_playbook else None
    pilot_mistakes = [c["mistakes"] for c in (pilot_view or {}).get("currencies", []) if c["mistakes"]["count"]]
    total_cost: dict[str, Money] = {}
    for amount in [*losses.effort, *(m["effort"] for m in pilot_mistakes)]:
        value = Money.of(amount)
        total_cost[value.currency] = total_cost.get(value.currency, Money.zero(value.currency)) + value
    cost_order = sorted(total_cost, key=lambda currency: (currency != first, currency))
    hours = to_decimal(losses.hours) + sum((to_decimal(m["hours"]) for m in pilot_mistakes), to_decimal(0))
    return {
        "quarter": quarter_of(start), "start": start.isoformat(),
        "last_day": date.fromordinal(end.toordinal() - 1).isoformat(), "team": team,
        "hourly_costs": {team_id: rate for team_id, rate in rates.items() if team in (None, team_id)},
        "losses": losses.to_dict(),
        "funnel": funnel.to_dict(),
        "total": {"hours": plain_number(hours), "cost": [total_cost[c].to_dict() for c in cost_order]},
        "pilots": pilot_view,
    }
