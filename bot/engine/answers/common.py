"""What every answer type shares: the parsing context, text cleaning and number display."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.engine.model import ListField, Option, Step
from bot.errors import AnswerRejected

Spec = Step | ListField

MAX_SHORT_INPUT = 200  # longer than this is not a number, date, choice or name (and keeps parsing cheap)
MAX_LIST_INPUT = 20_000
MAX_ITEMS = 100
MAX_MAGNITUDE = Decimal(10) ** 15  # beyond any count; also keeps floats finite (amounts stop at MAX_AMOUNT)


@dataclass(frozen=True)
class Ctx:
    """One answer being parsed: the step, the person's today, earlier answers, their currency."""

    step: Spec
    today: date
    earlier: Any  # Mapping[str, Any]
    default_currency: str

    def reject(self, message: str) -> AnswerRejected:
        return AnswerRejected(self.step.id, message)


def clean(text: str) -> str:
    """Drop control characters (keeping newline and tab) and lone surrogates, which UTF-8 can't store."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip()


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def fmt_plain(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else str(value)


def fmt_number(value: Any) -> str:
    """1,200 / 1,234.5; no decimals when integral."""
    if not is_number(value):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def bounds_hint(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" ({fmt_number(low)} to {fmt_number(high)})"
    if low is not None:
        return f" (at least {fmt_number(low)})"
    return f" (at most {fmt_number(high)})" if high is not None else ""


def norm(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


def label(options: list[Option], value: Any) -> str:
    return next((option.label for option in options if option.value == value), str(value))


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def sentence(text: str | None) -> str:
    text = (text or "").strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
