"""``ratings`` answers: a few named ratings in one part, "legal risk 2, partner influence 4".

A list field of this type rates things that are not known when the playbook is written (a
team's own ranking factors): ``validation.names_from`` is an expression over earlier answers
and ``settings`` giving them, as ``[{"id": ..., "label": ...}]``; ``min`` and ``max`` bound
each rating. A name may be typed as its id or its label (case, spaces and ``_`` ignored);
with a single name, a bare number rates it. The stored value is ``{id: number}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2.exceptions import UndefinedError

from bot.engine import conditions
from bot.engine.answers.common import MAX_SHORT_INPUT, Ctx, Spec, clean, fmt_number, norm
from bot.engine.answers.numbers import number_from, to_json

_PIECES = re.compile(r"[,;\n]+")
_NAME_AND_VALUE = re.compile(r"^(?P<name>.*?)[\s:=]*(?P<value>[^\s:=]+)$")


def rating_names(spec: Spec, context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(id, label) of what ``spec`` may rate, from its ``names_from`` over ``context``; [] when none."""
    expression = spec.validation.names_from
    if not expression:
        return []
    try:
        found = conditions.evaluate(expression, context)
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, UndefinedError):
        return []  # not known here: nothing to rate (a sandbox violation is raised)
    names = []
    for entry in found if isinstance(found, (list, tuple)) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            names.append((entry["id"], str(entry.get("label") or entry["id"].replace("_", " "))))
    return names


def range_text(spec: Spec) -> str:
    low, high = spec.validation.min, spec.validation.max
    if low is not None and high is not None:
        return f"from {fmt_number(low)} to {fmt_number(high)}"
    if low is not None:
        return f"of at least {fmt_number(low)}"
    return f"of at most {fmt_number(high)}" if high is not None else "as a number"


def example(names: list[tuple[str, str]]) -> str:
    return ", ".join(f"{label.lower()} {3 if index == 0 else 4}" for index, (_, label) in enumerate(names[:2]))


def _pairs(ctx: Ctx, raw: Any, names: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    """(name as typed, rating as typed) of each part; the name is "" for a bare rating."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)
    if isinstance(raw, Mapping):
        pieces = []
    elif isinstance(raw, str) and len(clean(raw)) <= MAX_SHORT_INPUT:
        pieces = [p.strip() for p in _PIECES.split(clean(raw))]
    else:
        raise ctx.reject(f"Give a name and a rating for each, e.g. {example(names)}.")
    pairs = [(str(key), value) for key, value in raw.items()] if isinstance(raw, Mapping) else []
    for piece in pieces:
        if not piece:
            continue
        match = _NAME_AND_VALUE.match(piece)
        name, value = (match["name"], match["value"]) if match else ("", piece)
        pairs.append((name, value))
    if not pairs:
        raise ctx.reject(f"Give a name and a rating for each, e.g. {example(names)}.")
    return pairs


def parse_ratings(ctx: Ctx, raw: Any) -> dict[str, int | float]:
    names = rating_names(ctx.step, ctx.earlier)
    if not names:
        raise ctx.reject("There is nothing to rate here; leave this part empty.")
    by_name = {norm(key): (key, label) for key, label in names} | {norm(label): (key, label) for key, label in names}
    known = ", ".join(label.lower() for _, label in names)
    rated: dict[str, int | float] = {}
    for name, value in _pairs(ctx, raw, names):
        # one thing to rate: a bare rating is its
        found = names[0] if not name and len(names) == 1 else by_name.get(norm(name))
        named = by_name.get(norm(f"{name} {value}"))
        if found is None and named is not None:
            raise ctx.reject(f"Give {named[1].lower()} a rating {range_text(ctx.step)}, e.g. {example([named])}.")
        if found is None:
            shown = str(name or value)[:40]
            raise ctx.reject(f'I don\'t know "{shown}" here. Rate {known} {range_text(ctx.step)}, e.g. {example(names)}.')
        key, label = found
        number = number_from(value)
        rules = ctx.step.validation
        if number is None or (rules.min is not None and number < rules.min) or (rules.max is not None and number > rules.max):
            raise ctx.reject(f'Rate {label.lower()} {range_text(ctx.step)} ("{str(value)[:40]}" isn\'t one).')
        if key in rated:
            raise ctx.reject(f"{label} is rated twice; give it once.")
        rated[key] = to_json(number)
    return {key: rated[key] for key, _ in names if key in rated}


def format_ratings(value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    return ", ".join(f"{str(key).replace('_', ' ')} {fmt_number(number)}" for key, number in value.items()) or "—"
