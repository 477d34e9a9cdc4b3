"""The weekly closed-lost review as numbers: pure functions from aggregated rows to a report.

Inputs are what the store's GROUP BYs return (key, currency, deals, amount in cents) and the
week's deal facts; outputs are plain dataclasses a template formats. Money is summed per
currency and never converted: a row lost in USD and EUR shows both amounts side by side.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot import clock
from bot.domain import taxonomy
from bot.domain.errors import UnknownReason
from bot.domain.money import plain_number
from bot.values import money as values

TREND_WEEKS = 4
# A change smaller than this (in percent of the previous weeks' average) reads as "about the same".
TREND_FLAT_PERCENT = 10
STORY_LENGTH = 160


# -- money and weeks --------------------------------------------------------------------------


def from_cents(cents: int | None) -> int | float | None:
    """Integer cents (as stored) back to a JSON amount: 12000050 -> 120000.5."""
    amount = values.from_cents(cents)
    return None if amount is None else plain_number(amount)


to_cents = values.to_cents  # an answer's amount as integer cents, rounded half-up: the one rule
money = values.amount_dict  # stored cents and currency as an amount dict, None when either is missing


def currency_order(currencies: Iterable[str], first: str | None = None) -> list[str]:
    """The team's own currency first, then the others alphabetically: the same order everywhere."""
    unique = sorted({c for c in currencies if c})
    if first in unique:
        unique.remove(first)
        unique.insert(0, first)
    return unique


def amounts_by_currency(pairs: Iterable[tuple[str | None, int | None]], first: str | None = None) -> list[dict[str, Any]]:
    """Sum (currency, cents) pairs per currency: ``[{"amount": 120000, "currency": "USD"}, ...]``."""
    totals: dict[str, int] = {}
    for currency, cents in pairs:
        if currency and cents is not None:
            totals[currency] = totals.get(currency, 0) + int(cents)
    return [money(totals[c], c) for c in currency_order(totals, first)]


def previous_weeks(week: str, n: int = TREND_WEEKS) -> list[str]:
    """The ``n`` ISO weeks before ``week``, oldest first: ``2026-W47`` -> W43..W46."""
    monday, _ = clock.week_bounds(week)
    return [clock.iso_week(monday - timedelta(weeks=k)) for k in range(n, 0, -1)]


def week_label(week: str) -> str:
    """``16–22 Nov 2026`` for ``2026-W47`` (the Monday to the Sunday)."""
    monday, next_monday = clock.week_bounds(week)
    sunday = next_monday - timedelta(days=1)
    if monday.month == sunday.month:
        return f"{monday.day}–{sunday.day} {sunday:%b %Y}"
    if monday.year == sunday.year:
        return f"{monday.day} {monday:%b} – {sunday.day} {sunday:%b %Y}"
    return f"{monday.day} {monday:%b %Y} – {sunday.day} {sunday:%b %Y}"


# -- deals --------------------------------------------------------------------------------------


def reason_label(key: str | None) -> str:
    if key is None:
        return "Not given"
    try:
        return taxonomy.loss_reason(key).label
    except UnknownReason:  # a reason retired from the taxonomy since the debrief: show its key
        return key


def one_line(text: str | None, limit: int = STORY_LENGTH) -> str:
    """The first sentence of the seller's story, on one line and at most ``limit`` characters."""
    if not text:
        return ""
    flat = " ".join(str(text).split())
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0] if " " in sentence[: limit - 1] else sentence[: limit - 1]
    return cut.rstrip(",;:") + "…"


@dataclass(frozen=True)
class Deal:
    """One debriefed loss as the summary shows it."""

    run_id: str
    user_id: str
    team: str | None
    deal: str
    account: str | None
    amount: dict[str, Any] | None
    primary_reason: str
    reason_label: str
    other_reasons: tuple[str, ...]
    competitor: str | None
    gap: str | None
    avoidable: bool | None
    stage_lost: str | None
    close_date: str | None
    story: str
    customer_words: str | None
    crm_ref: str | None
    retained: dict[str, Any] | None
    unrecovered: dict[str, Any] | None
    product_lesson: str | None
    enablement_lesson: str | None
    submitted_at: str
    reviewed_by: str | None = None
    one_on_one_by: str | None = None
    competitor_showed: str | None = None  # what the competitor showed that we didn't (product, enablement)
    involved: tuple[str, ...] | None = None  # who else worked it; None when the seller didn't say
    team_hours: float | None = None  # roughly how many hours the team put in
    agreed_action: bool = False  # the manager's latest review notes agree a coaching action

    @property
    def lost_alone(self) -> bool:
        """Lost single-handed: the seller said nobody else worked the deal."""
        return self.involved == ("nobody",)

    @property
    def crm_url(self) -> str | None:
        return self.crm_ref if self.crm_ref and re.match(r"^https?://\S+$", self.crm_ref) else None

    @property
    def cents(self) -> int:
        return to_cents(self.amount["amount"]) if self.amount else 0


def deal_from_fact(fact: Mapping[str, Any]) -> Deal:
    """A deal from a stored fact row (``bot.store.reports.deals``)."""
    detail = fact.get("detail") or {}
    return Deal(
        run_id=fact["run_id"],
        user_id=fact["user_id"],
        team=fact.get("team"),
        deal=fact["deal"],
        account=fact.get("account"),
        amount=money(fact.get("amount_cents"), fact.get("currency")),
        primary_reason=fact["primary_reason"],
        reason_label=reason_label(fact["primary_reason"]),
        other_reasons=tuple(fact.get("other_reasons") or ()),
        competitor=fact.get("competitor"),
        gap=fact.get("gap"),
        avoidable=fact.get("avoidable"),
        stage_lost=fact.get("stage_lost"),
        close_date=fact.get("close_date"),
        story=one_line(detail.get("what_happened")),
        customer_words=detail.get("customer_words"),
        crm_ref=detail.get("crm_ref"),
        retained=money(fact.get("retained_cents"), fact.get("retained_currency")),
        unrecovered=money(fact.get("unrecovered_cents"), fact.get("currency")),
        product_lesson=detail.get("product_lesson"),
        enablement_lesson=detail.get("enablement_lesson"),
        submitted_at=fact["submitted_at"],
        reviewed_by=fact.get("reviewed_by"),
        one_on_one_by=fact.get("one_on_one_by"),
        competitor_showed=detail.get("competitor_showed"),
        involved=tuple(fact["involved"]) if fact.get("involved") else None,
        team_hours=fact.get("team_hours"),
        agreed_action=bool((fact.get("coaching_action") or "").strip()),
    )


def biggest(deals: Sequence[Deal], n: int = 5, first: str | None = None) -> list[Deal]:
    """The ``n`` largest losses of each currency (amounts in two currencies are not compared),
    the team's currency first."""
    chosen: list[Deal] = []
    for currency in currency_order((d.amount["currency"] for d in deals if d.amount), first):
        same = [d for d in deals if d.amount and d.amount["currency"] == currency]
        chosen.extend(sorted(same, key=lambda d: (-d.cents, d.submitted_at, d.run_id))[:n])
    return chosen


# -- grouped rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One bar of a breakdown: a reason, competitor, seller or team with its count and amounts."""

    key: str
    label: str
    deals: int
    amounts: list[dict[str, Any]]
    avoidable: int = 0


def merge_rows(rows: Iterable[Mapping[str, Any]], first: str | None = None,
               label: Any = None) -> list[Row]:
    """Merge SQL rows split by currency into one row per key, most deals first (ties by label).

    ``label(key, sql_label)`` names a row (e.g. a reason's label); default: the SQL label.
    """
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["key"]
        spelled = row.get("label") or key or ""  # a loss with no team has neither key nor label
        entry = grouped.setdefault(key, {"label": spelled, "deals": 0, "pairs": [], "avoidable": 0})
        # Spellings may differ between currencies ("Samsara" / "samsara"): show one, the same every week.
        entry["label"] = min(entry["label"], spelled)
        entry["deals"] += int(row["deals"])
        entry["avoidable"] += int(row.get("avoidable") or 0)
        entry["pairs"].append((row["currency"], row["amount_cents"]))
    merged = [
        Row(key=key, label=label(key, e["label"]) if label else str(e["label"]), deals=e["deals"],
            amounts=amounts_by_currency(e["pairs"], first), avoidable=e["avoidable"])
        for key, e in grouped.items()
    ]
    return sorted(merged, key=lambda r: (-r.deals, r.label.casefold(), r.key or ""))


def tally(names: Iterable[str | None]) -> list[Row]:
    """Count names case-insensitively ("SSO" and "sso" are one), most frequent first."""
    counts: Counter[str] = Counter()
    first_spelling: dict[str, str] = {}
    for name in names:
        text = " ".join(str(name).split()) if name else ""
        if text:
            key = text.casefold()
            counts[key] += 1
            first_spelling.setdefault(key, text)
    rows = [Row(key, first_spelling[key], n, []) for key, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.deals, r.key))


def reason_rows(rows: Iterable[Mapping[str, Any]], first: str | None = None) -> list[Row]:
    return merge_rows(rows, first, label=lambda key, _: reason_label(key))


def seller_focus(deals: Sequence[Deal]) -> str | None:
    """The skill to coach a seller on: the coaching map's entry for their most frequent main
    loss reason (ties go to the reason that cost the most, then taxonomy order), plus any
    distinct skill their other reasons point at."""
    order = {key: index for index, key in enumerate(taxonomy.LOSS_REASON_KEYS)}
    count: Counter[str] = Counter()
    cost: Counter[str] = Counter()
    for deal in deals:
        if deal.primary_reason in order:
            count[deal.primary_reason] += 1
            cost[deal.primary_reason] += deal.cents
    ranked = sorted(count, key=lambda key: (-count[key], -cost[key], order[key]))
    others = sorted({r for d in deals for r in d.other_reasons if r in order and r not in count}, key=order.get)
    if not ranked and not others:
        return None
    reasons = ranked + others
    return taxonomy.coaching_focus(reasons[0], reasons[1:])


@dataclass(frozen=True)
class SellerRow:
    user_id: str
    deals: int
    amounts: list[dict[str, Any]]
    avoidable: int
    focus: str | None
    reviewed: int


def seller_rows(rows: Iterable[Mapping[str, Any]], deals: Sequence[Deal], first: str | None = None) -> list[SellerRow]:
    merged = merge_rows(rows, first)
    result = []
    for row in merged:
        own = [d for d in deals if d.user_id == row.key]
        result.append(SellerRow(row.key, row.deals, row.amounts, row.avoidable, seller_focus(own),
                                sum(1 for d in own if d.reviewed_by)))
    return result


# -- trend --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPoint:
    week: str
    deals: int
    amounts: list[dict[str, Any]]
    current: bool = False


@dataclass(frozen=True)
class CurrencyTrend:
    currency: str
    current: dict[str, Any]
    average: dict[str, Any]
    change_percent: int | None  # None when the previous weeks had nothing in this currency


@dataclass(frozen=True)
class Trend:
    points: list[WeekPoint]  # the previous weeks, then this one
    average_deals: float  # per week over the previous weeks (weeks without losses count as 0)
    change_percent: int | None  # None when the previous weeks had no losses at all
    direction: str  # "up", "down", "flat" or "new"
    by_currency: list[CurrencyTrend] = field(default_factory=list)


def _change(current: Decimal, average: Decimal) -> int | None:
    if average == 0:
        return None
    return int(((current - average) / average * 100).to_integral_value(rounding=ROUND_HALF_UP))


def trend(week: str, rows: Iterable[Mapping[str, Any]], first: str | None = None,
          n: int = TREND_WEEKS) -> Trend:
    """This week against the average of the ``n`` before it, from ``totals_by_week`` rows."""
    weeks = [*previous_weeks(week, n), week]
    per_week: dict[str, list[Mapping[str, Any]]] = {w: [] for w in weeks}
    for row in rows:
        if row["week"] in per_week:
            per_week[row["week"]].append(row)
    points = [
        WeekPoint(w, sum(int(r["deals"]) for r in per_week[w]),
                  amounts_by_currency(((r["currency"], r["amount_cents"]) for r in per_week[w]), first), w == week)
        for w in weeks
    ]
    previous, current = points[:-1], points[-1]
    average = Decimal(sum(p.deals for p in previous)) / n
    change = _change(Decimal(current.deals), average)
    if change is None:
        direction = "new" if current.deals else "flat"
    elif abs(change) < TREND_FLAT_PERCENT:
        direction = "flat"
    else:
        direction = "up" if change > 0 else "down"
    currencies = currency_order({r["currency"] for w in weeks for r in per_week[w]}, first)
    by_currency = []
    for currency in currencies:
        now_cents = sum(int(r["amount_cents"]) for r in per_week[week] if r["currency"] == currency)
        before = sum(int(r["amount_cents"]) for w in weeks[:-1] for r in per_week[w] if r["currency"] == currency)
        average_cents = Decimal(before) / n
        by_currency.append(CurrencyTrend(currency, money(now_cents, currency),
                                         {"amount": plain_number(average_cents / 100), "currency": currency},
                                         _change(Decimal(now_cents), average_cents)))
    return Trend(points, float(average), change, direction, by_currency)


__all__ = [
    "CurrencyTrend", "Deal", "Row", "SellerRow", "Trend", "WeekPoint", "amounts_by_currency",
    "biggest", "currency_order", "deal_from_fact", "from_cents", "merge_rows", "money", "one_line",
    "previous_weeks", "reason_label", "reason_rows", "seller_focus", "seller_rows", "tally", "to_cents", "trend", "week_label",
]
