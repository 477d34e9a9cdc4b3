"""Open opportunities from a CRM's CSV export, ready for ``ranking.rank``.

Header names are matched loosely (case, spaces and punctuation ignored; "Opportunity Name",
"Deal Name" and "name" all mean the name). Each malformed row gives one error naming its
line and every problem in it ("line 4: Amount 'abc' is not a number"); the good rows are
still imported. Columns we don't know are ignored and listed.

Values are read by :mod:`bot.values`, the same rules as typed answers and templates:
amounts like ``120000``, ``120,000.50``, ``$120,000``, ``¥500`` or ``EUR 1,250.50`` (a comma
is a thousands separator, never a decimal one), rounded to cents half-up; probabilities
in percentage points, ``40`` or ``40%`` (``1`` is 1%); dates as ``YYYY-MM-DD`` (a time after
it is ignored), ``31 May 2024``, ``May 31, 2024``, or with slashes when unambiguous
(``31/05/2024``; ``05/06/2024`` is refused, it could be either).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.domain.csv_export import (BadCell, RowError, data_records, extra_values, header_key, read_amount,
                                   read_close_date, read_header)
from bot.domain.money import plain_number
from bot.values.money import read_number
from bot.values.percent import json_points, read_percent

# canonical field -> header spellings, compared after dropping case and non-alphanumerics
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "opportunityname", "opportunity", "dealname", "deal", "opportunitytitle"),
    "amount": ("amount", "value", "dealvalue", "opportunityamount", "dealamount", "totalvalue"),
    "currency": ("currency", "currencycode", "amountcurrency", "opportunitycurrency", "isocode"),
    "probability": ("probability", "probabilitypercent", "probabilitypct", "winprobability",
                    "dealprobability", "likelihood"),
    "close_date": ("closedate", "expectedclosedate", "closingdate", "expectedclose", "close"),
    "stage": ("stage", "salesstage", "dealstage", "opportunitystage"),
    "account": ("account", "accountname", "company", "companyname", "customer"),
    "strategic_fit": ("strategicfit", "fit"),
    "relationship": ("relationship", "relationshipstrength"),
    "effort": ("effort", "effortneeded", "efforttoclose"),
}
REQUIRED = ("name", "amount")
LABELS = {
    "name": "Name", "amount": "Amount", "currency": "Currency", "probability": "Probability",
    "close_date": "Close Date", "stage": "Stage", "account": "Account", "strategic_fit": "Strategic Fit",
    "relationship": "Relationship", "effort": "Effort",
}
FACTOR_PREFIX = "factor:"
_ALIAS = {alias: canonical for canonical, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class ImportResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()

    @property
    def currencies(self) -> tuple[str, ...]:
        seen: list[str] = []
        for row in self.rows:
            if row["amount"]["currency"] not in seen:
                seen.append(row["amount"]["currency"])
        return tuple(seen)


def _number(text: str) -> Decimal | None:
    return read_number(text, scales=False)


def _percent(raw: str) -> float | int:
    number = read_percent(raw.strip())
    if number is None:
        raise BadCell(f"Probability {raw.strip()!r} is not a number")
    if not 0 <= number <= 100:
        raise BadCell(f"Probability {raw.strip()!r} is not between 0 and 100")
    return json_points(number)


def _rating(raw: str, label: str) -> float | int:
    number = _number(raw.strip())
    if number is None:
        raise BadCell(f"{label} {raw.strip()!r} is not a number")
    if not 1 <= number <= 5:
        raise BadCell(f"{label} {raw.strip()!r} is not between 1 and 5")
    return plain_number(number)


def parse_opportunities_csv(text: str, *, default_currency: str | None = None,
                            factor_columns: Mapping[str, str] | None = None) -> ImportResult:
    """Rows as ``{name, amount: {amount, currency}, probability, close_date, stage, account,
    strategic_fit, relationship, effort, factors, line}``; optional values are None when blank.

    ``factor_columns`` maps a CSV header to a factor a team added (teams file ``factors:``);
    its 1-5 ratings land in ``factors`` (``{name: rating}``, blank cells left out; the key is
    there only when the team has such columns).

    ``default_currency`` applies to amounts with neither a symbol, a code nor a Currency
    column; without it they are errors, so nothing is silently read in the wrong currency.
    """
    by_header = {header_key(column): name for column, name in (factor_columns or {}).items()}

    def field_of(title: str) -> str | None:
        # a team's own factor wins over a built-in alias: the team named that column on purpose
        key = header_key(title)
        return FACTOR_PREFIX + by_header[key] if key in by_header else _ALIAS.get(key)

    header = read_header(text, example="'Name,Amount,Currency'", field_of=field_of, required=REQUIRED, labels=LABELS)
    if header.problem:
        return ImportResult(errors=[header.problem], ignored_columns=header.ignored)

    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for line, record in data_records(header.reader, errors):
        row, problems, fields = _row(record, header.columns, header.cells, default_currency)
        if problems:
            errors.append(RowError(line, "; ".join(problems), tuple(fields)))
        else:
            row["line"] = line
            rows.append(row)
    return ImportResult(rows=rows, errors=errors, ignored_columns=header.ignored)


def _row(record: list[str], columns: dict[str, int], record_header: list[str], default_currency: str | None):
    header = list(record_header)

    def cell(canonical: str) -> str:
        index = columns.get(canonical)
        return record[index].strip() if index is not None and index < len(record) else ""

    problems: list[str] = []
    fields: list[str] = []
    extra = extra_values(record, header)
    if extra:
        problems.append(extra)
    row: dict[str, Any] = {}

    def read(canonical: str, parse, *args) -> None:
        raw = cell(canonical)
        if not raw:
            row[canonical] = None
            return
        try:
            row[canonical] = parse(raw, *args)
        except BadCell as bad:
            problems.append(str(bad))
            fields.append(canonical)

    row["name"] = cell("name") or None
    if row["name"] is None:
        problems.append("Name is empty")
        fields.append("name")
    if not cell("amount"):
        problems.append("Amount is empty")
        fields.append("amount")
    else:
        try:
            row["amount"] = read_amount(cell("amount"), cell("currency"), default_currency).to_dict()
        except BadCell as bad:
            problems.append(str(bad))
            fields.append("amount")
    read("probability", _percent)
    read("close_date", read_close_date)
    row["stage"] = cell("stage") or None
    row["account"] = cell("account") or None
    for canonical in ("strategic_fit", "relationship", "effort"):
        read(canonical, _rating, LABELS[canonical])
    factors: dict[str, Any] = {}
    for canonical, index in columns.items():
        if canonical.startswith(FACTOR_PREFIX):
            read(canonical, _rating, header[index].strip())
            value = row.pop(canonical, None)
            if value is not None:
                factors[canonical[len(FACTOR_PREFIX):]] = value
    if any(canonical.startswith(FACTOR_PREFIX) for canonical in columns):
        row["factors"] = factors
    return row, problems, fields


__all__ = ["parse_opportunities_csv", "ImportResult", "RowError", "HEADER_ALIASES"]
