"""The map of a lost enterprise account, and what its departments have won back.

The $4.5M story (domain.md, section 4) was not won back as one contract: the team went into
the same enterprise department by department and office by office. So a loss keeps a map of
the account's departments, offices or business units, each with a contact, how strong the
relationship is, what it could sign, the next step and whether it was won. Won units count
against the loss's unrecovered amount: "won back USD 2,100,000 of USD 4,400,000 in 5 months".

Pure: the typed ``/recover account ...`` text is read here, and the figure is computed here;
the store keeps the rows and the templates say it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.domain.errors import CurrencyMismatch, InvalidValue
from bot.domain.money import Money, ratio
from bot.values.dates import AmbiguousDate, NotOnCalendar, calendar_date
from bot.values.money import MAX_AMOUNT, read_money, round_cents

RELATIONSHIPS = ("none", "contact", "champion")
UNIT_STATUSES = ("open", "won", "lost")
# How a relationship scores as the ranking's 1-5 relationship rating, so a unit ranks with the rest.
RELATIONSHIP_RATING = {"none": 1, "contact": 3, "champion": 5}
MAX_NAME = 80
MAX_TEXT = 200

# key=value spellings a rep may type -> the field they set
FIELD_ALIASES = {
    "contact": "contact", "who": "contact",
    "relationship": "relationship", "rel": "relationship",
    "value": "value", "amount": "value", "potential": "value",
    "next": "next_step", "next_step": "next_step", "step": "next_step",
    "date": "next_date", "next_date": "next_date", "by": "next_date", "due": "next_date",
}
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


@dataclass(frozen=True)
class AccountCommand:
    """What ``/recover account <verb> "<unit>" key=value ...`` asked for."""

    verb: str  # "show", "add", "won", "lost", "open"
    unit: str | None = None
    fields: Mapping[str, Any] | None = None  # only the fields typed; value is an amount dict, next_date a date


def parse_account_command(text: str, *, currency: str | None = None) -> AccountCommand:
    """``add "Finance" contact="Ann Lee" relationship=champion value=300k next="Demo" date=2027-01-15``.

    ``add`` (or ``edit``/``set``) adds a unit or changes only the fields typed; ``won``,
    ``lost`` and ``open`` set its status. ``value`` without a currency is in ``currency``
    (the loss's); a value in another currency is refused, since the won-back figure adds them.
    """
    try:
        words = shlex.split(text.translate(_SMART_QUOTES))
    except ValueError:
        raise InvalidValue("account", text, "a quote is not closed; put a name with spaces in quotes, "
                           'e.g. `/recover account add "Finance Europe" value=300k`') from None
    if not words or words[0].lower() in ("show", "map", "list"):
        return AccountCommand("show")
    verb = words[0].lower()
    verb = "add" if verb in ("add", "edit", "set", "update") else verb
    if verb not in ("add", *UNIT_STATUSES):
        raise InvalidValue("account", words[0], "expected add, won, lost or open, e.g. "
                           '`/recover account add "Finance" value=300k` or `/recover account won "Finance"`')
    # Quotes are optional: words before the first key=value are the unit's name, and a word
    # without "=" after one belongs to that value (next=Call the CFO, value=USD 300k).
    first_pair = next((i for i, word in enumerate(words[1:], 1) if "=" in word), len(words))
    name_words, pairs = words[1:first_pair], words[first_pair:]
    if not name_words:
        raise InvalidValue("account", text, "name the department, office or business unit first, e.g. "
                           f'`/recover account {verb} "Finance"`')
    unit = " ".join(" ".join(name_words).split())
    if len(unit) > MAX_NAME:
        raise InvalidValue("unit", unit[:40] + "…", f"keep the unit's name under {MAX_NAME} characters")
    if verb != "add":
        if pairs:
            raise InvalidValue("account", " ".join(pairs), f"`{verb}` takes only the unit's name, "
                               f'e.g. `/recover account {verb} "Finance"`')
        return AccountCommand(verb, unit)
    raw: dict[str, str] = {}
    last = None
    for word in pairs:
        key, equals, value = word.partition("=")
        if not equals:
            raw[last] += " " + word
            continue
        last = FIELD_ALIASES.get(key.strip().lower())
        if last is None:
            raise InvalidValue("account", word, "expected key=value with a key among contact, relationship, "
                               'value, next, date, e.g. next="Call the CFO"')
        raw[last] = value
    fields = {name: _field(name, value.strip(), currency) for name, value in raw.items()}
    return AccountCommand("add", unit, fields)


def _field(name: str, value: str, currency: str | None) -> Any:
    if name == "relationship":
        if value.lower() not in RELATIONSHIPS:
            raise InvalidValue("relationship", value, "relationship is none, contact or champion")
        return value.lower()
    if name == "value":
        read = read_money(value)
        if read.amount is None or read.conflicting:
            raise InvalidValue("value", value, f"value {value!r} is not an amount; write it like 300k or USD 300,000")
        if read.amount < 0 or read.amount > MAX_AMOUNT:
            raise InvalidValue("value", value, "the value must be 0 or more, and not absurdly large")
        code = read.currency or currency
        if code is None:
            raise InvalidValue("value", value, "say the currency, e.g. USD 300k")
        if currency is not None and code != currency:
            raise InvalidValue("value", value, f"the loss is in {currency}; give the value in {currency} too")
        return Money(round_cents(read.amount), code).to_dict()
    if name == "next_date":
        try:
            day = calendar_date(value)
        except (AmbiguousDate, NotOnCalendar):
            day = None
        if day is None:
            raise InvalidValue("date", value, f"date {value!r} is not a date I can read; write it like 2027-01-15")
        return day.isoformat()
    if len(value) > MAX_TEXT:
        raise InvalidValue(name, value[:40] + "…", f"keep it under {MAX_TEXT} characters")
    return value or None


# -- what has been won back ------------------------------------------------------------------


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (15 Jan -> 14 Jun is 4, -> 15 Jun is 5); never below 0."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


@dataclass(frozen=True)
class WonBack:
    """One loss's won-back figure: won units against what the loss left unrecovered."""

    won: dict[str, Any]  # sum of won units' values
    of: dict[str, Any]  # the loss's unrecovered amount (lost minus retained)
    left: dict[str, Any]  # of - won, never below zero
    share: float | None  # won / of, capped at 1; None when nothing was unrecovered
    months: int  # whole months since the loss's close date
    units_won: int
    units_open: int
    units: int
    complete: bool  # everything won back (or more)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def won_back(unrecovered: Any, units: Iterable[Mapping[str, Any]], *, closed_on: date, today: date) -> WonBack:
    """``units``: ``{value, status}`` (value an amount dict or None). Units without a value
    count as units but add nothing; values in another currency than the loss's raise
    ``CurrencyMismatch`` (the store refuses to keep them, so that is a bug)."""
    of = Money.of(unrecovered, "unrecovered", allow_negative=False)
    won = Decimal(0)
    counts = {status: 0 for status in UNIT_STATUSES}
    for index, unit in enumerate(units):
        status = unit.get("status") or "open"
        counts[status] = counts.get(status, 0) + 1
        if status == "won" and unit.get("value") is not None:
            value = Money.of(unit["value"], f"units[{index}].value", allow_negative=False)
            if value.currency != of.currency:
                raise CurrencyMismatch(of.currency, value.currency, f"units[{index}].value")
            won += value.amount
    left = max(of.amount - won, Decimal(0))
    share = None
    if of.amount > 0:
        share = ratio(min(won, of.amount), of.amount)
    return WonBack(won=Money(won, of.currency).to_dict(), of=of.to_dict(), left=Money(left, of.currency).to_dict(),
                   share=share, months=months_between(closed_on, today), units_won=counts["won"],
                   units_open=counts["open"], units=sum(counts.values()), complete=won >= of.amount)


def as_opportunity(unit: Mapping[str, Any], account: str) -> dict[str, Any] | None:
    """An open unit with a value as an opportunity ``ranking.rank`` reads: its next date as the
    close date, its relationship as the 1-5 relationship rating. None when it cannot rank."""
    if (unit.get("status") or "open") != "open" or unit.get("value") is None:
        return None
    return {"id": f"u{unit.get('id')}", "name": f"{account} – {unit['name']}", "account": account,
            "amount": dict(unit["value"]), "probability": None, "close_date": unit.get("next_date"),
            "relationship": RELATIONSHIP_RATING.get(unit.get("relationship") or "none"),
            "strategic_fit": None, "effort": None, "status": "open", "source": "account_map"}


__all__ = ["AccountCommand", "parse_account_command", "WonBack", "won_back", "months_between", "as_opportunity",
           "RELATIONSHIPS", "UNIT_STATUSES", "RELATIONSHIP_RATING"]
