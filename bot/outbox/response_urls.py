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


def post(url: str, message: dict[str, Any], *, timeout: int) -> tuple[int, str, Any]:
    """Post a new message (a slash command's reply) to ``url``: Slack's status, body and headers.
    Network errors propagate, for the sender to retry."""
    from slack_sdk.webhook import WebhookClient

    response = WebhookClient(url, timeout=timeout, retry_handlers=[]).send_dict(message)
    return response.status_code, response.body or "", response.headers
