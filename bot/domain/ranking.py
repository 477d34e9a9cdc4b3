"""Weighted ranking of open opportunities: the action plan for recovering lost revenue.

Each factor is normalised to 0..1 where 1 is best, weighted, and summed into a 0-100 score:

- revenue: amount / the largest amount in the set;
- probability: percent / 100 (without one, the probability the CRM stage implies, see
  ``STAGE_PROBABILITY``);
- time_to_close: 1 - days / the longest days-to-close in the set (sooner is better; a close
  date already past counts as 0 days);
- a 1-5 rating (strategic_fit, relationship, and any factor a team adds): (r - 1) / 4;
  effort counts inversely, (5 - r) / 4, since less effort is better.

A missing rating, probability or close date scores a neutral 0.5 and is listed in the
opportunity's ``missing``, so the plan can say what to find out. Amounts are required.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.domain.errors import CurrencyMismatch, InvalidValue, UnknownFactor
from bot.domain.money import Money, Number, common_currency, plain_number, to_decimal

REVENUE, PROBABILITY, TIME_TO_CLOSE, RATING = "revenue", "probability", "time_to_close", "rating"
NEUTRAL = Decimal("0.5")

# A CRM stage stands in for a missing probability: Salesforce's default stage probabilities,
# the ones most exports carry (case, spacing and punctuation ignored).
STAGE_PROBABILITY = {
    "prospecting": 10, "qualification": 10, "needsanalysis": 20, "valueproposition": 50,
    "iddecisionmakers": 60, "perceptionanalysis": 70, "proposalpricequote": 75, "proposal": 75,
    "negotiationreview": 90, "negotiation": 90, "closedwon": 100, "closedlost": 0,
}


def stage_probability(stage: Any) -> Decimal | None:
    """The probability a CRM stage implies ("Negotiation/Review" -> 90), or None for a stage we don't know."""
    if not isinstance(stage, str):
        return None
    points = STAGE_PROBABILITY.get("".join(ch for ch in stage.lower() if ch.isalnum()))
    return None if points is None else Decimal(points)


@dataclass(frozen=True)
class Factor:
    """One thing the ranking weighs. ``default_weight`` is in points (0-10, like a member's)."""

    key: str
    label: str
    default_weight: Number
    kind: str = RATING  # revenue, probability, time_to_close or rating (1-5 under ``key``)
    inverse: bool = False  # a higher rating is worse (effort)


DEFAULT_FACTORS: tuple[Factor, ...] = (
    Factor("revenue", "Revenue possible", 5, REVENUE),
    Factor("probability", "Probability to close", 5, PROBABILITY),
    Factor("time_to_close", "Time to close (sooner is better)", 3, TIME_TO_CLOSE),
    Factor("strategic_fit", "Strategic fit", 3),
    Factor("relationship", "Relationship strength", 2),
    Factor("effort", "Effort needed (less is better)", 2, inverse=True),
)


def _factor_keys(factors: Sequence[Factor]) -> tuple[str, ...]:
    return tuple(factor.key for factor in factors)


def _weight(value: Any, field: str) -> Decimal:
    number = to_decimal(value, field)
    if number < 0:
        raise InvalidValue(field, value, "expected a weight of 0 or more")
    return number


def _shares(points: Mapping[str, Decimal], field: str) -> dict[str, Decimal]:
    total = sum(points.values(), Decimal(0))
    if total == 0:
        raise InvalidValue(field, {k: plain_number(v) for k, v in points.items()}, "at least one weight must be above 0")
    return {key: value / total for key, value in points.items()}


def _normalised(points: Mapping[str, Decimal], field: str) -> dict[str, float]:
    return {key: float(value) for key, value in _shares(points, field).items()}


def _points(weights: Mapping[str, Any], factors: Sequence[Factor], field: str, *, missing_as_default: bool) -> dict[str, Decimal]:
    keys = _factor_keys(factors)
    for key in weights:
        if key not in keys:
            raise UnknownFactor(key, keys)
    points = {}
    for factor in factors:
        if factor.key in weights and weights[factor.key] is not None:
            points[factor.key] = _weight(weights[factor.key], f"{field}.{factor.key}")
        else:
            points[factor.key] = _weight(factor.default_weight, f"{factor.key}.default_weight") if missing_as_default else Decimal(0)
    return points


def member_shares(weights: Mapping[str, Any], *, factors: Sequence[Factor] = DEFAULT_FACTORS,
                  field: str = "weights") -> dict[str, Decimal]:
    """One person's points as exact shares of 100%, in factor order: a factor they left out is 0.

    "revenue 10" is revenue 100%, whatever the defaults; all zero is refused (``InvalidValue``).
    """
    return _shares(_points(weights, factors, field, missing_as_default=False), field)


def team_weights(
    member_weights: Mapping[str, Mapping[str, Any]],
    *,
    locked: Mapping[str, Any] | None = None,
    factors: Sequence[Factor] = DEFAULT_FACTORS,
) -> dict[str, float]:
    """The team's weights, summing to 1, in factor order.

    Each member counts equally: their points are first taken as shares of 100% (a factor
    they left out is 0 for them), then the shares are averaged. "revenue 10" against
    "probability 1" is 50/50, not 91/9. The manager's ``locked`` points, when they locked
    them, are read the same way. With no members and no lock, the defaults.
    """
    if locked is not None:
        return {key: float(value) for key, value in member_shares(locked, factors=factors, field="locked").items()}
    if not member_weights:
        defaults = {factor.key: _weight(factor.default_weight, f"{factor.key}.default_weight") for factor in factors}
        return _normalised(defaults, "default_weight")
    sums = {factor.key: Decimal(0) for factor in factors}
    for user, weights in member_weights.items():
        for key, share in member_shares(weights, factors=factors, field=f"member_weights[{user}]").items():
            sums[key] += share
    count = Decimal(len(member_weights))
    return {key: float(total / count) for key, total in sums.items()}


@dataclass(frozen=True)
class ScoredOpportunity:
    name: str
    amount: dict[str, Any]
    score: Number  # 0-100, rounded to 2 places
    factors: dict[str, float]  # each factor normalised to 0..1 (1 is best), rounded to 4 places
    missing: tuple[str, ...]  # factors scored neutral for lack of data
    opportunity: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class RankedOpportunity(ScoredOpportunity):
    rank: int = 0
    cumulative: dict[str, Any] = field(default_factory=dict)  # amounts of ranks 1..rank


@dataclass(frozen=True)
class Ranking:
    currency: str | None
    entries: tuple[RankedOpportunity, ...]
    top_n: int  # how many entries the "top" covers (all when no top_n was asked)
    top_total: dict[str, Any] | None
    target: dict[str, Any] | None
    reaches_target: bool | None  # the top N's amounts add up to the target
    target_shortfall: dict[str, Any] | None  # what the top N leave of the target
    opportunities_to_target: int | None  # fewest top-ranked opportunities that reach the target

    @property
    def top(self) -> tuple[RankedOpportunity, ...]:
        return self.entries[: self.top_n]


def _rating(value: Any, field: str) -> Decimal:
    number = to_decimal(value, field)
    if not 1 <= number <= 5:
        raise InvalidValue(field, value, "expected a rating from 1 to 5")
    return number


def _days_to_close(opp: Mapping[str, Any], field: str, today: date | None) -> Decimal | None:
    if opp.get("days_to_close") is not None:
        days = to_decimal(opp["days_to_close"], f"{field}.days_to_close")
    elif opp.get("close_date") is not None:
        value = opp["close_date"]
        try:
            close = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        except ValueError:
            raise InvalidValue(f"{field}.close_date", value, "expected a date as YYYY-MM-DD") from None
        if today is None:
            raise InvalidValue("today", None, "needed to turn close dates into days to close")
        days = Decimal((close - today).days)
    else:
        return None
    return max(days, Decimal(0))


def _scores(opps: Sequence[Mapping[str, Any]], weights: Mapping[str, Any] | None, factors: Sequence[Factor],
            today: date | None) -> list[tuple[Decimal, ScoredOpportunity, Money]]:
    keys = _factor_keys(factors)
    if weights is None:
        w = _shares(_points({}, factors, "weights", missing_as_default=True), "default_weight")
    else:
        w = _shares(_points(weights, factors, "weights", missing_as_default=False), "weights")

    parsed = []
    for index, opp in enumerate(opps):
        where = f"opportunities[{index}]"
        if not isinstance(opp, Mapping):
            raise InvalidValue(where, opp, "expected an opportunity as a mapping")
        name = opp.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidValue(f"{where}.name", name, "every opportunity needs a name")
        amount = Money.of(opp.get("amount"), f"{where}.amount", allow_negative=False)
        probability = None
        if opp.get("probability") is not None:
            probability = to_decimal(opp["probability"], f"{where}.probability")
            if not 0 <= probability <= 100:
                raise InvalidValue(f"{where}.probability", opp["probability"], "expected a percent from 0 to 100")
        else:
            probability = stage_probability(opp.get("stage"))
        days = _days_to_close(opp, where, today) if TIME_TO_CLOSE in {f.kind for f in factors} else None
        ratings = {f.key: _rating(opp[f.key], f"{where}.{f.key}") for f in factors
                   if f.kind == RATING and opp.get(f.key) is not None}
        parsed.append((name, amount, probability, days, ratings, opp))
    common_currency((p[1] for p in parsed), "opportunities.amount")

    max_amount = max((p[1].amount for p in parsed), default=Decimal(0))
    max_days = max((p[3] for p in parsed if p[3] is not None), default=Decimal(0))

    results = []
    for name, amount, probability, days, ratings, opp in parsed:
        values: dict[str, Decimal] = {}
        missing = []
        for factor in factors:
            if factor.kind == REVENUE:
                value = amount.amount / max_amount if max_amount else Decimal(0)
            elif factor.kind == PROBABILITY:
                value = probability / 100 if probability is not None else None
            elif factor.kind == TIME_TO_CLOSE:
                # Everything closing the same day (max_days 0) is as soon as it gets.
                value = (1 - days / max_days if max_days else Decimal(1)) if days is not None else None
            else:
                rating = ratings.get(factor.key)
                value = (rating - 1) / 4 if rating is not None else None
                if value is not None and factor.inverse:
                    value = 1 - value
            if value is None:
                value = NEUTRAL
                missing.append(factor.key)
            values[factor.key] = value
        exact = sum((w[key] * values[key] for key in keys), Decimal(0)) * 100
        score = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        scored = ScoredOpportunity(
            name=name,
            amount=amount.to_dict(),
            score=plain_number(score),
            factors={key: float(v.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)) for key, v in values.items()},
            missing=tuple(missing),
            opportunity=opp,
        )
        results.append((score, scored, amount))
    return results


def score_opportunities(
    opps: Iterable[Mapping[str, Any]],
    weights: Mapping[str, Any] | None = None,
    *,
    factors: Sequence[Factor] = DEFAULT_FACTORS,
    today: date | None = None,
) -> list[ScoredOpportunity]:
    """Score each opportunity 0-100, in input order.

    ``weights`` (e.g. from ``team_weights``) are normalised again, so raw points work too; a
    factor left out weighs 0, and None means the default weights. ``today`` is needed only
    for opportunities that give a ``close_date`` rather than ``days_to_close``.
    Mixed currencies raise ``CurrencyMismatch``.
    """
    return [scored for _, scored, _ in _scores(list(opps), weights, factors, today)]


def rank(
    opps: Iterable[Mapping[str, Any]],
    weights: Mapping[str, Any] | None = None,
    target: Any = None,
    top_n: int | None = None,
    *,
    factors: Sequence[Factor] = DEFAULT_FACTORS,
    today: date | None = None,
) -> Ranking:
    """Rank by score (as shown, 2 places), then amount (larger first), then name (A-Z).

    With a ``target`` (e.g. a recovery plan's ``pipeline_to_add``) the ranking says whether
    the top ``top_n`` opportunities' amounts reach it, and how many top-ranked ones it takes.
    """
    scored = _scores(list(opps), weights, factors, today)
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise InvalidValue("top_n", top_n, "expected a whole number of 1 or more")
    scored.sort(key=lambda item: (-item[0], -item[2].amount, item[1].name.casefold(), item[1].name))
    currency = scored[0][2].currency if scored else None

    target_m = None
    if target is not None:
        target_m = Money.of(target, "target", allow_negative=False)
        if currency is not None and target_m.currency != currency:
            raise CurrencyMismatch(currency, target_m.currency, "target")
        currency = currency or target_m.currency

    entries = []
    running = Decimal(0)
    to_target = None
    for position, (_, item, amount) in enumerate(scored, start=1):
        running += amount.amount
        if target_m is not None and to_target is None and running >= target_m.amount:
            to_target = position
        entries.append(RankedOpportunity(
            **{name: getattr(item, name) for name in ("name", "amount", "score", "factors", "missing", "opportunity")},
            rank=position,
            cumulative=Money(running, amount.currency).to_dict(),
        ))

    count = len(entries) if top_n is None else min(top_n, len(entries))
    top_total = sum((amount.amount for _, _, amount in scored[:count]), Decimal(0))
    top_money = Money(top_total, currency).to_dict() if currency else None
    reaches = shortfall = None
    if target_m is not None:
        reaches = top_total >= target_m.amount
        shortfall = Money(max(target_m.amount - top_total, Decimal(0)), target_m.currency).to_dict()
    return Ranking(
        currency=currency,
        entries=tuple(entries),
        top_n=count,
        top_total=top_money,
        target=target_m.to_dict() if target_m is not None else None,
        reaches_target=reaches,
        target_shortfall=shortfall,
        opportunities_to_target=to_target,
    )


__all__ = [
    "Factor", "DEFAULT_FACTORS", "STAGE_PROBABILITY", "stage_probability", "member_shares", "team_weights", "score_opportunities", "rank",
    "ScoredOpportunity", "RankedOpportunity", "Ranking",
]
