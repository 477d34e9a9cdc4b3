"""Slack listeners, grouped by surface. Each only parses, calls one service and acknowledges."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import commands, events, interactions, views


def register(app: App, services) -> None:
    commands.register(app, services)
    interactions.register(app, services)
    events.register(app, services)
    views.register(app, services)
