"""Picking from what the playbook offers: ``yes_no``, ``choice`` and ``multi_choice`` answers."""

from __future__ import annotations

import re
from typing import Any

from bot.engine.answers.common import MAX_ITEMS, MAX_LIST_INPUT, MAX_SHORT_INPUT, Ctx, clean, count, norm
from bot.engine.model import Option

YES = {"yes", "y", "yeah", "yep", "yup", "sure", "true", "1", "ok", "okay", "of course"}
NO = {"no", "n", "nope", "nah", "false", "0", "not really"}


def parse_yes_no(ctx: Ctx, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and len(raw) <= MAX_SHORT_INPUT:
        word = " ".join(clean(raw).casefold().strip(" .!").split())
        if word in YES:
            return True
        if word in NO:
            return False
    raise ctx.reject("Please answer yes or no.")


def match_option(options: list[Option], raw: Any) -> Option | None:
    """An option by its value, its label (any case and spacing) or its 1-based number in the menu."""
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    elif isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str) or len(raw) > MAX_SHORT_INPUT:
        return None
    text = clean(raw)
    for option in options:
        if option.value == text:
            return option
    key = norm(text).rstrip(".")
    for option in options:
        if key in (norm(option.value), norm(option.label)):
            return option
    number = re.fullmatch(r"([0-9]{1,3})[.)]?", text)
    if number and 1 <= int(number[1]) <= len(options):
        return options[int(number[1]) - 1]
    return None


def option_list(options: list[Option]) -> str:
    labels = [option.label for option in options[:10]]
    return ", ".join(labels) + (", …" if len(options) > 10 else "")


def parse_choice(ctx: Ctx, raw: Any) -> str:
    option = match_option(ctx.step.options, raw)
    if option is None:
        raise ctx.reject(f"Please pick one of: {option_list(ctx.step.options)} (or type its number).")
    return option.value


def _multi_pieces(options: list[Option], text: str) -> list[Any]:
    """Split typed text on commas, semicolons and new lines; "A and B" splits only when the whole isn't a label."""
    if match_option(options, text):
        return [text]
    pieces: list[Any] = []
    for piece in re.split(r"[,;\n]+", text):
        piece = re.sub(r"^(?:and|&|or)\s+|^[-*•]\s+", "", piece.strip(), flags=re.IGNORECASE)
        if not piece:
            continue
        if match_option(options, piece) is None and re.search(r"\s(?:and|&)\s", piece, re.IGNORECASE):
            pieces.extend(p for p in re.split(r"\s+(?:and|&)\s+", piece, flags=re.IGNORECASE) if p)
        else:
            pieces.append(piece)
    return pieces


def parse_multi_choice(ctx: Ctx, raw: Any) -> list[str]:
    options = ctx.step.options
    if isinstance(raw, str):
        text = clean(raw)
        pieces = _multi_pieces(options, text) if len(text) <= MAX_LIST_INPUT else [text]
    elif isinstance(raw, (list, tuple)):
        pieces = list(raw)
    else:
        pieces = [raw]
    if len(pieces) > MAX_ITEMS:
        raise ctx.reject(f"That's too many. Pick from: {option_list(options)}.")
    chosen, unknown = set(), []
    for piece in pieces:
        option = match_option(options, piece)
        if option is None:
            unknown.append(f'"{str(piece)[:40]}"')
        else:
            chosen.add(option.value)
    if unknown:
        raise ctx.reject(f"I don't know {', '.join(unknown[:3])}. Pick from: {option_list(options)}.")
    rules = ctx.step.validation
    least = max(1, rules.min_items or 0)
    if len(chosen) < least:
        raise ctx.reject(f"Please pick at least {count(least, 'option')}: {option_list(options)}.")
    if rules.max_items is not None and len(chosen) > rules.max_items:
        raise ctx.reject(f"Please pick at most {count(rules.max_items, 'option')}.")
    return [option.value for option in options if option.value in chosen]
