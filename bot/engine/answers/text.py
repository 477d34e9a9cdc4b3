"""Free text and people: ``text``, ``long_text`` and ``user`` answers."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from bot.engine.answers.common import Ctx, clean, fmt_plain, sentence

DEFAULT_MAX_LENGTH = {"text": 500, "long_text": 3000}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_USER_ID = re.compile(r"[UW](?=[A-Z]*[0-9])[A-Z0-9]{4,}")


def scalar_text(raw: Any) -> str | None:
    """Text from a scalar; YAML turns an unquoted ``2026`` or ``2026-12-04`` into a number or date."""
    if isinstance(raw, str):
        return clean(raw)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int) or (isinstance(raw, float) and math.isfinite(raw)):
        return fmt_plain(raw)
    if isinstance(raw, date):
        return raw.isoformat()
    return None


def parse_text(ctx: Ctx, raw: Any) -> str:
    rules = ctx.step.validation
    text = scalar_text(raw)
    if text is None:
        raise ctx.reject("Please type your answer as text.")
    if not text:
        raise ctx.reject("Please type an answer.")
    limit = rules.max_length or DEFAULT_MAX_LENGTH[ctx.step.type]
    if len(text) > limit:
        raise ctx.reject(f"That's {len(text):,} characters; please keep it to {limit:,}.")
    if rules.min_length and len(text) < rules.min_length:
        raise ctx.reject(f"Please write at least {rules.min_length:,} characters.")
    if rules.pattern and not re.fullmatch(rules.pattern, text):
        raise ctx.reject(f"That doesn't look right. {sentence(rules.pattern_hint)}" if rules.pattern_hint
                         else "That doesn't look like the expected format.")
    return text


def parse_user(ctx: Ctx, raw: Any) -> str:
    text = clean(raw) if isinstance(raw, str) else ""
    mention = _MENTION.fullmatch(text)
    if mention:
        return mention[1]
    if _USER_ID.fullmatch(text):
        return text
    name = " ".join(text.removeprefix("@").split())
    if (
        not name
        or len(name) > 80
        or "\n" in text
        or any(ch in name for ch in "<>@|")
        or not any(ch.isalpha() for ch in name)
    ):
        raise ctx.reject("Please name a person: @name, or mention them like @Dana.")
    return name
