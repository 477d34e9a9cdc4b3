"""Buttons, selects and pickers in Rebound's messages and App Home."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.conversation.inputs import ActionInput


def _selected(action: dict[str, Any]) -> Any:
    """What was picked, only in the types Slack sends (strings); anything else reads as nothing."""
    option = action.get("selected_option")
    if isinstance(option, dict):
        return _text(option.get("value"))
    for key in ("selected_date", "selected_user"):
        if isinstance(action.get(key), str):
            return action[key]
    options = action.get("selected_options")
    if isinstance(options, list):
        return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def to_input(body: dict[str, Any]) -> ActionInput | None:
    """The one action in a block_actions payload, or None when the payload is not what Slack sends."""
    user = body.get("user")
    actions = body.get("actions")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return None
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        return None
    action = actions[0]
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    # A click in a modal carries the view's inputs in view.state, a click in a message in body.state.
    state = view.get("state") if isinstance(view.get("state"), dict) else body.get("state")
    state = state if isinstance(state, dict) else {}
    values = state.get("values") if isinstance(state.get("values"), dict) else {}
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    return ActionInput(
        user_id=user["id"], action_id=_text(action.get("action_id")) or "", block_id=_text(action.get("block_id")),
        value=_text(action.get("value")), selected=_selected(action), state_values=values,
        action_ts=_text(action.get("action_ts")), channel_id=_text(channel.get("id")),
        message_ts=_text(container.get("message_ts")), response_url=_text(body.get("response_url")),
        trigger_id=_text(body.get("trigger_id")), view_id=_text(view.get("id")), view_hash=_text(view.get("hash")),
        view_metadata=_text(view.get("private_metadata")),
    )


def register(app: App, services) -> None:
    @app.action(ids.ACTION_PATTERN)
    def on_action(ack: Ack, body: dict) -> None:
        ack()
        action = to_input(body)
        if action is not None:
            services.chat.action(action)

    @app.view(ids.TEAM_SETTINGS_VIEW)
    def on_team_settings(ack: Ack, body: dict) -> None:
        # Validated and saved before the ack: Slack shows errors beside the fields only in the ack.
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        errors = services.team_settings.submit(_text(user.get("id")) or "", view)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    @app.action(re.compile(".*"))
    def on_unknown_action(ack: Ack) -> None:
        # Not ours (an old message, a forged payload): acknowledge quietly so Slack shows no error.
        ack()
