"""What each conversation does beyond asking questions: its own buttons, submit effects,
reminders and scheduled jobs. Each flow module has ``register(services)`` that plugs into
the extension points (``chat.extra_actions``, ``chat.subcommands``,
``submissions.after_submit``, ``dispatcher.handlers``, ``tick_tasks``)."""

from __future__ import annotations

from importlib import import_module

FLOW_MODULES = ("debrief", "pilots", "graceful_no", "recovery")


def register_all(services) -> None:
    for name in FLOW_MODULES:
        import_module(f"bot.flows.{name}").register(services)
