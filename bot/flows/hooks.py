"""The weekly summary's extension point: each flow contributes a section.

A provider is called with the team and the week being summarised and returns a section
(or None when it has nothing to say), so the summary can show pilots and recovery progress
without knowing how those flows store them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.files.teams import Team


@dataclass
class SummarySection:
    key: str  # "pilots", "checkbacks", "recovery" ...
    title: str
    template: str  # under prompts/, rendered with ``context`` (escaping environment)
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50  # sections are shown by ascending order


# provider(team, week_start_monday, next_monday) -> SummarySection | None
SectionProvider = Callable[[Team, date, date], "SummarySection | None"]
