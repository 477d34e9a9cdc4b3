"""Pipeline coverage for recovering lost revenue (domain.md, section 4).

To make a number a team keeps about ``multiple`` times it in pipeline (3x by default, or
1 / win rate for a team that knows its own: 25% means 4x). Replacing a loss means adding
``multiple`` times the *unrecovered* loss (lost minus retained) on top of what the quota
already needed.

Two shortfalls, never confused (domain.md section 4; prompts/recover names them the same):

- the **pipeline shortfall**: what today's open pipeline lacks against the pipeline needed,
  for quota and loss together when the quota is known (``shortfall_total``), else for the loss
  alone (``shortfall``);
- what the top-ranked opportunities leave of the pipeline still to build for the loss
  (``ranking.Ranking.target_shortfall``, over the gap left after wins).

Pipeline figures are targets made by a multiple, so they are shown in whole currency units
(half-up): "USD 37,666,667", not the false precision of "USD 37,666,666.67". Lost, kept and
unrecovered amounts keep their cents: they are real amounts someone typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from bot.domain.errors import InvalidValue
from bot.domain.money import Money, Number, plain_number, ratio, to_decimal
from bot.values.money import round_to

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RecoveryPlan:
    """Everything ``/recover`` shows, as JSON-friendly values (amounts are money dicts).

    ``multiple`` is rounded to 2 places for display; the amounts use the exact multiple
    (100 / 30 for a 30% win rate), kept as text in ``exact_multiple`` so a stored plan
    multiplies by the same number later and does not drift with the rounding.
    """

    currency: str
    lost: dict[str, Any]
    retained: dict[str, Any]
    unrecovered: dict[str, Any]
    retained_exceeds_lost: bool
    multiple: Number
    multiple_source: str  # "win_rate", "multiple" or "default"
    exact_multiple: str  # the Decimal behind ``multiple``, e.g. "3.333333333333333333333333333"
    win_rate: Number | None
    pipeline_to_add: dict[str, Any]
    current_pipeline: dict[str, Any] | None
    covered_by_current: bool | None  # current pipeline >= pipeline_to_add; None when unknown
    shortfall: dict[str, Any] | None  # pipeline_to_add not covered by the current pipeline
    quota: dict[str, Any] | None
    pipeline_for_quota: dict[str, Any] | None  # multiple x quota, whole units
    pipeline_needed_total: dict[str, Any] | None  # pipeline_for_quota + pipeline_to_add
    covered_total_by_current: bool | None
    shortfall_total: dict[str, Any] | None
    current_coverage: float | None  # current pipeline / (quota + unrecovered); None when that is 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def whole_units(amount: Decimal) -> Decimal:
    """A pipeline target in whole currency units, half-up (the one rounding of bot.values)."""
    return round_to(amount, 0)


def coverage_multiple(*, multiple: Any = None, win_rate: Any = None, default_multiple: Any = 3) -> tuple[Decimal, str]:
    """The exact multiple and where it came from. A win rate wins over an explicit multiple.

    ``win_rate`` is a percent in (0, 100]; a multiple below 1 would mean winning more than
    everything in the pipeline, so it is refused.
    """
    if win_rate is not None:
        rate = to_decimal(win_rate, "win_rate")
        if not 0 < rate <= HUNDRED:
            raise InvalidValue("win_rate", win_rate, "expected a percent above 0 and at most 100, e.g. 25 for 25%")
        return HUNDRED / rate, "win_rate"
    field, value, source = ("multiple", multiple, "multiple") if multiple is not None else ("default_multiple", default_multiple, "default")
    number = to_decimal(value, field)
    if number < 1:
        raise InvalidValue(field, value, "expected a coverage multiple of at least 1, e.g. 3 for 3x")
    return number, source


def recovery_plan(
    lost: Any,
    retained: Any,
    *,
    multiple: Any = None,
    win_rate: Any = None,
    current_pipeline: Any = None,
    quota: Any = None,
    default_multiple: Any = 3,
) -> RecoveryPlan:
    """Size the pipeline a loss calls for. ``retained`` may be None (nothing kept).

    All amounts must share ``lost``'s currency (``CurrencyMismatch`` otherwise) and be
    non-negative. A zero quota is fine: coverage ratios that would divide by zero are None.
    """
    lost_m = Money.of(lost, "lost", allow_negative=False)
    currency = lost_m.currency

    def same(value: Any, field: str) -> Money | None:
        if value is None:
            return None
        money = Money.of(value, field, allow_negative=False)
        lost_m.check_currency(money, field)
        return money

    retained_m = same(retained, "retained") or Money.zero(currency)
    pipeline_m = same(current_pipeline, "current_pipeline")
    quota_m = same(quota, "quota")
    factor, source = coverage_multiple(multiple=multiple, win_rate=win_rate, default_multiple=default_multiple)

    unrecovered = max(lost_m.amount - retained_m.amount, Decimal(0))
    to_add = whole_units(factor * unrecovered)

    def money(amount: Decimal) -> dict[str, Any]:
        return Money(amount, currency).to_dict()

    covered = shortfall = None
    if pipeline_m is not None:
        covered = pipeline_m.amount >= to_add
        shortfall = money(max(to_add - pipeline_m.amount, Decimal(0)))

    for_quota = needed_total = covered_total = shortfall_total = coverage_now = None
    if quota_m is not None:
        quota_part = whole_units(factor * quota_m.amount)
        for_quota = money(quota_part)
        total = quota_part + to_add
        needed_total = money(total)
        if pipeline_m is not None:
            covered_total = pipeline_m.amount >= total
            shortfall_total = money(max(total - pipeline_m.amount, Decimal(0)))
            coverage_now = ratio(pipeline_m.amount, quota_m.amount + unrecovered, places=2)

    return RecoveryPlan(
        currency=currency,
        lost=lost_m.to_dict(),
        retained=retained_m.to_dict(),
        unrecovered=money(unrecovered),
        retained_exceeds_lost=retained_m.amount > lost_m.amount,
        multiple=plain_number(factor),
        multiple_source=source,
        exact_multiple=str(factor),
        win_rate=plain_number(to_decimal(win_rate, "win_rate")) if win_rate is not None else None,
        pipeline_to_add=money(to_add),
        current_pipeline=pipeline_m.to_dict() if pipeline_m is not None else None,
        covered_by_current=covered,
        shortfall=shortfall,
        quota=quota_m.to_dict() if quota_m is not None else None,
        pipeline_for_quota=for_quota,
        pipeline_needed_total=needed_total,
        covered_total_by_current=covered_total,
        shortfall_total=shortfall_total,
        current_coverage=coverage_now,
    )


__all__ = ["RecoveryPlan", "recovery_plan", "coverage_multiple", "whole_units"]
