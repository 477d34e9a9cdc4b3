"""A local stand-in for Slack's Web API, served over real HTTP for tests and benchmarks.

The app's real ``slack_sdk.WebClient(base_url=standin.url)`` talks to it, so request
encoding, retries and error handling run exactly as they do against Slack. Every message
and view is checked the way Slack checks it (tests/support/block_kit.py): Block Kit shape
(``slack_sdk.models``) plus the limits slack_sdk does not enforce. A violation is answered
with Slack's error and kept in ``invalid`` so a test can fail on it.

Only the methods Rebound uses are implemented; anything else gets ``unknown_method``.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from tests.support.block_kit import message_violations, view_violations

DEFAULT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0REBOUND"
BOT_USER_ID = "U0REBOUND"
BOT_ID = "B0REBOUND"

# Parameters that carry JSON. WebClient sends chat.* and views.* as JSON bodies, but a
# form-encoded caller (or files.completeUploadExternal) sends these as JSON strings.
JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")

# A file's alt_txt (files.getUploadURLExternal); Block Kit and message limits are in block_kit.py.
MAX_ALT_TEXT = 1000


@dataclass
class Call:
    """One request the stand-in received. ``params`` has JSON parameters decoded."""

    method: str
    params: dict
    token: str | None
    headers: dict
    response: dict | None = None  # what the stand-in answered (None for non-JSON answers)


class ApiError(Exception):
    """Answer ``{"ok": false, "error": code}``; ``messages`` go in response_metadata."""

    def __init__(self, code: str, messages: list[str] | None = None):
        super().__init__(code)
        self.code = code
        self.messages = messages or []


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int | None
    times: int


class SlackApiStandIn:
    """Slack's Web API on ``127.0.0.1`` and a free port. ``start()`` it, ``stop()`` it."""

    def __init__(self, token: str = DEFAULT_TOKEN, latency: float = 0.0):
        self.token = token
        self.latency = latency
        self.url = ""
        self.calls: list[Call] = []
        self.invalid: list[str] = []
        # users.info answers: users[uid] is merged over a default user (tz America/Los_Angeles).
        self.users: dict[str, dict[str, Any]] = {}
        # users.lookupByEmail answers: email -> user id; any other email is users_not_found.
        self.emails: dict[str, str] = {}
        # Latest state, for assertions: messages by (channel, ts), views by id, uploaded bytes.
        self.messages: dict[tuple[str, str], dict] = {}
        self.views: dict[str, dict] = {}
        self.home: dict[str, dict] = {}
        self.uploads: dict[str, bytes | None] = {}
        # Shared files by id: filename, alt_txt, title, channels, initial_comment (bytes are in uploads).
        self.files: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._init_rate_limits()
        self._seq = itertools.count(1)
        # Socket Mode: apps.connections.open hands out this websocket URL for the app-level token.
        self.app_token = "xapp-1-A0REBOUND-test"
        self.socket_mode_url: str | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "conversations.open": self._conversations_open,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
            "files.info": self._files_info,
        }
        # Files people uploaded (a modal's file_input): id -> (file object, content). add_file() makes one.
        self.files: dict[str, tuple[dict, bytes]] = {}

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackApiStandIn:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.root = f"http://127.0.0.1:{port}"
        self.url = f"{self.root}/api/"
        # A response_url the app can post to (Bolt's respond()); calls are recorded as "response_url".
        self.response_url = f"{self.root}/response/{TEAM_ID}/1/standin"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="slack-api-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- test API

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with a failure.

        ``status=429`` sends ``Retry-After`` (``retry_after``, default 1) and ``ratelimited``;
        another status sends that status; ``status=200`` needs ``error`` (``channel_not_found``).
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if status == 200 and error is None:
            raise ValueError("a failure with status 200 needs error=, e.g. 'channel_not_found'")
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures[method].append(_Failure(status, error, retry_after, times))

    def reset(self) -> None:
        """Forget calls, violations, pending failures and stored state; keep token, latency, users."""
        with self._lock:
            self.calls.clear()
            self.invalid.clear()
            self._failures.clear()
            self.messages.clear()
            self.views.clear()
            self.home.clear()
            self.uploads.clear()
            self._buckets.clear()
            self._response_url_uses.clear()
            self.refused.clear()
            self.files.clear()

    # ----------------------------------------------------------------- HTTP

    def _handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = dict(handler.headers.items())
        if parts.path.startswith("/api/"):
            self._handle_api(handler, parts.path[len("/api/") :], parts.query, body, headers)
        elif parts.path.startswith("/upload/"):
            self._handle_upload(handler, parts.path[len("/upload/") :], body, headers)
        elif parts.path.startswith("/files/"):
            self._handle_download(handler, parts.path[len("/files/") :], headers)
        elif parts.path.startswith("/response/"):
            self._handle_response_url(handler, body, headers)
        else:
            self._reply(handler, 404, b"not found", content_type="text/plain")

    def _handle_api(self, handler: _Handler, method: str, query: str, body: bytes, headers: dict) -> None:
        token = None
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :]
        try:
            params = parse_params(headers.get("Content-Type", ""), body, query)
        except ApiError as exc:
            params, parse_error = {}, exc
        else:
            parse_error = None
        token = params.pop("token", None) or token
        call = Call(method, params, token, headers)
        with self._lock:
            self.calls.append(call)
            failure = self._take_failure(method) or self._tier_refusal(method, params)
        if failure is not None:
            payload = {"ok": False, "error": failure.error or ("ratelimited" if failure.status == 429 else "internal_error")}
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            call.response = payload
            self._reply_json(handler, failure.status, payload, extra)
            return
        try:
            if parse_error is not None:
                raise parse_error
            implementation = self._methods.get(method)
            if implementation is None:
                raise ApiError("unknown_method")
            if token is None:
                raise ApiError("not_authed")
            if token != (self.app_token if method == "apps.connections.open" else self.token):
                raise ApiError("invalid_auth")
            payload = {"ok": True, **implementation(params)}
        except ApiError as exc:
            payload = {"ok": False, "error": exc.code}
            if exc.messages:
                payload["response_metadata"] = {"messages": exc.messages}
        call.response = payload
        self._reply_json(handler, 200, payload)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.popleft()
        return failure

    def _handle_upload(self, handler: _Handler, file_id: str, body: bytes, headers: dict) -> None:
        with self._lock:
            self.calls.append(Call("upload", {"file_id": file_id, "length": len(body)}, None, headers))
            known = file_id in self.uploads
            if known:
                self.uploads[file_id] = body
        if known:
            self._reply(handler, 200, f"OK - {len(body)}".encode(), content_type="text/plain")
        else:
            self._reply(handler, 404, b"upload url not found", content_type="text/plain")

    def _handle_response_url(self, handler: _Handler, body: bytes, headers: dict) -> None:
        try:
            params = parse_params(headers.get("Content-Type", ""), body, "")
        except ApiError:
            params = {}
        call = Call("response_url", params, None, headers)
        with self._lock:
            self.calls.append(call)
            used_up = self._use_response_url(handler.path)
        if used_up:
            self._reply(handler, 404, b"used_url", content_type="text/plain")
            return
        problems = [] if params.get("delete_original") else self._check("response_url", message_violations(params))
        # Slack answers a response_url with plain text: "ok", or the error name with 400.
        if problems:
            self._reply(handler, 400, problems[0][0].encode(), content_type="text/plain")
        else:
            self._replace_via_response_url(handler.path, params)
            self._reply(handler, 200, b"ok", content_type="text/plain")

    def add_file(self, name: str, content: bytes, filetype: str = "csv") -> dict:
        """A file a person uploaded in Slack (as a file_input sends it): its object, with a private URL."""
        file_id = self._next_id("F")
        obj = {"id": file_id, "name": name, "title": name, "filetype": filetype, "size": len(content),
               "mimetype": "text/csv", "url_private": f"{self.root}/files/{file_id}",
               "url_private_download": f"{self.root}/files/{file_id}/download"}
        with self._lock:
            self.files[file_id] = (obj, content)
        return obj

    def _files_info(self, params: dict) -> dict:
        with self._lock:
            found = self.files.get(str(params.get("file") or ""))
        if found is None:
            raise ApiError("file_not_found")
        return {"file": found[0]}

    def _handle_download(self, handler: _Handler, rest: str, headers: dict) -> None:
        # Slack serves url_private only with the bot token as a bearer; without it, a login page.
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        with self._lock:
            self.calls.append(Call("file_download", {"file": rest.split("/")[0]}, auth[7:] or None, headers))
            found = self.files.get(rest.split("/")[0])
        if found is None:
            self._reply(handler, 404, b"not found", content_type="text/plain")
        elif auth != f"Bearer {self.token}":
            self._reply(handler, 200, b"<html>Sign in to Slack</html>", content_type="text/html")
        else:
            self._reply(handler, 200, found[1], content_type="text/csv")

    def _reply_json(self, handler: _Handler, status: int, payload: dict, headers: dict | None = None) -> None:
        self._reply(handler, status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)

    def _reply(
        self, handler: _Handler, status: int, body: bytes, content_type: str, headers: dict | None = None
    ) -> None:
        if self.latency:
            time.sleep(self.latency)
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    # ----------------------------------------------------------------- state helpers

    def _next_ts(self) -> str:
        with self._lock:
            n = next(self._seq)
        return f"{1_700_000_000 + n // 10_000}.{(n % 10_000) * 100:06d}"

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            n = next(self._seq)
        return f"{prefix}{n:010d}"

    def _check(self, method: str, violations: list[tuple[str, str]]) -> list[tuple[str, str]]:
        if violations:
            with self._lock:
                self.invalid.extend(f"{method}: {message}" for _, message in violations)
        return violations

    def _raise_if_invalid(self, method: str, violations: list[tuple[str, str]]) -> None:
        if self._check(method, violations):
            raise ApiError(violations[0][0], [message for _, message in violations])

    def _message(self, params: dict, ts: str) -> dict:
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "team": TEAM_ID, "ts": ts}
        message["text"] = params.get("text") or ""
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    # ----------------------------------------------------------------- methods

    def _connections_open(self, params: dict) -> dict:
        if self.socket_mode_url is None:
            raise ApiError("socket_mode_not_enabled")
        return {"url": self.socket_mode_url}

    def _auth_test(self, params: dict) -> dict:
        return {
            "url": "https://rebound-test.slack.com/",
            "team": "Rebound Test",
            "user": "rebound",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _channel(self, params: dict) -> str:
        channel = params.get("channel")
        if not channel:
            raise ApiError("channel_not_found")
        # Posting to a user id lands in the app's DM with that user, as on Slack.
        return "D" + channel if channel[:1] in ("U", "W") else channel

    def _post_message(self, params: dict) -> dict:
        channel = self._channel(params)
        self._raise_if_invalid("chat.postMessage", message_violations(params))
        ts = self._next_ts()
        message = self._message(params, ts)
        with self._lock:
            self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _post_ephemeral(self, params: dict) -> dict:
        self._channel(params)
        if not params.get("user"):
            raise ApiError("user_not_in_channel")
        self._raise_if_invalid("chat.postEphemeral", message_violations(params))
        return {"message_ts": self._next_ts()}

    def _update(self, params: dict) -> dict:
        channel = self._channel(params)
        if not params.get("ts"):
            raise ApiError("message_not_found")
        self._raise_if_invalid("chat.update", message_violations(params))
        message = self._message(params, params["ts"])
        with self._lock:
            self.messages[(channel, params["ts"])] = message
        return {"channel": channel, "ts": params["ts"], "text": message["text"], "message": message}

    def _delete(self, params: dict) -> dict:
        channel = self._channel(params)
        if not params.get("ts"):
            raise ApiError("message_not_found")
        with self._lock:
            self.messages.pop((channel, params["ts"]), None)
        return {"channel": channel, "ts": params["ts"]}

    def _conversations_open(self, params: dict) -> dict:
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}}
        users = [user for user in str(params.get("users") or "").split(",") if user]
        if not users:
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            return {"channel": {"id": "G" + "".join(users)}}
        return {"channel": {"id": "D" + users[0]}, "no_op": False, "already_open": False}

    def _store_view(self, method: str, view: Any, expected_type: str, view_id: str | None = None) -> dict:
        self._raise_if_invalid(method, view_violations(view, expected_type))
        view_id = view_id or self._next_id("V")
        stored = {**view, "id": view_id, "team_id": TEAM_ID, "app_id": "A0REBOUND", "bot_id": BOT_ID,
                  "hash": f"{time.time():.6f}.{view_id}", "state": {"values": {}}}
        with self._lock:
            self.views[view_id] = stored
        return stored

    def _views_publish(self, params: dict) -> dict:
        user = params.get("user_id")
        if not user:
            raise ApiError("invalid_arguments", ["[ERROR] missing required field: user_id"])
        view = self._store_view("views.publish", params.get("view"), "home")
        with self._lock:
            self.home[user] = view
        return {"view": view}

    def _views_open(self, params: dict) -> dict:
        if not params.get("trigger_id"):
            raise ApiError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        return {"view": self._store_view("views.open", params.get("view"), "modal")}

    def _views_update(self, params: dict) -> dict:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            with self._lock:
                view_id = next((k for k, v in self.views.items() if v.get("external_id") == params["external_id"]), None)
            if view_id is None:
                raise ApiError("not_found")
        if not view_id:
            raise ApiError("invalid_arguments", ["[ERROR] view_id or external_id is required"])
        view = params.get("view")
        kind = view.get("type") if isinstance(view, dict) and view.get("type") == "home" else "modal"
        return {"view": self._store_view("views.update", view, kind, view_id)}

    def _users_info(self, params: dict) -> dict:
        uid = params.get("user")
        if not uid:
            raise ApiError("user_not_found")
        user = {
            "id": uid,
            "team_id": TEAM_ID,
            "name": uid.lower(),
            "real_name": f"User {uid}",
            "deleted": False,
            "is_bot": False,
            "tz": "America/Los_Angeles",
            "tz_label": "Pacific Standard Time",
            "tz_offset": -28800,
            "profile": {"real_name": f"User {uid}", "display_name": uid.lower()},
        }
        user.update(self.users.get(uid, {}))
        return {"user": user}

    def _users_lookup_by_email(self, params: dict) -> dict:
        uid = self.emails.get(str(params.get("email") or "").lower())
        if uid is None:
            raise ApiError("users_not_found")
        return self._users_info({"user": uid})

    def _get_upload_url(self, params: dict) -> dict:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            raise ApiError("invalid_arguments", ["[ERROR] filename and a numeric length are required"])
        if len(str(params.get("alt_txt") or "")) > MAX_ALT_TEXT:
            raise ApiError("invalid_arguments", [f"[ERROR] alt_txt must be at most {MAX_ALT_TEXT} characters"])
        file_id = self._next_id("F")
        with self._lock:
            self.uploads[file_id] = None
            self.files[file_id] = {"filename": params.get("filename"), "alt_txt": params.get("alt_txt")}
        return {"upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict) -> dict:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise ApiError("invalid_arguments", ["[ERROR] files must be a JSON array of {id, title}"])
        if params.get("blocks") is not None:
            self._raise_if_invalid("files.completeUploadExternal", message_violations({**params, "text": "file"}))
        channels = [c for c in [params.get("channel_id"), *str(params.get("channels") or "").split(",")] if c]
        done = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            with self._lock:
                data = self.uploads.get(file_id)
            if data is None:
                raise ApiError("file_not_found")
            done.append({"id": file_id, "title": item.get("title") or file_id, "name": item.get("title") or file_id,
                         "size": len(data), "channels": channels})
            with self._lock:
                self.files.setdefault(file_id, {}).update(title=item.get("title"), channels=channels,
                                                          initial_comment=params.get("initial_comment"))
        return {"files": done}


    # ----------------------------------------------------------------- Slack's rate limits
    # (tier mode and response_url uses; kept together so this block can move with its tests)

    def _init_rate_limits(self) -> None:
        self._tiers: Any = None  # {method: Limit} while enforce_tiers() is on
        self._tier_clock: Callable[[], float] = time.time
        self._buckets: dict[tuple[str, str], list[float]] = {}  # bucket -> [tokens, counted at]
        self._response_url_uses: dict[str, int] = defaultdict(int)
        self.refused: list[Call] = []  # calls answered 429 by tier mode

    def enforce_tiers(self, limits: Any = None, *, clock: Callable[[], float] | None = None) -> None:
        """Answer like Slack when a method (``chat.postMessage``: a channel) is called faster than
        its tier allows: HTTP 429, ``ratelimited``, ``Retry-After`` in whole seconds.

        ``limits`` defaults to Rebound's one table, ``bot.outbox.tiers.TIERS`` (Slack's figures,
        without the pacer's margin); ``clock`` (seconds) lets a test drive time.
        """
        from bot.outbox import tiers

        with self._lock:
            self._tiers = dict(tiers.TIERS if limits is None else limits)
            self._tiers_default = tiers.DEFAULT
            self._tier_clock = clock or time.time
            self._buckets.clear()

    def _tier_refusal(self, method: str, params: dict) -> _Failure | None:
        """Called under ``self._lock``: a 429 when ``method`` has no token left, else None."""
        if self._tiers is None or method == "auth.test":
            return None
        limit = self._tiers.get(method, self._tiers_default)
        channel = params.get("channel") if limit.per_channel else ""
        bucket = (method, channel if isinstance(channel, str) else "")
        now = self._tier_clock()
        tokens, counted = self._buckets.get(bucket, [float(limit.burst), now])
        tokens = min(float(limit.burst), tokens + max(0.0, now - counted) * limit.per_second)
        if tokens >= 1.0:
            self._buckets[bucket] = [tokens - 1.0, max(counted, now)]
            return None
        self._buckets[bucket] = [tokens, max(counted, now)]
        self.refused.append(Call(method, params, None, {}))
        retry_after = max(1, math.ceil((1.0 - tokens) / limit.per_second))
        return _Failure(429, "ratelimited", retry_after, 1)

    def _use_response_url(self, path: str) -> bool:
        """Count one use of a response_url (under ``self._lock``); True past Slack's five."""
        self._response_url_uses[path] += 1
        return self._response_url_uses[path] > 5

    def _replace_via_response_url(self, path: str, params: dict) -> None:
        """``replace_original`` through a click's response_url replaces that message, as on Slack.
        The response_urls SlackSender mints end in ``/<channel>/<message ts>``."""
        parts = urlsplit(path).path.split("/")
        if len(parts) < 7 or not params.get("replace_original"):
            return
        channel, ts = parts[-2], parts[-1]
        with self._lock:
            if (channel, ts) in self.messages:
                self.messages[(channel, ts)] = self._message(params, ts)


class _Handler(BaseHTTPRequestHandler):
    standin: SlackApiStandIn

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.standin._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read calls, not logs
        pass


# --------------------------------------------------------------------- request bodies


def parse_params(content_type: str, body: bytes, query: str = "") -> dict:
    """Parameters from a form, multipart or JSON body; JSON-string parameters decoded."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise ApiError("invalid_json") from exc
        if not isinstance(data, dict):
            raise ApiError("invalid_json")
        params.update(data)
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            params[name] = payload if part.get_filename() else payload.decode("utf-8")
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass  # left as a string; validation reports it
    return params
