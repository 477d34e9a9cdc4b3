"""Percentages: what a person types is always percentage points.

``"1"``, ``"1%"`` and ``"1 percent"`` are all 1% (never 100%), ``"0.5"`` is half a percent,
``"100"`` is all of it. Values are stored as the number of points (0..100); a share (0..1)
exists only inside the maths that needs one (:func:`share`). Shown with at most two
decimals, rounded half-up like money: ``12.5%``, ``33.33%``, ``40%`` (a template may ask
for fewer places, ``percent(0)``, never another rounding).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.values.money import decimal_of, read_number, round_to

PLACES = 2
_SIGN = re.compile(r"\s*(?:%|percent|per cent|pct)$", re.IGNORECASE)


def read_percent(raw: Any) -> Decimal | None:
    """Points from ``"25%"``, ``"12.5"``, ``"40 percent"`` or a number; None when it is not one.

    The range is the caller's rule (a probability stops at 100, a change may not).
    """
    if isinstance(raw, str):
        return read_number(_SIGN.sub("", raw.strip()), scales=False)
    return decimal_of(raw)


def json_points(points: Decimal) -> int | float:
    """Points as stored in JSON, not rounded (display rounds): an int when whole, else a float."""
    return int(points) if points == points.to_integral_value() else float(points)


def share(points: Decimal) -> Decimal:
    """Points as a share: 40 -> 0.4."""
    return points / 100


def format_percent(value: Any, places: int = PLACES) -> str:
    """``12.5%`` / ``40%`` / ``33.33%`` from points, rounded half-up to ``places`` (fewer for
    a sentence such as "47% of your book"); empty for nothing, the value as text if not a number."""
    if value is None or value == "":
        return ""
    number = decimal_of(value)
    if number is None:
        return str(value)
    text = f"{round_to(number, places):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text) + "%"


__all__ = ["read_percent", "json_points", "share", "format_percent", "PLACES"]
