"""The weekly closed-lost review assembled: one week of a team (or of every team, for the head
of sales' roll-up) from the store's aggregated rows, through the pieces in
:mod:`bot.domain.weekly` (deals, grouped rows, the trend)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.weekly import (
    Deal,
    Row,
    SellerRow,
    Trend,
    amounts_by_currency,
    biggest,
    deal_from_fact,
    merge_rows,
    reason_rows,
    seller_rows,
    to_cents,
    trend,
    week_label,
)


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the weekly summary (or the head of sales' roll-up) shows for one week."""

    week: str
    label: str
    deals: list[Deal]
    totals: list[dict[str, Any]]
    unrecovered: list[dict[str, Any]]
    retained: list[dict[str, Any]]
    by_reason: list[Row]
    by_competitor: list[Row]
    by_seller: list[SellerRow]
    by_team: list[Row]
    trend: Trend
    biggest: list[Deal]
    avoidable: list[Deal]
    reviewed: int
    one_on_one: int
    lost_alone: int = 0  # deals the seller said nobody else worked
    involvement_said: int = 0  # deals whose seller answered who else was involved
    agreed_actions: int = 0  # reviews (the latest notes) that agreed a coaching action: a team count, no names

    @property
    def count(self) -> int:
        return len(self.deals)

    @property
    def empty(self) -> bool:
        return not self.deals


def build_report(
    week: str,
    facts: Sequence[Mapping[str, Any]],
    *,
    week_totals: Iterable[Mapping[str, Any]],
    reasons: Iterable[Mapping[str, Any]],
    competitors: Iterable[Mapping[str, Any]],
    sellers: Iterable[Mapping[str, Any]],
    retained: Iterable[Mapping[str, Any]],
    teams: Iterable[Mapping[str, Any]] = (),
    team_names: Mapping[str, str] | None = None,
    currency: str | None = None,
    biggest_n: int = 5,
) -> WeeklyReport:
    """Assemble the week from the store's rows. ``currency`` (the team's) is listed first."""
    deals = [deal_from_fact(f) for f in facts]
    week_totals = list(week_totals)
    this_week = [r for r in week_totals if r["week"] == week]
    names = dict(team_names or {})
    return WeeklyReport(
        week=week,
        label=week_label(week),
        deals=deals,
        totals=amounts_by_currency(((r["currency"], r["amount_cents"]) for r in this_week), currency),
        unrecovered=amounts_by_currency(((d.unrecovered["currency"], to_cents(d.unrecovered["amount"]))
                                         for d in deals if d.unrecovered), currency),
        retained=amounts_by_currency(((r["currency"], r["amount_cents"]) for r in retained), currency),
        by_reason=reason_rows(reasons, currency),
        by_competitor=merge_rows(competitors, currency),
        by_seller=seller_rows(sellers, deals, currency),
        by_team=merge_rows(teams, currency, label=lambda key, _: names.get(key, key or "no team")),
        trend=trend(week, week_totals, currency),
        biggest=biggest(deals, biggest_n, currency),
        # Biggest first, so the managers' list reads in the order worth coaching.
        avoidable=sorted((d for d in deals if d.avoidable), key=lambda d: (-d.cents, d.submitted_at, d.run_id)),
        reviewed=sum(1 for d in deals if d.reviewed_by),
        one_on_one=sum(1 for d in deals if d.one_on_one_by),
        lost_alone=sum(1 for d in deals if d.lost_alone),
        involvement_said=sum(1 for d in deals if d.involved is not None),
        agreed_actions=sum(1 for d in deals if d.agreed_action),
    )
