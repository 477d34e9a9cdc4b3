"""Replacing a clicked message through its button's ``response_url`` instead of ``chat.update``.

A response_url is not counted against any Web API tier (it allows five uses in 30 minutes),
so the message a button sits in is updated this way when it can be; the sender falls back
to ``chat.update`` when the URL no longer works. The outbox posts only to Slack's hooks
host, or to the host its Web API client talks to (the stand-in in tests), since the URL
comes from a request payload.
"""

from __future__ import annotations

import logging
from http.client import HTTPException
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.errors import SlackRequestError

from bot.outbox.outcomes import Permanent, Transient, retry_after

log = logging.getLogger("rebound.outbox")


def trusted(url: str, api_base_url: str) -> bool:
    parts, api = urlsplit(url), urlsplit(api_base_url)
    return (parts.scheme == "https" and parts.hostname == "hooks.slack.com") or (
        (parts.scheme, parts.netloc) == (api.scheme, api.netloc))


def replace(url: str, payload: dict[str, Any], *, timeout: int) -> bool:
    """Post ``text`` and ``blocks`` to ``url`` replacing the original; False if that did not work
    (used five times, expired, unreachable)."""
    from slack_sdk.webhook import WebhookClient

    body = {"replace_original": True, **{k: payload[k] for k in ("text", "blocks") if k in payload}}
    try:
        response = WebhookClient(url, timeout=timeout, retry_handlers=[]).send_dict(body)
    except (URLError, TimeoutError, ConnectionError, HTTPException, SlackRequestError, ValueError) as error:
        log.info("response_url did not work (%s); falling back to chat.update", type(error).__name__)
        return False
    if response.status_code != 200:
        log.info("response_url answered %s %r; falling back to chat.update", response.status_code,
                 (response.body or "")[:40])
        return False
    return True


# A slash command's reply, posted to the command's response_url after the ack (queued by the
# inbox worker). Payload: ``{"channel": the response_url, "message": {...}}``: the URL stands
# in the channel's place so the pacer counts each URL's uses apart (tiers: "response_url").
COMMAND_REPLY = "response_url"


def post_reply(payload: dict[str, Any], *, api_base_url: str, timeout: int) -> dict[str, Any]:
    """Send a :data:`COMMAND_REPLY` row, raising the sender's retry (network, 429, 5xx) or
    failure (anything else: expired_url, invalid_blocks ...) like a Web API call would."""
    from slack_sdk.webhook import WebhookClient

    url, message = payload.get("channel"), payload.get("message")
    if not isinstance(url, str) or not trusted(url, api_base_url):
        raise Permanent("untrusted_response_url", "a command's response_url not on Slack's host")
    try:
        response = WebhookClient(url, timeout=timeout, retry_handlers=[]).send_dict(
            message if isinstance(message, dict) else {})
    except (URLError, TimeoutError, ConnectionError, HTTPException) as error:
        raise Transient(f"network: {type(error).__name__}: {getattr(error, 'reason', error)}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise Transient(f"http_{response.status_code}", retry_after(response.headers))
    if response.status_code != 200:
        raise Permanent(str(response.body or f"http_{response.status_code}")[:100])
    return {}
