"""Field checks the file schemas share (playbooks, the teams file), each with a message that
tells the person editing the file what to write instead."""

from __future__ import annotations

import re
from typing import Any


def must_match(pattern: str | re.Pattern[str], message: str) -> Any:
    """A pydantic field validator (use ``field_validator(name)(must_match(...))``): the whole
    value matches ``pattern``, or the check fails with ``message``, where ``{value!r}`` stands
    for the value given."""
    compiled = re.compile(pattern)

    def check(cls: type, value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(message.format(value=value))
        return value

    return classmethod(check)
