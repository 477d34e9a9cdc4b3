"""Recovering lost revenue, beyond the coverage arithmetic: a rep's progress ledger, the
concentration of the book a plan leans on, and the factor weights a person types.

The arithmetic itself stays in :mod:`bot.domain.coverage` (``recovery_plan``);
``plan_values`` is its form for playbook expressions, which must never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from bot.domain.concentration import ConcentrationReport, Group, concentration
from bot.domain.coverage import recovery_plan, whole_units
from bot.domain.errors import DomainError, InvalidValue, UnknownFactor
from bot.domain.money import Money, plain_number, to_decimal
from bot.domain.ranking import DEFAULT_FACTORS, Factor
from bot.values.money import read_number
from bot.values.percent import read_percent, share

DEFAULT_THRESHOLD = 0.5
OPEN, WON, LOST, MOVED = "open", "won", "lost", "moved"
STATUSES = (OPEN, WON, LOST, MOVED)
STILL_OPEN = (OPEN, MOVED)  # a moved (slipped) opportunity is still worked


def plan_values(lost: Any, retained: Any = None, *, multiple: Any = None, win_rate: Any = None, quota: Any = None,
                current_pipeline: Any = None, default_multiple: Any = 3) -> dict[str, Any] | None:
    """``coverage.recovery_plan`` as a dict, or None when the inputs can't make a plan yet
    (unanswered, or amounts in two currencies). Playbook ``compute:`` steps call this."""
    try:
        return recovery_plan(lost, retained, multiple=multiple, win_rate=win_rate, quota=quota,
                             current_pipeline=current_pipeline,
                             default_multiple=3 if default_multiple is None else default_multiple).to_dict()
    except DomainError:
        return None


# -- progress -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A rep's recovery in one currency, over every plan they made: what the loss left to
    replace and what they have won back since their first plan."""

    currency: str
    plans: int
    lost: dict[str, Any]
    retained: dict[str, Any]
    unrecovered: dict[str, Any]
    recovered: dict[str, Any]  # won since the first plan
    recovered_in_window: dict[str, Any]  # won inside the window asked for (e.g. the summary's week)
    gap: dict[str, Any]  # unrecovered - recovered, never below zero
    open_pipeline: dict[str, Any]  # open and moved opportunities
    multiple: float | int  # the latest plan's coverage multiple, rounded to 2 places for display
    pipeline_target: dict[str, Any]  # exact multiple x gap, in whole units: the pipeline still worth building
    share_recovered: float | None  # recovered / unrecovered, capped at 1; None when nothing was unrecovered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _amount(value: Any, field: str) -> Money:
    return Money.of(value, field, allow_negative=False)


def ledger(plans: Sequence[Mapping[str, Any]], opportunities: Iterable[Mapping[str, Any]], *,
           window: tuple[str, str] | None = None, until: str | None = None) -> list[Progress]:
    """One :class:`Progress` per currency the plans use, oldest plan's currency first.

    ``plans``: ``{lost, retained, unrecovered, multiple, submitted_at}`` (amount dicts, ISO
    timestamps). ``opportunities``: ``{amount, status, won_at}``. A win counts once it is
    at or after the first plan in its currency (and before ``until`` when given); wins in a
    currency no plan uses are not counted. ``window`` = (start, end) ISO bounds, end excluded.
    """
    by_currency: dict[str, list[Mapping[str, Any]]] = {}
    for index, plan in enumerate(plans):
        if until is not None and str(plan["submitted_at"]) >= until:
            continue
        currency = _amount(plan["unrecovered"], f"plans[{index}].unrecovered").currency
        by_currency.setdefault(currency, []).append(plan)
    opportunities = list(opportunities)
    results = []
    for currency, group in sorted(by_currency.items(), key=lambda item: min(str(p["submitted_at"]) for p in item[1])):
        group = sorted(group, key=lambda plan: str(plan["submitted_at"]))
        start = str(group[0]["submitted_at"])
        totals = {name: Decimal(0) for name in ("lost", "retained", "unrecovered")}
        for plan in group:
            for name in totals:
                money = _amount(plan[name], f"plan.{name}")
                totals[name] += money.amount if money.currency == currency else 0
        recovered = in_window = open_total = Decimal(0)
        for index, opp in enumerate(opportunities):
            amount = _amount(opp["amount"], f"opportunities[{index}].amount")
            if amount.currency != currency:
                continue
            status = opp.get("status") or OPEN
            if status in STILL_OPEN:
                open_total += amount.amount
            won_at = str(opp.get("won_at") or "")
            if status != WON or not won_at or won_at < start or (until is not None and won_at >= until):
                continue
            recovered += amount.amount
            if window is not None and window[0] <= won_at < window[1]:
                in_window += amount.amount
        gap = max(totals["unrecovered"] - recovered, Decimal(0))
        multiple = to_decimal(group[-1].get("multiple") or 3, "plan.multiple")
        share = None
        if totals["unrecovered"] > 0:
            share = float(min(recovered / totals["unrecovered"], Decimal(1)).quantize(Decimal("0.0001")))

        def money(amount: Decimal) -> dict[str, Any]:
            return Money(amount, currency).to_dict()

        results.append(Progress(
            currency=currency, plans=len(group), lost=money(totals["lost"]), retained=money(totals["retained"]),
            unrecovered=money(totals["unrecovered"]), recovered=money(recovered), recovered_in_window=money(in_window),
            gap=money(gap), open_pipeline=money(open_total), multiple=plain_number(multiple),
            pipeline_target=money(whole_units(multiple * gap)), share_recovered=share,
        ))
    return results


# -- concentration of the book a plan leans on ----------------------------------------------

_ACCOUNT_SEPARATOR = re.compile(r"\s+[–—-]\s+|:\s+")


def account_of(opportunity: Mapping[str, Any]) -> str:
    """The account an opportunity belongs to: its ``account``, else the part of its name
    before a dash or colon ("Pinecrest Foods – fleet expansion"), else the whole name."""
    account = opportunity.get("account")
    if isinstance(account, str) and account.strip():
        return account.strip()
    name = str(opportunity.get("name") or "").strip()
    head = _ACCOUNT_SEPARATOR.split(name, maxsplit=1)[0].strip()
    return head or name


@dataclass(frozen=True)
class BookConcentration:
    """How much of a rep's book sits in one contract, and which accounts hang on one."""

    threshold: float
    seller: Group | None  # the rep's whole book (open opportunities and the deal just lost)
    accounts: tuple[Group, ...]  # flagged accounts that carry a real part of the book, largest first
    includes_lost: bool

    @property
    def flagged(self) -> bool:
        return bool((self.seller and self.seller.flagged) or self.accounts)


def book_concentration(opportunities: Iterable[Mapping[str, Any]], seller: str, *,
                       lost: Mapping[str, Any] | None = None, threshold: Any = DEFAULT_THRESHOLD,
                       max_accounts: int = 3) -> BookConcentration:
    """Concentration over a rep's open opportunities plus, when given, the deal the loss came
    from (``{name, amount}``): the canyon that just opened is the clearest lesson.

    An account is shown only when it is flagged and carries more than ``threshold`` of the
    rep's book (the same "more than" rule): one small single-contract account is not a risk
    worth a line.
    ``opportunities`` must share one currency (``CurrencyMismatch`` otherwise).
    """
    contracts = [{"account": account_of(opp), "seller": seller, "amount": opp["amount"],
                  "department": opp.get("department"), "name": opp.get("name")} for opp in opportunities]
    if lost is not None:
        contracts.append({"account": account_of(lost), "seller": seller, "amount": lost["amount"],
                          "name": lost.get("name"), "lost": True})
    report: ConcentrationReport = concentration(contracts, threshold)
    seller_group = report.sellers[0] if report.sellers else None
    accounts: list[Group] = []
    if seller_group is not None:
        book = Decimal(str(seller_group.total["amount"]))
        limit = Decimal(str(report.threshold))
        accounts = [group for group in report.flagged_accounts
                    if book > 0 and Decimal(str(group.total["amount"])) / book > limit]
        accounts.sort(key=lambda g: (-Decimal(str(g.total["amount"])), g.key.casefold()))
        # With one contract in the whole book the seller line says it all.
        if seller_group.contract_count == 1:
            accounts = []
    return BookConcentration(threshold=report.threshold, seller=seller_group, accounts=tuple(accounts[:max_accounts]),
                             includes_lost=lost is not None)


def parse_threshold(text: Any) -> float:
    """A concentration threshold as a share in (0, 1] from percentage points: "40%" and "40"
    are 0.4, "1" is 1% (0.01), "0.5" is half a percent; the one percent rule of
    :mod:`bot.values.percent`, as in typed answers and the CSV import."""
    points = read_percent(text.strip() if isinstance(text, str) else text)
    if points is None:
        raise InvalidValue("threshold", text, "expected a percentage such as 40%")
    if not 0 < points <= 100:
        raise InvalidValue("threshold", text, "expected a percentage above 0% and at most 100%, such as 40%")
    return float(share(points))


# -- weights a person types -----------------------------------------------------------------

FACTOR_ALIASES: dict[str, str] = {
    "revenue": "revenue", "amount": "revenue", "value": "revenue", "size": "revenue",
    "probability": "probability", "prob": "probability", "stage": "probability", "likelihood": "probability",
    "time_to_close": "time_to_close", "time": "time_to_close", "close": "time_to_close", "timing": "time_to_close",
    "speed": "time_to_close",
    "strategic_fit": "strategic_fit", "fit": "strategic_fit", "strategic": "strategic_fit", "strategy": "strategic_fit",
    "relationship": "relationship", "relationships": "relationship", "rel": "relationship",
    "relationship_strength": "relationship",
    "effort": "effort", "work": "effort",
}
MAX_POINTS = 10
MAX_WEIGHTS_TEXT = 300  # six factors and their points fit easily; longer is not weights (and keeps parsing cheap)
_PAIR = re.compile(r"([A-Za-z_]+(?:[ -][A-Za-z_]+)*)\s*[:=]?\s*(-?\d+(?:\.\d+)?)")


def parse_weights(text: str, factors: Sequence[Factor] = DEFAULT_FACTORS) -> dict[str, int | float]:
    """``"revenue 5, probability 4 fit=2"`` -> ``{"revenue": 5, "probability": 4, "strategic_fit": 2}``.

    Points run from 0 to 10 per factor. Factors left out count as 0 for this person (see
    ``ranking.member_shares``), so at least one factor needs points above 0. Unknown names raise ``UnknownFactor``; a
    missing or out-of-range number raises ``InvalidValue`` naming the factor.
    """
    keys = tuple(factor.key for factor in factors)
    cleaned = text.strip()
    if len(cleaned) > MAX_WEIGHTS_TEXT:
        raise InvalidValue("weights", cleaned[:40] + "…", "that's too long for weights; give each factor and its points, "
                           "e.g. revenue 5 fit 3")
    if not cleaned:
        raise InvalidValue("weights", text, "give at least one factor and its points, e.g. revenue 5")
    weights: dict[str, int | float] = {}
    position = 0
    for match in _PAIR.finditer(cleaned):
        between = cleaned[position:match.start()]
        if between.strip(" ,;\n\t"):
            raise InvalidValue("weights", between.strip(), "expected a factor name followed by its points, e.g. fit 3")
        position = match.end()
        name = re.sub(r"[\s-]+", "_", match.group(1).strip().lower())
        key = FACTOR_ALIASES.get(name) or (name if name in keys else None)
        if key is None or key not in keys:
            raise UnknownFactor(match.group(1).strip(), keys)
        points = read_number(match.group(2), scales=False)
        if points is None or not 0 <= points <= MAX_POINTS:
            raise InvalidValue(key, match.group(2), f"expected points from 0 to {MAX_POINTS}")
        weights[key] = plain_number(points)
    rest = cleaned[position:]
    if rest.strip(" ,;\n\t"):
        word = rest.strip(" ,;\n\t")
        name = re.sub(r"[\s-]+", "_", word.lower())
        if FACTOR_ALIASES.get(name) in keys or name in keys:
            raise InvalidValue(FACTOR_ALIASES.get(name, name), word, f"give it points from 0 to {MAX_POINTS}, e.g. {word} 3")
        raise InvalidValue("weights", word, "expected a factor name followed by its points, e.g. fit 3")
    if not weights:
        raise InvalidValue("weights", text, "give at least one factor and its points, e.g. revenue 5")
    if not any(weights.values()):
        raise InvalidValue("weights", text, "at least one factor needs more than 0 points")
    return weights


__all__ = [
    "plan_values", "Progress", "ledger", "account_of", "BookConcentration", "book_concentration", "parse_threshold",
    "parse_weights", "FACTOR_ALIASES", "STATUSES", "OPEN", "WON", "LOST", "MOVED", "STILL_OPEN", "DEFAULT_THRESHOLD",
]
