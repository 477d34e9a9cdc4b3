"""What the ack stores: a verified Slack request, described for the inbox, or None when
Slack needs the answer in the ack body itself (those stay synchronous, through Bolt).

Parsed here with the standard library rather than Bolt's ``parse_body``, which takes any
form body holding the text ``payload`` for an interactivity payload.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qs

# Interaction types whose ack body is the answer: a modal's ``response_action: errors`` (or
# update/push/clear), and the options of an external select. Anything else waits in the inbox.
SYNCHRONOUS_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})
# Events API envelopes other than event_callback (url_verification, whose challenge is echoed
# in the body; app_rate_limited) are answered by Bolt at once, as are SSL checks.


@dataclass(frozen=True)
class Incoming:
    """A request to store: ``dedup_key`` is what Slack repeats when it retries the same
    request (the event id; the trigger id of a command or interaction)."""

    dedup_key: str
    kind: str
    person: str | None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _person(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return _str(value)


def _fallback_key(prefix: str, text: str) -> str:
    # No id from Slack: the same signed bytes twice are the same request.
    return f"{prefix}:sha256:{hashlib.sha256(text.encode()).hexdigest()}"


def describe(text: str, content_type: str | None, *, commands: Collection[str] | None = None,
             event_types: Collection[str] | None = None) -> Incoming | None:
    """The inbox entry for a request already verified and shape-checked, or None to answer it
    synchronously (URL verification, SSL check, view submissions, option loads, unknown shapes,
    and, when ``commands`` / ``event_types`` are given, commands and events nothing listens to)."""
    if content_type == "application/json" or text.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("type") != "event_callback":
            return None  # url_verification, app_rate_limited ...: Bolt answers as before
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        if event_types is not None and event.get("type") not in event_types:
            return None
        key = _str(body.get("event_id"))
        return Incoming(f"event:{key}" if key else _fallback_key("event", text),
                        f"event:{event.get('type')}", _person(event.get("user")))
    form = parse_qs(text, keep_blank_values=True)
    if "ssl_check" in form:
        return None
    if "payload" in form and "command" not in form:
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return None
        if not isinstance(payload, dict) or not _str(payload.get("type")):
            return None
        if payload["type"] in SYNCHRONOUS_INTERACTIONS:
            return None
        key = _str(payload.get("trigger_id"))
        return Incoming(f"interaction:{key}" if key else _fallback_key("interaction", text),
                        f"interaction:{payload['type']}", _person(payload.get("user")))
    command = _str((form.get("command") or [None])[0])
    if command and (commands is None or command in commands):
        key = _str((form.get("trigger_id") or [None])[0])
        return Incoming(f"command:{key}" if key else _fallback_key("command", text),
                        f"command:{command}", _str((form.get("user_id") or [None])[0]))
    return None
