"""Recovering lost revenue after submit: recorded plans, the opportunities a rep works, team
weights, the ranked action plan and progress. ``service`` reads and writes through
bot/store/recovery.py and does its maths in bot/domain; ``messages`` turns a plan view into
text and Block Kit. flow.py wires both into Slack and the weekly summary."""

from __future__ import annotations


def register(services) -> None:
    from bot.flows.recovery.flow import register as register_recovery

    register_recovery(services)
