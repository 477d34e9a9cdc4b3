"""The numbers behind the weekly summary's chart, as a pure function of the store's rows.

The chart shows a team's lost value per week over the last :data:`CHART_WEEKS` weeks,
stacked by its top loss reasons, and (once closed-lost deals come from the CRM) the share of
them that was debriefed. Drawing lives in :mod:`bot.render.charts`; keeping the series here
means the figures a manager sees can be checked against hand totals without a picture.

Money is never converted: the chart is drawn in the team's currency and losses in any other
currency are counted in :attr:`LossChart.left_out`, which the alt text says in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import clock
from bot.domain import taxonomy
from bot.domain.weekly import previous_weeks, reason_label

CHART_WEEKS = 8
MIN_WEEKS_WITH_DATA = 2  # one bar is not a trend: no chart below this
TOP_REASONS = 4  # the rest are stacked as one "Other reasons" band
OTHER = "other_reasons"
OTHER_LABEL = "Other reasons"


@dataclass(frozen=True)
class ReasonSeries:
    """One stacked band: a loss reason's lost value (cents) in each week of the chart."""

    key: str
    label: str
    cents: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.cents)


@dataclass(frozen=True)
class LeftOut:
    """Losses not drawn because they are in another currency than the chart's."""

    currency: str
    deals: int
    cents: int


@dataclass(frozen=True)
class LossChart:
    weeks: tuple[str, ...]  # oldest first; the last is the summary's week
    currency: str
    reasons: tuple[ReasonSeries, ...]  # bottom band first: the biggest reason, "other" last
    deals: tuple[int, ...]  # losses drawn, per week
    coverage: tuple[float | None, ...] | None  # debriefed ÷ closed-lost per week; None: no CRM intake
    closed: tuple[int, ...] | None  # closed-lost deals per week (the coverage's denominator)
    left_out: tuple[LeftOut, ...] = ()

    @property
    def totals(self) -> tuple[int, ...]:
        """Lost value per week in cents (the height of each stacked bar)."""
        return tuple(sum(series.cents[i] for series in self.reasons) for i in range(len(self.weeks)))

    @property
    def weeks_with_data(self) -> int:
        return sum(1 for cents, deals in zip(self.totals, self.deals) if cents or deals)

    @property
    def drawable(self) -> bool:
        return self.weeks_with_data >= MIN_WEEKS_WITH_DATA


def chart_weeks(week: str, n: int = CHART_WEEKS) -> list[str]:
    """The ``n`` weeks a chart of ``week`` covers, oldest first, ending with ``week``."""
    return [*previous_weeks(week, n - 1), week]


def _reason_order() -> dict[str, int]:
    return {key: index for index, key in enumerate(taxonomy.LOSS_REASON_KEYS)}


def loss_chart(weeks: Iterable[str], losses: Iterable[Mapping[str, Any]], *, currency: str,
               top: int = TOP_REASONS, crm_closed: Iterable[Mapping[str, Any]] | None = None) -> LossChart:
    """The chart's series from the store's rows.

    ``losses``: ``{week, reason, currency, deals, amount_cents, linked}`` grouped by week,
    primary reason and currency (``linked``: how many of those debriefs answer a CRM deal).
    ``crm_closed``: ``{close_date, status, deals}`` of the CRM's closed-lost deals still in
    the loop (``waiting`` or ``debriefed``), or None when there is no CRM intake. A week's
    coverage is (CRM deals debriefed + debriefs with no CRM deal) ÷ (CRM deals + debriefs
    with no CRM deal), the way the summary's coverage line counts; None for a week with no
    closed-lost deal at all.

    The ``top`` reasons by lost value over the whole chart get their own band (ties: more
    deals, then taxonomy order); the others are added up as "Other reasons".
    """
    weeks = tuple(weeks)
    index = {week: i for i, week in enumerate(weeks)}
    by_reason: dict[str, list[int]] = {}
    reason_deals: dict[str, int] = {}
    deals = [0] * len(weeks)
    unlinked = [0] * len(weeks)
    other_currencies: dict[str, list[int]] = {}
    for row in losses:
        i = index.get(row["week"])
        if i is None:
            continue
        count = int(row["deals"])
        unlinked[i] += count - int(row.get("linked") or 0)
        cents = int(row["amount_cents"] or 0)
        if row["currency"] != currency:
            if row["currency"]:  # a loss with no amount has no currency: nothing to leave out
                entry = other_currencies.setdefault(row["currency"], [0, 0])
                entry[0] += count
                entry[1] += cents
            continue
        by_reason.setdefault(row["reason"], [0] * len(weeks))[i] += cents
        reason_deals[row["reason"]] = reason_deals.get(row["reason"], 0) + count
        deals[i] += count

    order = _reason_order()
    ranked = sorted(by_reason, key=lambda key: (-sum(by_reason[key]), -reason_deals[key], order.get(key, len(order)),
                                                key))
    bands = [ReasonSeries(key, reason_label(key), tuple(by_reason[key])) for key in ranked[:top]]
    rest = ranked[top:]
    if rest:
        bands.append(ReasonSeries(OTHER, OTHER_LABEL,
                                  tuple(sum(by_reason[key][i] for key in rest) for i in range(len(weeks)))))

    coverage = closed = None
    if crm_closed is not None:
        crm_total = [0] * len(weeks)
        crm_debriefed = [0] * len(weeks)
        for row in crm_closed:
            i = index.get(clock.iso_week(date.fromisoformat(str(row["close_date"])[:10])))
            if i is None:
                continue
            crm_total[i] += int(row["deals"])
            if row["status"] == "debriefed":
                crm_debriefed[i] += int(row["deals"])
        closed = tuple(crm_total[i] + unlinked[i] for i in range(len(weeks)))
        coverage = tuple((crm_debriefed[i] + unlinked[i]) / closed[i] if closed[i] else None
                         for i in range(len(weeks)))

    left_out = tuple(LeftOut(c, other_currencies[c][0], other_currencies[c][1]) for c in sorted(other_currencies))
    return LossChart(weeks, currency, tuple(bands), tuple(deals), coverage, closed, left_out)


__all__ = ["CHART_WEEKS", "LeftOut", "LossChart", "MIN_WEEKS_WITH_DATA", "OTHER", "ReasonSeries", "TOP_REASONS",
           "chart_weeks", "loss_chart"]
