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

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.domain.money import Money, plain_number
from bot.values.dates import AmbiguousDate, NotOnCalendar, calendar_date
from bot.values.money import MAX_AMOUNT, currency_of, read_money, read_number, round_cents
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
class RowError:
    line: int
    message: str
    columns: tuple[str, ...] = ()  # canonical fields at fault, e.g. ("amount",)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


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


class _Bad(Exception):
    pass


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())



def data_records(reader, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row after the header, with the line it starts on (a quoted cell may span
    lines). A row the csv module cannot read is reported in ``errors`` and ends the reading:
    what follows it cannot be trusted to line up."""
    last_line = reader.line_num
    while True:
        line = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(RowError(line, f"the row could not be read: {error}"))
            return
        last_line = reader.line_num
        if any(cell.strip() for cell in record):
            yield line, record


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _number(text: str) -> Decimal | None:
    return read_number(text, scales=False)


def _amount(raw: str, currency_cell: str, default_currency: str | None) -> Money:
    shown = raw.strip()
    read = read_money(shown)
    if read.amount is None:
        raise _Bad(f"Amount {shown!r} is not a number")
    if read.conflicting:
        raise _Bad(f"Amount {shown!r} names two currencies; keep one")
    if read.amount < 0:
        raise _Bad(f"Amount {shown!r} is negative; an opportunity is worth 0 or more")
    if read.amount > MAX_AMOUNT:
        raise _Bad(f"Amount {shown!r} is too large to be right")
    found = read.currency
    column = currency_cell.strip()
    if column and currency_of(column) is None:
        raise _Bad(f"Currency {column!r} is not a three-letter code such as USD")
    column = column.upper()
    if column and found and column != found:
        raise _Bad(f"Amount {shown!r} is in {found} but the Currency column says {column}")
    currency = column or found or (default_currency.strip().upper() if default_currency else "")
    if not currency:
        raise _Bad(f"Amount {shown!r} has no currency; add a Currency column or write it like 'USD 120,000'")
    return Money(round_cents(read.amount), currency)


def _percent(raw: str) -> float | int:
    number = read_percent(raw.strip())
    if number is None:
        raise _Bad(f"Probability {raw.strip()!r} is not a number")
    if not 0 <= number <= 100:
        raise _Bad(f"Probability {raw.strip()!r} is not between 0 and 100")
    return json_points(number)


def _rating(raw: str, label: str) -> float | int:
    number = _number(raw.strip())
    if number is None:
        raise _Bad(f"{label} {raw.strip()!r} is not a number")
    if not 1 <= number <= 5:
        raise _Bad(f"{label} {raw.strip()!r} is not between 1 and 5")
    return plain_number(number)


def _date(raw: str) -> str:
    text = raw.strip()
    try:
        day = calendar_date(text)
    except AmbiguousDate:
        raise _Bad(f"Close Date {text!r} could be day/month or month/day; write it as YYYY-MM-DD") from None
    except NotOnCalendar:
        day = None
    if day is None:
        raise _Bad(f"Close Date {text!r} is not a date; write it as YYYY-MM-DD")
    return day.isoformat()


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
    text = text.lstrip("\ufeff")
    if not text.strip():
        return ImportResult(errors=[RowError(1, "the file is empty; expected a header row such as 'Name,Amount,Currency'")])
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.splitlines()[0]))
    try:
        header = next(reader)
    except csv.Error as error:
        return ImportResult(errors=[RowError(1, f"the header row could not be read: {error}")])

    columns: dict[str, int] = {}
    ignored: list[str] = []
    by_header = {_header_key(column): name for column, name in (factor_columns or {}).items()}
    for index, title in enumerate(header):
        # a team's own factor wins over a built-in alias: the team named that column on purpose
        canonical = (FACTOR_PREFIX + by_header[_header_key(title)] if _header_key(title) in by_header
                     else _ALIAS.get(_header_key(title)))
        if canonical is None:
            if title.strip():
                ignored.append(title.strip())
        elif canonical in columns:
            return ImportResult(errors=[RowError(
                1, f"columns {header[columns[canonical]].strip()!r} and {title.strip()!r} both look like "
                   f"{LABELS.get(canonical, title.strip())}; keep one",
                (canonical,))])
        else:
            columns[canonical] = index
    missing = [canonical for canonical in REQUIRED if canonical not in columns]
    if missing:
        return ImportResult(
            errors=[RowError(1, "no " + " or ".join(LABELS[c] for c in missing) + " column in the header", tuple(missing))],
            ignored_columns=tuple(ignored),
        )

    rows: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for line, record in data_records(reader, errors):
        row, problems, fields = _row(record, columns, header, default_currency)
        if problems:
            errors.append(RowError(line, "; ".join(problems), tuple(fields)))
        else:
            row["line"] = line
            rows.append(row)
    return ImportResult(rows=rows, errors=errors, ignored_columns=tuple(ignored))


def _row(record: list[str], columns: dict[str, int], record_header: list[str], default_currency: str | None):
    header = list(record_header)

    def cell(canonical: str) -> str:
        index = columns.get(canonical)
        return record[index].strip() if index is not None and index < len(record) else ""

    problems: list[str] = []
    fields: list[str] = []
    width = len(header)
    if len(record) > width and any(value.strip() for value in record[width:]):
        problems.append(f"{len(record)} values but the header has {width} columns")
    row: dict[str, Any] = {}

    def read(canonical: str, parse, *args) -> None:
        raw = cell(canonical)
        if not raw:
            row[canonical] = None
            return
        try:
            row[canonical] = parse(raw, *args)
        except _Bad as bad:
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
            row["amount"] = _amount(cell("amount"), cell("currency"), default_currency).to_dict()
        except _Bad as bad:
            problems.append(str(bad))
            fields.append("amount")
    read("probability", _percent)
    read("close_date", _date)
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
