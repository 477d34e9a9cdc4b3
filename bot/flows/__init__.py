"""What each conversation does beyond asking questions: its own buttons, submit effects,
reminders, App Home and weekly-summary sections and scheduled jobs.

Each flow is one package here, all the same shape (see :mod:`bot.flows.hooks` for the
extension points): ``__init__.py`` names its ``PLAYBOOK`` and builds its ``extensions(tools)``,
``service.py`` does the work, ``messages.py`` builds its Block Kit, ``reports.py`` holds its
weekly-summary parts. A fifth flow is a copy of a neighbour, named in :data:`FLOWS`.
"""

from __future__ import annotations

from importlib import import_module

from bot.flows.hooks import Flow

# Order matters only for hooks that run one after the other (after a submit, after a summary).
FLOWS = ("debrief", "pilots", "graceful_no", "recovery", "crm_intake")


def load_flows(names: tuple[str, ...] = FLOWS) -> list[Flow]:
    return [import_module(f"bot.flows.{name}") for name in names]
