"""``list`` answers: one item per line (or a list of dicts), each field parsed by its own type."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.engine.answers.common import MAX_ITEMS, MAX_LIST_INPUT, Ctx, clean, count, norm
from bot.engine.model import Step
from bot.errors import AnswerRejected

_BULLET = re.compile(r"^(?:[-*•]\s+)")

FieldParser = Callable[..., Any]  # parse_answer(field, raw, today=, earlier=, default_currency=)


def layout(step: Step) -> str:
    return " | ".join(field.label for field in step.fields)


def _item_values(ctx: Ctx, number: int, item: Any) -> dict[str, Any]:
    """Field id -> raw value, from a dict (keys are field ids or labels), a list of parts or a "|" line."""
    fields = ctx.step.fields
    if isinstance(item, Mapping):
        by_key = {f.id: f.id for f in fields} | {norm(f.label): f.id for f in fields}
        values = {}
        for key, value in item.items():
            field_id = by_key.get(key) if isinstance(key, str) and key in by_key else by_key.get(norm(str(key)))
            if field_id is None:
                known = ", ".join(f.id for f in fields)
                raise ctx.reject(f'Item {number} has a part I don\'t know: "{str(key)[:40]}". Use {known}.')
            values[field_id] = value
        return values
    if isinstance(item, str):
        parts: list[Any] = [part.strip() for part in item.split("|")]
    elif isinstance(item, (list, tuple)):
        parts = list(item)
    else:
        raise ctx.reject(f"Item {number} isn't something I can read. Give one item per line: {layout(ctx.step)}.")
    if len(parts) > len(fields):
        raise ctx.reject(
            f"Item {number} has {len(parts)} parts but I expected {len(fields)}, separated by |: {layout(ctx.step)}."
        )
    return {field.id: part for field, part in zip(fields, parts)}


def parse_item(ctx: Ctx, number: int, item: Any, parse_field: FieldParser) -> dict[str, Any]:
    """One item (a "|" line, a list of parts or a dict) with every field parsed; the first misfit
    is rejected naming the item and the field, so the terminal can re-ask just that item."""
    step = ctx.step
    if not isinstance(step, Step) or not step.fields:
        raise ctx.reject("This question can't take a list.")
    if isinstance(item, str):
        item = _BULLET.sub("", clean(item))
    values = _item_values(ctx, number, item)
    row: dict[str, Any] = {}
    for field in step.fields:
        value = values.get(field.id)
        if value is None or (isinstance(value, str) and not clean(value)):
            if field.required:
                tip = f" Separate the parts with |: {layout(step)}." if isinstance(item, str) else ""
                raise ctx.reject(f"Item {number}, {field.label}: please fill this in.{tip}")
            row[field.id] = None
            continue
        try:
            row[field.id] = parse_field(
                field, value, today=ctx.today, earlier=ctx.earlier, default_currency=ctx.default_currency
            )
        except AnswerRejected as err:
            raise ctx.reject(f"Item {number}, {field.label}: {err.message}") from None
    return row


def parse_list(ctx: Ctx, raw: Any, parse_field: FieldParser) -> list[dict[str, Any]]:
    """Every item's fields through ``parse_field`` (``parse_answer``, handed in to avoid an import cycle)."""
    step = ctx.step
    if not isinstance(step, Step) or not step.fields:
        raise ctx.reject("This question can't take a list.")
    if isinstance(raw, str):
        text = clean(raw)
        if len(text) > MAX_LIST_INPUT:
            raise ctx.reject(f"That's too long; please keep it under {MAX_LIST_INPUT:,} characters.")
        items: list[Any] = [_BULLET.sub("", line.strip()) for line in text.split("\n") if line.strip()]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        raise ctx.reject(f"Please give one item per line: {layout(step)}.")
    if len(items) > MAX_ITEMS:
        raise ctx.reject(f"That's more than {MAX_ITEMS} items; please keep the list shorter.")
    parsed = [parse_item(ctx, number, item, parse_field) for number, item in enumerate(items, 1)]
    rules = step.validation
    least = max(1, rules.min_items or 0)
    if len(parsed) < least:
        raise ctx.reject(f"Please add at least {count(least, 'item')}, one per line: {layout(step)}.")
    if rules.max_items is not None and len(parsed) > rules.max_items:
        raise ctx.reject(f"Please keep it to {count(rules.max_items, 'item')} (you gave {len(parsed)}).")
    return parsed
