"""Slash commands: one per playbook, acknowledged at once with an ephemeral reply."""

from __future__ import annotations

from slack_bolt import Ack, App


def register(app: App, services) -> None:
    def handle(ack: Ack, command: dict) -> None:
        reply = services.chat.command(str(command.get("command", "")), str(command.get("user_id", "")),
                                      str(command.get("text") or ""),
                                      trigger_id=command.get("trigger_id") if isinstance(command.get("trigger_id"), str) else None)
        ack(text=reply.text, blocks=reply.blocks or None, response_type="ephemeral")

    for playbook in services.playbooks.values():
        app.command(playbook.command)(handle)
