"""Events API: DM replies (answers) and App Home opens."""

from __future__ import annotations

from slack_bolt import App

# The event types listened to below: the HTTP layer stores only these in the inbox (Bolt
# answers any other event type at once, as a request for nothing we handle).
EVENT_TYPES = ("message", "app_home_opened")


def register(app: App, services) -> None:
    @app.event("message")
    def on_message(event: dict, body: dict) -> None:
        # Only what a person typed in our DM: no edits, joins, or the bot's own messages.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user, text, channel = event.get("user"), event.get("text"), event.get("channel")
        if not isinstance(user, str) or not isinstance(text, str):
            return
        event_id = body.get("event_id") if isinstance(body.get("event_id"), str) else None
        services.chat.dm(user, channel if isinstance(channel, str) else "", text, event_id)

    @app.event("app_home_opened")
    def on_home(event: dict, body: dict) -> None:
        if event.get("tab", "home") != "home" or not isinstance(event.get("user"), str):
            return
        event_id = body.get("event_id") if isinstance(body.get("event_id"), str) else None
        services.home.publish(event["user"], event_id)
