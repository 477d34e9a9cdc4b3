"""Requests to the app's HTTP endpoint, shaped and signed exactly as Slack sends them.

Slack signs every request with v0 signatures: ``X-Slack-Signature: v0=<hex hmac_sha256(
signing secret, "v0:{timestamp}:{raw body}")>`` and ``X-Slack-Request-Timestamp``. Bolt
rejects a wrong signature or a timestamp more than five minutes off with 401, so tests for
that use :meth:`SlackSender.signed_with` and :meth:`SlackSender.stale`.

Slash commands and interactions arrive form-encoded (interactions as ``payload=<json>``);
Events API callbacks arrive as JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from tests.support.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID

APP_ID = "A0REBOUND"
DEFAULT_USER = "U0SELLER"
DEFAULT_CHANNEL = "C0SALES"
# Where a response_url points when the test gives none: a closed local port, so a stray
# respond() fails fast instead of reaching the internet. Pass slack_api.response_url instead.
NOWHERE = "http://127.0.0.1:9/response-url-not-configured"

_counter = itertools.count(1)


@dataclass
class Reply:
    """What the app answered: ``status``, ``headers``, raw ``body``; ``json()`` like requests."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Slack's v0 signature of ``body`` sent at ``timestamp``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _ts() -> str:
    """A message timestamp like Slack's, unique within the test run."""
    return f"{int(time.time())}.{next(_counter):06d}"


@dataclass
class SlackSender:
    """Sends Slack-shaped, Slack-signed requests to ``base_url``.

    ``base_url`` is the app's request URL (``http://127.0.0.1:PORT/slack/events``); a URL
    with no path gets ``/slack/events``, the path in manifest.yml.
    """

    base_url: str
    signing_secret: str
    team_id: str = TEAM_ID
    response_url: str = NOWHERE
    timeout: float = 10
    clock: Callable[[], float] = time.time
    # How requests are signed; change with signed_with() / stale() rather than directly.
    sign_secret: str | None = None
    timestamp_offset: int = 0
    sent: list[tuple[bytes, dict[str, str]]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if urlsplit(self.base_url).path in ("", "/"):
            self.base_url = self.base_url.rstrip("/") + "/slack/events"

    # --------------------------------------------------------------- signing

    def signed_with(self, secret: str) -> SlackSender:
        """A sender that signs with ``secret`` (a wrong one, for 401 tests)."""
        return self._copy(sign_secret=secret)

    def stale(self, seconds: int = 10 * 60) -> SlackSender:
        """A sender whose timestamps are ``seconds`` old (Bolt allows five minutes)."""
        return self._copy(timestamp_offset=-seconds)

    def _copy(self, **changes: Any) -> SlackSender:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "sent"}
        values.update(changes)
        return SlackSender(**values)

    def signature_headers(self, body: bytes) -> dict[str, str]:
        timestamp = int(self.clock()) + self.timestamp_offset
        return {
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": sign(self.sign_secret or self.signing_secret, timestamp, body),
        }

    # --------------------------------------------------------------- requests

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = DEFAULT_USER,
        channel_id: str = DEFAULT_CHANNEL,
        team_id: str | None = None,
        user_name: str | None = None,
    ) -> Reply:
        """A slash command, form-encoded like Slack's."""
        team = team_id or self.team_id
        form = {
            "token": "verification-token-unused",
            "team_id": team,
            "team_domain": "rebound-test",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "sales",
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            # Slack mints a response_url per command (each good for five uses in 30 minutes).
            "response_url": f"{self.response_url}/command/{next(_counter)}",
            "trigger_id": self._trigger_id(team),
        }
        return self._send(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def dm(
        self,
        user_id: str,
        text: str,
        channel: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        **fields: Any,
    ) -> Reply:
        """A person's message in their DM with the bot (``message`` event, ``im`` channel).

        The channel defaults to ``"D" + user_id``, the id the stand-in's conversations.open gives.
        """
        ts = _ts()
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": channel or "D" + user_id,
            "user": user_id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "client_msg_id": str(uuid.uuid4()),
            "team": self.team_id,
            **fields,
        }
        return self.event(event, event_id=event_id, retry_num=retry_num)

    def event(self, event: dict, event_id: str | None = None, retry_num: int | None = None) -> Reply:
        """An Events API ``event_callback`` around ``event``; ``retry_num`` marks Slack's redelivery."""
        envelope = {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(self.clock()),
            "authorizations": [
                {"enterprise_id": None, "team_id": self.team_id, "user_id": BOT_USER_ID, "is_bot": True,
                 "is_enterprise_install": False}
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self._send(json.dumps(envelope).encode(), "application/json", headers)

    def action(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
        selected_option: str | dict | None = None,
        *,
        selected_options: list[str | dict] | None = None,
        selected_date: str | None = None,
        selected_user: str | None = None,
        channel_id: str | None = None,
        message_ts: str | None = None,
        message: dict | None = None,
        view: dict | None = None,
        state: dict | None = None,
        raw_action: dict | None = None,
    ) -> Reply:
        """A ``block_actions`` interaction: a click, a selection or a date picked.

        With ``view`` the action comes from a view (App Home or a modal), otherwise from a
        message in ``channel_id`` (default the user's DM). ``raw_action`` replaces the
        whole action object, for hostile tests.
        """
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id or "b", "action_ts": _ts()}
        if selected_option is not None:
            action.update(type="static_select", selected_option=_option(selected_option))
        elif selected_options is not None:
            action.update(type="checkboxes", selected_options=[_option(item) for item in selected_options])
        elif selected_date is not None:
            action.update(type="datepicker", selected_date=selected_date)
        elif selected_user is not None:
            action.update(type="users_select", selected_user=selected_user)
        else:
            action.update(type="button", text={"type": "plain_text", "text": "Button", "emoji": True})
            if value is not None:
                action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "trigger_id": self._trigger_id(self.team_id),
            "team": {"id": self.team_id, "domain": "rebound-test"},
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": state or {}},
            "actions": [raw_action if raw_action is not None else action],
        }
        if view is not None:
            view = {"id": "V0000000001", "type": "home", "blocks": [], "state": {"values": state or {}}, **view}
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            channel = channel_id or "D" + user_id
            ts = message_ts or (message or {}).get("ts") or _ts()
            payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}
            payload["channel"] = {"id": channel, "name": "directmessage" if channel.startswith("D") else "sales"}
            payload["message"] = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "", "ts": ts,
                                  "blocks": [], **(message or {})}
            # Slack mints a response_url per interaction; this one names the clicked message.
            payload["response_url"] = f"{self.response_url}/{channel}/{ts}"
        return self._send_payload(payload)

    def view_submission(
        self,
        user_id: str,
        callback_id: str,
        values: dict | None = None,
        *,
        private_metadata: str = "",
        view_id: str = "V0000000002",
        **view_fields: Any,
    ) -> Reply:
        """A modal submitted: ``values`` is ``state.values`` (block_id -> action_id -> value)."""
        view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": "Rebound"},
            "blocks": [],
            "state": {"values": values or {}},
            "hash": f"{int(self.clock())}.abc",
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            **view_fields,
        }
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "rebound-test"},
            "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "verification-token-unused",
            "trigger_id": self._trigger_id(self.team_id),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)

    def raw(self, body: bytes, headers: dict[str, str] | None = None, *, sign: bool = True) -> Reply:
        """``body`` as given. Signed unless ``sign=False``; ``headers`` win over the signature."""
        all_headers = self.signature_headers(body) if sign else {}
        all_headers.update(headers or {})
        return self._post(body, all_headers)

    # --------------------------------------------------------------- transport

    def _trigger_id(self, team: str) -> str:
        return f"{next(_counter)}.{team}.{uuid.uuid4().hex[:16]}"

    def _send_payload(self, payload: dict) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, "application/x-www-form-urlencoded")

    def _send(self, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Reply:
        all_headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        all_headers.update(self.signature_headers(body))
        all_headers.update(headers or {})
        return self._post(body, all_headers)

    def _post(self, body: bytes, headers: dict[str, str]) -> Reply:
        self.sent.append((body, dict(headers)))
        request = urllib.request.Request(self.base_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Reply(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:  # 4xx/5xx are answers too; tests assert them
            with error:
                return Reply(error.code, dict(error.headers.items()), error.read())


def _option(option: str | dict) -> dict:
    if isinstance(option, dict):
        return option
    return {"text": {"type": "plain_text", "text": option, "emoji": True}, "value": option}
