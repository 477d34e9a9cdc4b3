"""Closed-lost deals from a CRM: a report export (CSV) or one deal posted as JSON, read into
one shape, and the coverage figures managers watch. Pure: it takes text and returns data.

Column names of a Salesforce opportunity report, a HubSpot deals export and a generic form
(``crm_id, name, account, amount, currency, close_date, owner_email, owner_slack_id, stage,
reason, competitor``) are all recognised; ``--map "Column=field"`` names anything else.
Amounts and dates are read by the same functions as ``rebound recover import``
(:mod:`bot.domain.csv_export`), so both imports agree on what ``$1,200`` or
``05/06/2026`` means. Each bad row is one error with its line; the good rows are kept.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# The header, row, amount and date readers every CSV import shares: one reading of "$1,200".
from bot.domain.csv_export import (BadCell, RowError, data_records, extra_values, header_key, read_amount,
                                   read_close_date, read_header)
from bot.domain.taxonomy import LOSS_REASON_KEYS
from bot.values.money import decimal_of, round_to

FIELDS = ("crm_id", "name", "account", "amount", "currency", "close_date", "owner_email", "owner_slack_id",
          "owner_name", "stage", "reason", "competitor", "team")
LABELS = {"crm_id": "CRM id", "name": "Name", "account": "Account", "amount": "Amount", "currency": "Currency",
          "close_date": "Close Date", "owner_email": "Owner email", "owner_slack_id": "Owner Slack id",
          "owner_name": "Owner", "stage": "Stage", "reason": "Loss reason", "competitor": "Competitor",
          "team": "Team"}

# Column headings per CRM, compared after dropping case and everything but letters and digits.
SALESFORCE = {"opportunityid": "crm_id", "opportunityname": "name", "accountname": "account", "amount": "amount",
              "opportunitycurrency": "currency", "closedate": "close_date", "opportunityowner": "owner_name",
              "owneremail": "owner_email", "stage": "stage", "lossreason": "reason", "competitor": "competitor"}
HUBSPOT = {"recordid": "crm_id", "dealname": "name", "associatedcompany": "account", "amount": "amount",
           "currency": "currency", "closedate": "close_date", "dealowner": "owner_name", "dealstage": "stage",
           "closedlostreason": "reason", "competitor": "competitor"}
GENERIC = {header_key(name): name for name in FIELDS}
_ALIASES = {**GENERIC, **SALESFORCE, **HUBSPOT}
REQUIRED = ("crm_id", "name")

CLOSED_LOST = frozenset({"closedlost", "lost"})
CLOSED_WON = frozenset({"closedwon", "won"})
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
MAX_TEXT = 200  # characters kept of a name, account, reason or competitor

# A CRM's loss reasons, as most teams word them, onto Rebound's taxonomy. The teams file's
# ``crm_reasons:`` adds to and overrides this; anything else is offered as a suggestion only.
DEFAULT_REASON_MAP: dict[str, str] = {
    "price": "price", "pricing": "price", "too expensive": "price", "price too high": "price", "cost": "price",
    "competitor": "competitor", "lost to competitor": "competitor", "competition": "competitor",
    "chose competitor": "competitor", "incumbent": "incumbent_stayed", "stayed with incumbent": "incumbent_stayed",
    "status quo": "no_decision", "no decision": "no_decision", "no decision / non-responsive": "no_decision",
    "budget": "budget_gone", "no budget": "budget_gone", "budget cut": "budget_gone", "lost budget": "budget_gone",
    "timing": "timing", "bad timing": "timing", "product": "product_gap", "missing feature": "product_gap",
    "product gap": "product_gap", "features": "product_gap", "feature gap": "product_gap",
    "relationship": "relationship", "champion left": "relationship", "pilot failed": "pilot_failed",
    "poc failed": "pilot_failed", "other": "other", "unknown": "unknown",
}


class EncodingProblem(ValueError):
    """The file's bytes are not text in the encoding stated (or any we recognise)."""


def decode_export(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used). ``encoding`` stated is used strictly; otherwise a BOM decides, then
    UTF-8 if the bytes are valid UTF-8, else Windows Latin-1 (what Excel on Windows writes).
    Never decodes with replacement characters: a wrong guess is an error, not garbled names."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise EncodingProblem(f"unknown encoding {encoding!r}; use utf-8, utf-8-sig or latin-1") from None
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as error:
            raise EncodingProblem(f"the file is not {encoding}: byte {error.start} cannot be read; "
                                  "try --encoding latin-1 or utf-8") from None
        return text.lstrip("\ufeff"), codec
    if data.startswith(codecs.BOM_UTF8):
        return _decode_marked(data, "utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_marked(data, "utf-16").lstrip("\ufeff"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "latin-1"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: plain ISO Latin-1
        return data.decode("latin-1"), "latin-1"


def _decode_marked(data: bytes, codec: str) -> str:
    """Bytes whose byte-order mark names ``codec``: a byte that does not fit is an
    ``EncodingProblem`` like any other (it was a bare UnicodeDecodeError, a traceback in the CLI)."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        start = error.start + (len(codecs.BOM_UTF8) if codec == "utf-8-sig" else 0)  # utf-8-sig counts after its mark
        raise EncodingProblem(f"the file starts like {codec} but byte {start} cannot be read; "
                              "try --encoding latin-1 or utf-8") from None


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["Deal Ref=crm_id"]`` -> ``{"dealref": "crm_id"}``; ValueError naming the bad item."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, name = item.partition("=")
        name = name.strip()
        if not sep or not column.strip():
            raise ValueError(f"--map {item!r} is not Column=field, e.g. \"Deal Ref=crm_id\"")
        if name not in FIELDS:
            raise ValueError(f"--map {item!r}: {name!r} is not a field; use one of {', '.join(FIELDS)}")
        mapping[header_key(column)] = name
    return mapping


def outcome_of(stage: str | None) -> str:
    """``lost``, ``won`` or ``open`` from a CRM stage ("Closed Lost", "closedlost", "Closed lost")."""
    key = header_key(stage or "")
    if key in CLOSED_LOST:
        return "lost"
    if key in CLOSED_WON:
        return "won"
    return "open"


@dataclass(frozen=True)
class DealImport:
    """What a CSV export held: the closed-lost deals, the rows in other stages, and the errors."""

    deals: list[dict[str, Any]] = field(default_factory=list)
    other_stages: list[dict[str, Any]] = field(default_factory=list)  # won/open rows: {crm_id, outcome, line}
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    crm: str = "generic"
    stage_column: bool = True


def _crm_of(columns: Mapping[str, int], header_keys: Sequence[str]) -> str:
    keys = set(header_keys)
    if {"opportunityid", "opportunityname"} & keys:
        return "salesforce"
    if {"recordid", "dealname"} & keys:
        return "hubspot"
    return "generic"


def parse_deals_csv(text: str, *, mapping: Mapping[str, str] | None = None, default_currency: str | None = None,
                    today: date | None = None) -> DealImport:
    """Deals of a CRM export, as :func:`read_deal` reads each row; closed-lost ones in ``deals``."""
    aliases = {**_ALIASES, **(mapping or {})}
    header = read_header(text, example="'Opportunity ID,Opportunity Name,Amount,Close Date,Stage'",
                         field_of=lambda title: aliases.get(header_key(title)), required=REQUIRED, labels=LABELS,
                         same_field="both give the {label}; keep one or --map one elsewhere",
                         missing_hint='; name it with --map "Your Column={field}"')
    if header.problem and not header.missing:
        return DealImport(errors=[header.problem])
    columns, ignored = header.columns, header.ignored
    crm = _crm_of(columns, [header_key(title) for title in header.cells])
    if header.problem:
        return DealImport(errors=[header.problem], ignored_columns=ignored, crm=crm)
    result = DealImport(ignored_columns=ignored, crm=crm, stage_column="stage" in columns)
    for line, record in data_records(header.reader, result.errors):
        extra = extra_values(record, header.cells)
        if extra:
            result.errors.append(RowError(line, extra))
            continue
        cells = {name: record[index] for name, index in columns.items() if index < len(record)}
        if "stage" not in columns:
            cells["stage"] = "Closed Lost"  # a report filtered to closed-lost deals needs no Stage column
        deal, problems = read_deal(cells, default_currency=default_currency, today=today)
        if problems:
            result.errors.append(RowError(line, "; ".join(message for _, message in problems),
                                          tuple(name for name, _ in problems)))
        elif deal["outcome"] == "lost":
            result.deals.append({**deal, "line": line})
        else:
            result.other_stages.append({"crm_id": deal["crm_id"], "outcome": deal["outcome"], "line": line})
    return result


def _text(value: Any, name: str, problems: list[tuple[str, str]]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        problems.append((name, f"{LABELS[name]} must be text, not {type(value).__name__}"))
        return ""
    text = str(value).strip()
    if "\x00" in text:
        problems.append((name, f"{LABELS[name]} holds a NUL character"))
        return ""
    return text


def read_deal(cells: Mapping[str, Any], *, default_currency: str | None = None,
              today: date | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One deal from generic field names (a CSV row or a webhook's JSON object).

    Returns ``(deal, problems)``: problems are ``(field, message)``; the deal is complete only
    when there are none. A close date after ``today`` is refused: a loss is never in the future.
    """
    problems: list[tuple[str, str]] = []
    raw = {name: _text(cells.get(name), name, problems) for name in FIELDS}
    deal: dict[str, Any] = {"crm_id": raw["crm_id"][:MAX_TEXT] or None, "name": raw["name"][:MAX_TEXT] or None}
    for name in REQUIRED:
        if not deal[name] and not any(p[0] == name for p in problems):
            problems.append((name, f"{LABELS[name]} is empty"))
    for name in ("account", "reason", "competitor", "owner_name", "team"):
        deal[name] = raw[name][:MAX_TEXT] or None
    deal["stage"] = raw["stage"][:MAX_TEXT] or None
    deal["outcome"] = outcome_of(deal["stage"])
    deal["amount"] = None
    if raw["amount"]:
        try:
            deal["amount"] = read_amount(raw["amount"], raw["currency"], default_currency).to_dict()
        except BadCell as bad:
            problems.append(("amount", str(bad)))
    deal["close_date"] = None
    if raw["close_date"]:
        try:
            deal["close_date"] = read_close_date(raw["close_date"])
        except BadCell as bad:
            problems.append(("close_date", str(bad)))
        else:
            if today is not None and deal["outcome"] == "lost" and deal["close_date"] > today.isoformat():
                problems.append(("close_date", f"Close Date {deal['close_date']} is in the future; a loss has "
                                               "already happened"))
    elif deal["outcome"] == "lost":
        problems.append(("close_date", "Close Date is empty; it places the loss in its week"))
    owner = raw["owner_email"] or raw["owner_name"]
    email = _EMAIL.search(owner) if owner else None
    deal["owner_email"] = email.group(0).lower() if email else None
    if raw["owner_email"] and email is None:
        problems.append(("owner_email", f"Owner email {raw['owner_email'][:80]!r} is not an email address"))
    if raw["owner_name"] and email is not None and not raw["owner_email"]:
        # "Jane Doe <jane@acme.com>": keep the name part as the name
        deal["owner_name"] = raw["owner_name"].replace(email.group(0), "").strip(" <>()") or None
    deal["owner_slack_id"] = None
    if raw["owner_slack_id"]:
        if _SLACK_ID.match(raw["owner_slack_id"]):
            deal["owner_slack_id"] = raw["owner_slack_id"]
        else:
            problems.append(("owner_slack_id", f"Owner Slack id {raw['owner_slack_id'][:40]!r} is not a Slack "
                                               "user id like U0123ABCD"))
    return deal, problems


# -- the CRM's reason on Rebound's taxonomy --------------------------------------------------------


def reason_key(text: str | None) -> str:
    return " ".join(re.sub(r"[^a-z0-9/ ]", " ", (text or "").lower()).split())


def map_reason(crm_reason: str | None, overrides: Mapping[str, str] | None = None) -> str | None:
    """The taxonomy key a CRM's loss reason stands for, or None when it is not known (then
    the rep is shown it as a suggestion and picks). The teams file's map wins over the default."""
    key = reason_key(crm_reason)
    if not key:
        return None
    # Both tables' keys read like the CRM's reason ("non-responsive" -> "non responsive"), or an
    # entry with a hyphen or other punctuation could never match.
    table = {reason_key(k): v for k, v in {**DEFAULT_REASON_MAP, **(overrides or {})}.items()}
    found = table.get(key)
    return found if found in LOSS_REASON_KEYS else None


# -- coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrencyCoverage:
    currency: str
    debriefed: Decimal
    total: Decimal


@dataclass(frozen=True)
class Coverage:
    """Closed-lost deals of a week debriefed, by count and by value (per currency, never converted)."""

    debriefed: int
    total: int
    amounts: tuple[CurrencyCoverage, ...]

    @property
    def line(self) -> str:
        parts = [f"{self.debriefed} of {self.total} closed-lost deal{'s' if self.total != 1 else ''} debriefed"]
        parts += [f"{c.currency} {short_amount(c.debriefed)} of {short_amount(c.total)}" for c in self.amounts]
        return " · ".join(parts)


def coverage(losses: Iterable[Mapping[str, Any]], first_currency: str | None = None) -> Coverage:
    """``losses``: one per closed-lost deal of the week, ``{debriefed: bool, amount: {amount, currency} | None}``."""
    debriefed = total = 0
    sums: dict[str, list[Decimal]] = {}
    for loss in losses:
        total += 1
        done = bool(loss.get("debriefed"))
        debriefed += done
        amount = loss.get("amount")
        if isinstance(amount, Mapping) and amount.get("currency") and amount.get("amount") is not None:
            pair = sums.setdefault(amount["currency"], [Decimal(0), Decimal(0)])
            value = decimal_of(amount["amount"]) or Decimal(0)
            pair[1] += value
            if done:
                pair[0] += value
    order = sorted(sums, key=lambda code: (code != first_currency, code))
    return Coverage(debriefed, total, tuple(CurrencyCoverage(code, sums[code][0], sums[code][1]) for code in order))


def short_amount(value: Decimal) -> str:
    """``1.9M``, ``250k``, ``800``: a figure to read at a glance, one decimal at most."""
    value = Decimal(value)
    units = ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "k"))
    for index, (size, suffix) in enumerate(units):
        if abs(value) >= size:
            scaled = round_to(value / size, 1)
            if abs(scaled) >= 1000 and index > 0:  # 999,950 reads as 1M, not 1000k
                size, suffix = units[index - 1]
                scaled = round_to(value / size, 1)
            return f"{scaled:f}".removesuffix(".0") + suffix
    return f"{round_to(value, 0):f}"


__all__ = [
    "CLOSED_LOST", "Coverage", "DEFAULT_REASON_MAP", "DealImport", "EncodingProblem", "FIELDS", "coverage",
    "decode_export", "map_reason", "outcome_of", "parse_deals_csv", "parse_mapping", "read_deal", "short_amount",
]
