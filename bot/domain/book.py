"""A rep's or team's signed book from a CRM export, and the contracts that carry too much of it.

Concentration is best measured on signed revenue, before a renewal is at risk, not only after
the loss (domain.md, section 4). `rebound book import FILE.csv` reads signed revenue by account
and contract; a contract is flagged when its share of its owner's book is *more than* the
team's threshold (a contract at exactly the threshold is not flagged). The advice is the
departmental spread: win the account's other departments so one cancellation is a small hill.

The CSV is read by :mod:`bot.domain.csv_export`'s rules (loose headers, amounts read
by bot/values, each bad row one error with its line, the good rows kept).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from bot.domain.csv_export import BadCell, RowError, data_records, extra_values, header_key, read_amount, read_header
from bot.domain.errors import InvalidValue
from bot.domain.money import Money, common_currency, ratio, to_decimal

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "account": ("account", "accountname", "company", "companyname", "customer"),
    "contract": ("contract", "contractname", "agreement", "name", "dealname", "deal", "opportunityname", "opportunity"),
    "amount": ("amount", "value", "revenue", "signedrevenue", "contractvalue", "annualvalue", "arr", "acv", "tcv"),
    "currency": ("currency", "currencycode", "isocode"),
    "department": ("department", "businessunit", "office", "division", "unit", "dept"),
    "owner": ("owner", "rep", "seller", "accountowner", "owneruserid", "slackuser", "slackid", "user"),
}
REQUIRED = ("account", "contract", "amount")
LABELS = {"account": "Account", "contract": "Contract", "amount": "Amount", "currency": "Currency",
          "department": "Department", "owner": "Owner"}
_ALIAS = {alias: canonical for canonical, aliases in HEADER_ALIASES.items() for alias in aliases}
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")


@dataclass(frozen=True)
class BookImport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()


def parse_book_csv(text: str, *, default_currency: str | None = None, default_owner: str | None = None,
                   owner_currency: Callable[[str], str | None] | None = None) -> BookImport:
    """Rows ``{account, contract, amount, department, owner, line}``. A row's owner is its Owner
    column (a Slack user id) or ``default_owner``; a row with neither is an error. An amount
    with no currency is in ``default_currency``, else in ``owner_currency(owner)`` (the rep's
    team's), else an error."""
    header = read_header(text, example="'Account,Contract,Amount'",
                         field_of=lambda title: _ALIAS.get(header_key(title)), required=REQUIRED, labels=LABELS)
    if header.problem:
        return BookImport(errors=[header.problem], ignored_columns=header.ignored)
    columns = header.columns
    rows, errors = [], []
    for line, record in data_records(header.reader, errors):

        def cell(name: str) -> str:
            index = columns.get(name)
            return record[index].strip() if index is not None and index < len(record) else ""

        problems, fields = [], []
        extra = extra_values(record, header.cells)
        if extra:
            problems.append(extra)
        for name in ("account", "contract", "amount"):
            if not cell(name):
                problems.append(f"{LABELS[name]} is empty")
                fields.append(name)
        owner = cell("owner") or default_owner
        amount = None
        if cell("amount"):
            currency = default_currency or (owner_currency(owner) if owner_currency and owner else None)
            try:
                amount = read_amount(cell("amount"), cell("currency"), currency).to_dict()
            except BadCell as bad:
                problems.append(str(bad).replace("an opportunity is worth", "signed revenue is"))
                fields.append("amount")
        if not owner:
            problems.append("Owner is empty; add an Owner column of Slack user ids or pass --user")
            fields.append("owner")
        elif not _SLACK_USER.fullmatch(owner):
            problems.append(f"Owner {owner!r} is not a Slack user id such as U0123ABCD")
            fields.append("owner")
        if problems:
            errors.append(RowError(line, "; ".join(problems), tuple(fields)))
            continue
        rows.append({"account": cell("account"), "contract": cell("contract"), "amount": amount,
                     "department": cell("department") or None, "owner": owner, "line": line})
    return BookImport(rows=rows, errors=errors, ignored_columns=header.ignored)


# -- which contracts carry too much of a book ---------------------------------------------------


@dataclass(frozen=True)
class HeavyContract:
    """One contract carrying more than the threshold of its owner's book."""

    owner: str
    account: str
    contract: str
    department: str | None
    amount: dict[str, Any]
    book: dict[str, Any]  # the owner's whole signed book, same currency
    share: float  # amount / book, 4 places
    threshold: float
    departments: tuple[str, ...]  # the account's other departments already signed (the spread to grow)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def heavy_contracts(contracts: Iterable[Mapping[str, Any]], threshold: Any) -> list[HeavyContract]:
    """Per owner and currency, each contract whose share of the owner's book is strictly more
    than ``threshold`` (a share in (0, 1]). Largest share first, then owner and contract."""
    limit = to_decimal(threshold, "threshold")
    if not 0 < limit <= 1:
        raise InvalidValue("threshold", threshold, "expected a share above 0 and at most 1, e.g. 0.5 for 50%")
    books: dict[tuple[str, str], list[tuple[Money, Mapping[str, Any]]]] = {}
    for index, contract in enumerate(contracts):
        money = Money.of(contract["amount"], f"contracts[{index}].amount", allow_negative=False)
        books.setdefault((str(contract["owner"]), money.currency), []).append((money, contract))
    heavy = []
    for (owner, currency), items in books.items():
        common_currency((money for money, _ in items))
        total = sum((money.amount for money, _ in items), Decimal(0))
        if total <= 0:
            continue
        for money, contract in items:
            if money.amount / total > limit:  # "more than": at exactly the threshold it is not flagged
                others = tuple(dict.fromkeys(
                    c.get("department") for m, c in items
                    if c is not contract and c.get("account") == contract.get("account") and c.get("department")))
                heavy.append(HeavyContract(owner, str(contract["account"]), str(contract["contract"]),
                                           contract.get("department"), money.to_dict(), Money(total, currency).to_dict(),
                                           ratio(money.amount, total), float(limit), others))
    heavy.sort(key=lambda h: (-h.share, h.owner, h.account.casefold(), h.contract.casefold()))
    return heavy


__all__ = ["parse_book_csv", "BookImport", "heavy_contracts", "HeavyContract", "HEADER_ALIASES"]
