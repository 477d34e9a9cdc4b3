"""The debrief: a rep's look back at a lost deal, its managers' review and the weekly numbers."""

from __future__ import annotations


def register(services) -> None:
    from bot.flows.debrief.service import register as register_debrief

    register_debrief(services)
