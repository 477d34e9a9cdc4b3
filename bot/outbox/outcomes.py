"""What Slack's answer to a call means for the outbox row: sent (and what to keep of the
answer), worth trying again (when), rate limited, or refused for good. Shared by the sender
and the command replies (``response_urls``), which post outside the Web API client."""

from __future__ import annotations

from typing import Any

# Slack errors that the same request will hit again: fail at once and say why.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "account_inactive",
        "msg_too_long",
        "no_text",
        "user_not_found", "users_not_found",  # the second: users.lookupByEmail knows nobody with that email
        "cannot_dm_bot",
        "missing_scope",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_arguments",
        "restricted_action",
    }
)

# Methods uploaded with a client helper (several HTTP calls) rather than one api_call.
UPLOAD_V2 = "files.upload_v2"

class Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RateLimited(Exception):
    def __init__(self, retry_after: float | None):
        super().__init__("ratelimited")
        self.retry_after = retry_after


class Permanent(Exception):
    def __init__(self, reason: str, details: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def retry_after(headers: Any) -> float | None:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if value is None:
            continue
        if isinstance(value, list):
            value = value[0] if value else None
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            return None
    return None


def kept_result(method: str, data: dict[str, Any]) -> dict[str, Any]:
    """The small part of Slack's answer later calls need (``chat.update`` needs channel and ts)."""
    keep = {key: data[key] for key in ("channel", "ts") if key in data}
    message = data.get("message")
    if "ts" not in keep and isinstance(message, dict) and "ts" in message:
        keep["ts"] = message["ts"]
    if method == UPLOAD_V2:
        files = data.get("files") or ([data["file"]] if data.get("file") else [])
        keep["file_ids"] = [f.get("id") for f in files if isinstance(f, dict)]
    if method == "conversations.open" and isinstance(data.get("channel"), dict):
        keep["channel"] = data["channel"].get("id")
    if method == "users.lookupByEmail" and isinstance(data.get("user"), dict):
        keep["user_id"] = data["user"].get("id")  # a CRM owner's Slack id (bot/flows/crm_intake)
    if isinstance(data.get("view"), dict):  # views.publish / views.update
        keep["view_id"] = data["view"].get("id")
    return keep
