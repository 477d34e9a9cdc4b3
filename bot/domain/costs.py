"""What mistakes and pilots cost (domain.md, section 3).

The worked example: a lost $120K deal, half saved, cost 40 senior hours at $500/hour:
$60K recovered minus $20K of effort is $40K net, and $60K of value lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from bot.domain.errors import InvalidValue
from bot.domain.money import Money, Number, common_currency, plain_number, ratio, to_decimal

# The agreed actions of a pilot outcome (playbooks/pilot-plan.yml); "buy" is a conversion.
PILOT_ACTIONS = ("buy", "extend", "re_scope", "stop")


@dataclass(frozen=True)
class MistakeCost:
    currency: str
    hours: Number
    effort_cost: dict[str, Any]  # sum of hours x hourly cost
    by_person: tuple[dict[str, Any], ...]  # {who, hours, cost}, in input order
    full_value: dict[str, Any]
    recovered_value: dict[str, Any]
    value_lost: dict[str, Any]  # full - recovered
    net: dict[str, Any]  # recovered - effort; negative when the rescue cost more than it saved

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mistake_cost(hours: Iterable[Mapping[str, Any]], full_value: Any, recovered_value: Any) -> MistakeCost:
    """Effort, value lost and net result of a deal or pilot that went wrong.

    ``hours`` is a list of ``{who, hours, hourly_cost}``; every amount shares
    ``full_value``'s currency. Recovering more than the full value is refused.
    """
    full = Money.of(full_value, "full_value", allow_negative=False)
    recovered = Money.of(recovered_value, "recovered_value", allow_negative=False)
    full.check_currency(recovered, "recovered_value")
    if recovered.amount > full.amount:
        raise InvalidValue("recovered_value", recovered.to_dict(),
                           f"cannot be more than the full value ({full.to_dict()['amount']} {full.currency})")

    total_hours = Decimal(0)
    effort = Money.zero(full.currency)
    people = []
    for index, entry in enumerate(hours):
        where = f"hours[{index}]"
        if not isinstance(entry, Mapping):
            raise InvalidValue(where, entry, "expected {who, hours, hourly_cost}")
        spent = to_decimal(entry.get("hours"), f"{where}.hours")
        if spent < 0:
            raise InvalidValue(f"{where}.hours", entry.get("hours"), "expected 0 hours or more")
        rate = Money.of(entry.get("hourly_cost"), f"{where}.hourly_cost", allow_negative=False)
        full.check_currency(rate, f"{where}.hourly_cost")
        cost = rate.times(spent)
        total_hours += spent
        effort += cost
        people.append({"who": entry.get("who"), "hours": plain_number(spent), "cost": cost.to_dict()})

    return MistakeCost(
        currency=full.currency,
        hours=plain_number(total_hours),
        effort_cost=effort.to_dict(),
        by_person=tuple(people),
        full_value=full.to_dict(),
        recovered_value=recovered.to_dict(),
        value_lost=(full - recovered).to_dict(),
        net=(recovered - effort).to_dict(),
    )


@dataclass(frozen=True)
class PilotConversion:
    currency: str | None
    pilot_count: int
    decided_count: int  # pilots with an agreed action recorded
    converted_count: int  # ... whose action was "buy"
    pending_count: int
    pilot_fees: dict[str, Any] | None  # sum of pilot fees
    full_value_at_stake: dict[str, Any] | None  # sum of the full deals, every pilot
    decided_value: dict[str, Any] | None  # full deals of the decided pilots
    converted_value: dict[str, Any] | None  # full deals of the pilots that bought
    conversion_rate: float | None  # converted / decided pilots, 4 places
    value_conversion: float | None  # converted value / decided value, 4 places

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pilot_conversion(pilots: Iterable[Mapping[str, Any]]) -> PilotConversion:
    """How a quarter's pilots turned into full deals.

    Each pilot is ``{pilot_fee, deal_value (or full_value), action}`` where ``action`` is the
    agreed next step that happened (buy, extend, re_scope, stop) or None while undecided.
    Ratios count decided pilots only: a pilot still running has not failed to convert.
    """
    parsed = []
    for index, pilot in enumerate(pilots):
        where = f"pilots[{index}]"
        if not isinstance(pilot, Mapping):
            raise InvalidValue(where, pilot, "expected a pilot as a mapping")
        value_key = "deal_value" if pilot.get("deal_value") is not None else "full_value"
        value = Money.of(pilot.get(value_key), f"{where}.{value_key}", allow_negative=False)
        fee = Money.of(pilot.get("pilot_fee") or {"amount": 0, "currency": value.currency},
                       f"{where}.pilot_fee", allow_negative=False)
        value.check_currency(fee, f"{where}.pilot_fee")
        action = pilot.get("action")
        if action is not None and action not in PILOT_ACTIONS:
            raise InvalidValue(f"{where}.action", action, "expected one of: " + ", ".join(PILOT_ACTIONS))
        parsed.append((fee, value, action))
    currency = common_currency((p[1] for p in parsed), "pilots.deal_value")

    def total(items) -> Decimal:
        return sum((item[1].amount for item in items), Decimal(0))

    decided = [p for p in parsed if p[2] is not None]
    converted = [p for p in decided if p[2] == "buy"]

    def money(amount: Decimal) -> dict[str, Any] | None:
        return Money(amount, currency).to_dict() if currency else None

    return PilotConversion(
        currency=currency,
        pilot_count=len(parsed),
        decided_count=len(decided),
        converted_count=len(converted),
        pending_count=len(parsed) - len(decided),
        pilot_fees=money(sum((p[0].amount for p in parsed), Decimal(0))),
        full_value_at_stake=money(total(parsed)),
        decided_value=money(total(decided)),
        converted_value=money(total(converted)),
        conversion_rate=ratio(Decimal(len(converted)), Decimal(len(decided))),
        value_conversion=ratio(total(converted), total(decided)),
    )


def _per_currency(amounts: Iterable[Money], first: str | None = None) -> list[dict[str, Any]]:
    """Amounts summed per currency (never converted): ``first`` (the team's), then alphabetically."""
    totals: dict[str, Decimal] = {}
    for money in amounts:
        totals[money.currency] = totals.get(money.currency, Decimal(0)) + money.amount
    order = sorted(totals, key=lambda currency: (currency != first, currency))
    return [Money(totals[currency], currency).to_dict() for currency in order]


@dataclass(frozen=True)
class LossCosts:
    """What a quarter's lost deals cost: the team's hours at its hourly cost, the value lost,
    and the avoidable part of both. Amounts are per currency, never converted."""

    deals: int
    deals_with_hours: int  # losses whose seller said roughly how many hours the team put in
    hours: Number
    unpriced_hours: Number  # hours of teams without an hourly cost: counted, not priced
    effort: list[dict[str, Any]]  # hours x the team's hourly cost
    value_lost: list[dict[str, Any]]
    avoidable_deals: int
    avoidable_value: list[dict[str, Any]]
    avoidable_effort: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def loss_costs(losses: Iterable[Mapping[str, Any]], first: str | None = None) -> LossCosts:
    """Each loss is ``{amount, hours, hourly_cost, avoidable}``; ``amount``, ``hours`` and
    ``hourly_cost`` may be None (not said, or no rate in the teams file). Amounts in ``first``
    (the team's currency) are listed first."""
    deals = with_hours = avoidable = 0
    hours = unpriced = Decimal(0)
    effort: list[Money] = []
    lost: list[Money] = []
    avoidable_value: list[Money] = []
    avoidable_effort: list[Money] = []
    for index, loss in enumerate(losses):
        where = f"losses[{index}]"
        deals += 1
        amount = Money.of(loss["amount"], f"{where}.amount", allow_negative=False) if loss.get("amount") else None
        if amount is not None:
            lost.append(amount)
        cost = None
        if loss.get("hours") is not None:
            spent = to_decimal(loss["hours"], f"{where}.hours")
            if spent < 0:
                raise InvalidValue(f"{where}.hours", loss["hours"], "expected 0 hours or more")
            with_hours += 1
            hours += spent
            if loss.get("hourly_cost"):
                cost = Money.of(loss["hourly_cost"], f"{where}.hourly_cost", allow_negative=False).times(spent)
                effort.append(cost)
            else:
                unpriced += spent
        if loss.get("avoidable"):
            avoidable += 1
            avoidable_value += [amount] if amount is not None else []
            avoidable_effort += [cost] if cost is not None else []
    return LossCosts(deals, with_hours, plain_number(hours), plain_number(unpriced), _per_currency(effort, first),
                     _per_currency(lost, first), avoidable, _per_currency(avoidable_value, first),
                     _per_currency(avoidable_effort, first))


@dataclass(frozen=True)
class PilotFunnel:
    """How a quarter's pilots went: started, bought, and "should have bought" (every criterion
    met, which is when the customer agreed up front to buy), with the time spent on the ones
    that did not buy."""

    started: int
    decided: int
    bought: int
    should_have_bought: int  # the outcome was "all criteria met"
    met_but_not_bought: int  # ... and the decided action was not "buy"
    running: int
    hours_not_bought: Number  # hours recorded on decided pilots that did not buy

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pilot_funnel(pilots: Iterable[Mapping[str, Any]]) -> PilotFunnel:
    """Each pilot is ``{outcome, action, hours}``: the recorded outcome (None while running),
    the decided action (None while undecided) and the hours its cost record holds (or None)."""
    started = decided = bought = met = met_not_bought = 0
    hours = Decimal(0)
    for index, pilot in enumerate(pilots):
        started += 1
        action = pilot.get("action")
        if action is not None and action not in PILOT_ACTIONS:
            raise InvalidValue(f"pilots[{index}].action", action, "expected one of: " + ", ".join(PILOT_ACTIONS))
        all_met = pilot.get("outcome") == "all_met"
        met += all_met
        if action is None:
            continue
        decided += 1
        bought += action == "buy"
        met_not_bought += all_met and action != "buy"
        if action != "buy" and pilot.get("hours") is not None:
            hours += to_decimal(pilot["hours"], f"pilots[{index}].hours")
    return PilotFunnel(started, decided, bought, met, met_not_bought, started - decided, plain_number(hours))


__all__ = ["mistake_cost", "MistakeCost", "pilot_conversion", "PilotConversion", "PILOT_ACTIONS", "loss_costs",
           "LossCosts", "pilot_funnel", "PilotFunnel"]
