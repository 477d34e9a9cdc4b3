"""Reading a CRM's CSV export: the part the opportunities, the signed book and the closed-lost
deals imports share, so the three read headers, rows and cells by one set of rules.

A header is matched loosely (:func:`header_key` drops case and punctuation), the delimiter is
the one the header row uses most, a bad row is one :class:`RowError` naming its line and the
good rows are kept, and an amount or a date is read by :mod:`bot.values` like a typed answer.
Each import keeps its own column names and its own wording for a header it cannot use.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.money import Money
from bot.values.dates import AmbiguousDate, NotOnCalendar, calendar_date
from bot.values.money import MAX_AMOUNT, currency_of, read_money, round_cents


@dataclass(frozen=True)
class RowError:
    line: int
    message: str
    columns: tuple[str, ...] = ()  # canonical fields at fault, e.g. ("amount",)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class BadCell(Exception):
    """A cell that cannot be read; the message names the column and the value, for the row's error."""


def header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


@dataclass(frozen=True)
class Header:
    """The header row of an export, and the reader standing on the first data row.

    ``problem`` is the line-1 error when the header cannot be used: the file is empty or the row
    unreadable, two columns mean one field, or a required field has no column (``missing``;
    only then are the ignored columns kept, to say what the file did have)."""

    reader: Any
    cells: list[str]
    columns: dict[str, int]
    ignored: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    problem: RowError | None = None


def read_header(text: str, *, example: str, field_of: Callable[[str], str | None], required: Sequence[str],
                labels: Mapping[str, str], same_field: str = "both look like {label}; keep one",
                missing_hint: str = "") -> Header:
    """The header of ``text`` with each column's field (``field_of(title)``, None for a column
    the import ignores). Each import words its own problems: ``example`` is a header row to
    suggest, quoted (``'Name,Amount,Currency'``); ``same_field`` follows two titles that give
    one field (``{label}``); ``missing_hint`` follows the fields no column gives (``{field}``,
    the first of them)."""
    text = text.lstrip("\ufeff")
    empty = RowError(1, f"the file is empty; expected a header row such as {example}")
    if not text.strip():
        return Header(None, [], {}, problem=empty)
    # Blank lines before the header (some CRM exports start with one) are passed over.
    first = next(line for line in text.splitlines() if line.strip())
    reader = csv.reader(io.StringIO(text), delimiter=delimiter(first))
    try:
        cells = next(reader)
        while not any(cell.strip() for cell in cells):
            cells = next(reader)
    except csv.Error as error:
        return Header(None, [], {}, problem=RowError(reader.line_num, f"the header row could not be read: {error}"))
    except StopIteration:  # nothing but separators
        return Header(None, [], {}, problem=empty)
    line = reader.line_num
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(cells):
        name = field_of(title)
        if name is None:
            if title.strip():
                ignored.append(title.strip())
        elif name in columns:
            said = same_field.format(label=labels.get(name, title.strip()))
            return Header(reader, cells, columns, problem=RowError(
                line, f"columns {cells[columns[name]].strip()!r} and {title.strip()!r} {said}", (name,)))
        else:
            columns[name] = index
    missing = tuple(name for name in required if name not in columns)
    if missing:
        names = " or ".join(labels[name] for name in missing)
        problem = RowError(line, f"no {names} column in the header{missing_hint.format(field=missing[0])}", missing)
        return Header(reader, cells, columns, tuple(ignored), missing, problem)
    return Header(reader, cells, columns, tuple(ignored))


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


def extra_values(record: list[str], header: list[str]) -> str | None:
    """The problem of a row with more (non-blank) values than the header has columns, if it has."""
    if len(record) > len(header) and any(value.strip() for value in record[len(header):]):
        return f"{len(record)} values but the header has {len(header)} columns"
    return None


def read_amount(raw: str, currency_cell: str, default_currency: str | None) -> Money:
    """An Amount cell, in the Currency cell's currency, the amount's own, or ``default_currency``."""
    shown = raw.strip()
    read = read_money(shown)
    if read.amount is None:
        raise BadCell(f"Amount {shown!r} is not a number")
    if read.conflicting:
        raise BadCell(f"Amount {shown!r} names two currencies; keep one")
    if read.amount < 0:
        raise BadCell(f"Amount {shown!r} is negative; an opportunity is worth 0 or more")
    if read.amount > MAX_AMOUNT:
        raise BadCell(f"Amount {shown!r} is too large to be right")
    found = read.currency
    column = currency_cell.strip()
    if column and currency_of(column) is None:
        raise BadCell(f"Currency {column!r} is not a three-letter code such as USD")
    column = column.upper()
    if column and found and column != found:
        raise BadCell(f"Amount {shown!r} is in {found} but the Currency column says {column}")
    currency = column or found or (default_currency.strip().upper() if default_currency else "")
    if not currency:
        raise BadCell(f"Amount {shown!r} has no currency; add a Currency column or write it like 'USD 120,000'")
    return Money(round_cents(read.amount), currency)


def read_close_date(raw: str) -> str:
    text = raw.strip()
    try:
        day = calendar_date(text)
    except AmbiguousDate:
        raise BadCell(f"Close Date {text!r} could be day/month or month/day; write it as YYYY-MM-DD") from None
    except NotOnCalendar:
        day = None
    if day is None:
        raise BadCell(f"Close Date {text!r} is not a date; write it as YYYY-MM-DD")
    return day.isoformat()


__all__ = ["BadCell", "Header", "RowError", "data_records", "delimiter", "extra_values", "header_key",
           "read_amount", "read_close_date", "read_header"]
