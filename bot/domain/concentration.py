"""Concentration risk: how much of an account's or a seller's revenue sits in one contract.

One enterprise-wide contract is lucrative and fragile; several departmental contracts turn a
cancellation into a small hill rather than a canyon (domain.md, section 4). This module
returns the numbers and a suggestion *code*; the wording belongs to the templates.

A group (an account, or a seller) is flagged when its largest contract's share of the
group's revenue is *more than* ``threshold`` (exactly at the threshold is not flagged: the
one rule of issue 16, shared with :func:`bot.domain.book.heavy_contracts`). That covers both
shapes of risk: several contracts with one dominating, and a single contract (share 1), which
is the riskiest. A threshold of 100% therefore flags nothing: it turns the warning off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.errors import InvalidValue
from bot.domain.money import Money, common_currency, ratio, to_decimal

# Codes the templates turn into advice.
SPREAD_LARGEST = "spread_largest_contract"  # one of several contracts dominates: split it by department
ADD_CONTRACTS = "add_contracts"  # all revenue in one contract: open other departments


@dataclass(frozen=True)
class Group:
    kind: str  # "account" or "seller"
    key: str
    total: dict[str, Any]
    contract_count: int
    largest: dict[str, Any]
    largest_contract: Mapping[str, Any]  # the contract itself (account, seller, department...)
    share: float | None  # largest / total, 4 places; None when the total is 0
    flagged: bool
    single_contract: bool
    departments: tuple[str, ...]  # distinct departments named on its contracts
    suggestion: str | None  # SPREAD_LARGEST, ADD_CONTRACTS or None


@dataclass(frozen=True)
class ConcentrationReport:
    currency: str | None
    threshold: float
    accounts: tuple[Group, ...]
    sellers: tuple[Group, ...]

    @property
    def flagged_accounts(self) -> tuple[Group, ...]:
        return tuple(group for group in self.accounts if group.flagged)

    @property
    def flagged_sellers(self) -> tuple[Group, ...]:
        return tuple(group for group in self.sellers if group.flagged)


def _text(contract: Mapping[str, Any], name: str, where: str) -> str:
    value = contract.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{where}.{name}", value, f"every contract needs {'an' if name[0] in 'aeiou' else 'a'} {name}")
    return value.strip()


def concentration(contracts: Iterable[Mapping[str, Any]], threshold: Any = 0.5) -> ConcentrationReport:
    """Per account and per seller: total, largest contract, its share, and a flag.

    ``threshold`` is a share in (0, 1]. All contracts share one currency (``CurrencyMismatch``
    otherwise; call once per currency). Groups come flagged first, then by share and total,
    largest first, then by name.
    """
    limit = to_decimal(threshold, "threshold")
    if not 0 < limit <= 1:
        raise InvalidValue("threshold", threshold, "expected a share above 0 and at most 1, e.g. 0.5 for 50%")

    parsed = []
    for index, contract in enumerate(contracts):
        where = f"contracts[{index}]"
        if not isinstance(contract, Mapping):
            raise InvalidValue(where, contract, "expected a contract as a mapping")
        amount = Money.of(contract.get("amount"), f"{where}.amount", allow_negative=False)
        department = contract.get("department")
        parsed.append((_text(contract, "account", where), _text(contract, "seller", where), amount,
                       department.strip() if isinstance(department, str) and department.strip() else None, contract))
    currency = common_currency((p[2] for p in parsed), "contracts.amount")

    def groups(kind: str, position: int) -> tuple[Group, ...]:
        members: dict[str, list] = {}
        for item in parsed:
            members.setdefault(item[position], []).append(item)
        built = []
        for key, items in members.items():
            total = sum((item[2].amount for item in items), Decimal(0))
            # The first of equal largest contracts, so the result does not depend on sorting.
            largest = max(items, key=lambda item: item[2].amount)
            share = largest[2].amount / total if total else None
            flagged = share is not None and share > limit  # "more than", as in book.py
            single = len(items) == 1
            departments = tuple(dict.fromkeys(item[3] for item in items if item[3]))
            built.append(Group(
                kind=kind,
                key=key,
                total=Money(total, currency).to_dict(),
                contract_count=len(items),
                largest=largest[2].to_dict(),
                largest_contract=largest[4],
                share=ratio(largest[2].amount, total),
                flagged=flagged,
                single_contract=single,
                departments=departments,
                suggestion=(ADD_CONTRACTS if single else SPREAD_LARGEST) if flagged else None,
            ))
        built.sort(key=lambda g: (not g.flagged, -(g.share or 0), -Decimal(str(g.total["amount"])), g.key.casefold(), g.key))
        return tuple(built)

    return ConcentrationReport(
        currency=currency,
        threshold=float(limit),
        accounts=groups("account", 0),
        sellers=groups("seller", 1),
    )


__all__ = ["concentration", "ConcentrationReport", "Group", "SPREAD_LARGEST", "ADD_CONTRACTS"]
