"""HTTP serving: Bolt behind its WSGI adapter under waitress (a production server, not
Bolt's single-threaded development server).

Paths: ``POST /slack/events`` for every Slack request (commands, events, interactivity),
``GET /healthz`` answering 200 while the database answers, and ``POST /crm/closed-lost`` for
one closed-lost deal from a CRM workflow, signed like Slack's requests with
``REBOUND_CRM_SECRET`` (404 while that is not set).

Before Bolt sees a request, this layer refuses, in order: a body over the size limit (413,
unread), a bad, stale or missing v0 signature (401, so nothing of a forged request is parsed
or logged), and a body that is not shaped like anything Slack sends (400): Bolt assumes
Slack's shapes and would answer a JSON list or an ``action_id`` that is a number with a 500.
Each request is logged as one line with what the handlers bound (run id, action).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.context import BoltContext

from bot import logs
from bot.store.db import Store

log = logging.getLogger("rebound.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
CRM_PATH = "/crm/closed-lost"
MAX_CRM_BODY_BYTES = 64 * 1024  # one deal is well under a kilobyte
MAX_BODY_BYTES = 256 * 1024  # Slack's payloads are far smaller; anything bigger is refused unread
MAX_CLOCK_SKEW = 5 * 60  # Slack's replay window for request timestamps, in seconds


def _respond(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def signature_valid(secret: str, timestamp: str | None, signature: str | None, body: bytes,
                    now: float | None = None) -> bool:
    """Slack's v0 scheme: ``v0=hex(hmac_sha256(secret, "v0:{timestamp}:{body}"))``, timestamp within 5 minutes."""
    if not secret or not timestamp or not signature:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent_at) > MAX_CLOCK_SKEW:
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


# -- the shapes Bolt relies on ---------------------------------------------------------------

_TEXTUAL = (str, type(None))
# Keys Bolt reads with .get()/"in" when they are not strings, wherever they appear.
_STR_OR_DICT = ("user", "team", "enterprise", "channel")
_DICTS = ("event", "view", "message", "previous_message", "item", "assistant_thread", "container", "state")
_STRINGS = ("type", "command", "callback_id", "action_id", "block_id", "subtype", "team_id", "user_id",
            "channel_id", "enterprise_id", "response_url", "trigger_id")


def _object_problem(value: Any, where: str, depth: int = 0) -> str | None:
    if not isinstance(value, dict):
        return f"{where} is not an object"
    for key in _STRINGS:
        if key in value and not isinstance(value[key], _TEXTUAL):
            return f"{where}.{key} is not a string"
    for key in _STR_OR_DICT:
        if key in value and not isinstance(value[key], (str, dict, type(None))):
            return f"{where}.{key} is neither a string nor an object"
        if isinstance(value.get(key), dict) and not isinstance(value[key].get("id"), _TEXTUAL):
            return f"{where}.{key}.id is not a string"
    for key in _DICTS:
        if key in value and not isinstance(value[key], dict):
            return f"{where}.{key} is not an object"
    for key in ("authorizations", "actions", "response_urls"):
        if key in value and not (isinstance(value[key], list) and all(isinstance(i, dict) for i in value[key])):
            return f"{where}.{key} is not a list of objects"
    if depth < 2:  # Bolt looks one or two levels down for ids and types
        nested = [(f"{where}.{key}", value[key]) for key in ("event", "view", "message", "previous_message",
                                                              "item", "assistant_thread") if key in value]
        nested += [(f"{where}.authorizations[0]", value["authorizations"][0])] if value.get("authorizations") else []
        nested += [(f"{where}.actions[{i}]", a) for i, a in enumerate(value.get("actions") or [])]
        for inner_where, inner in nested:
            problem = _object_problem(inner, inner_where, depth + 1)
            if problem:
                return problem
    return None


def parse_body(text: str, content_type: str | None) -> Any:
    """The request body as Slack meant it.

    JSON (Events API) when the content type says so or the body is an object. Otherwise a
    form: an interaction when it has a ``payload`` *field* (its JSON is the body), else the
    fields themselves (a slash command). Bolt's own parser looks for the word "payload"
    anywhere in the body, so ``/debrief Payload CMS`` lost its text and got a 404; this one
    decides by the field, so a command's text reaches the flow unchanged whatever it says.
    """
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text)
    fields = parse_qs(text, keep_blank_values=True)
    if "payload" in fields:
        return json.loads(fields["payload"][0])
    return {name: values[0] for name, values in fields.items()}


def payload_problem(text: str, content_type: str | None) -> str | None:
    """Why Bolt could not read this body safely, or None. Parses as the app then hands it to Bolt."""
    try:
        body = parse_body(text, content_type)
    except ValueError:  # json.JSONDecodeError included
        return "the body is not valid JSON"
    return body_problem(body)


def body_problem(body: Any) -> str | None:
    """Why Bolt could not handle this parsed body safely, or None: the checks both HTTP and
    Socket Mode (``bot.slack.socket_mode``) apply before Bolt sees a request."""
    if not isinstance(body, dict):
        return "the body is not an object"
    try:
        # Lone surrogates (``"\ud800"``) are valid JSON but not text: SQLite and Slack refuse them.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "the body holds text that is not valid Unicode"
    problem = _object_problem(body, "body")
    if problem:
        return problem
    if body.get("type") == "event_callback" and not isinstance((body.get("event") or {}).get("type"), str):
        return "body.event.type is missing"
    if body.get("type") in ("view_submission", "view_closed") and not isinstance(
            (body.get("view") or {}).get("callback_id"), str):
        return "body.view.callback_id is missing"
    if body.get("type") in ("block_actions", "interactive_message") and ("actions" in body or "callback_id" in body):
        actions = body.get("actions")
        if not actions or not all(isinstance(a.get("action_id"), str) for a in actions):
            return "body.actions is empty or an action has no action_id"
    return None


def _content_type(environ) -> str | None:
    value = environ.get("CONTENT_TYPE")
    return value.split(";")[0] if value else None


# -- the WSGI application --------------------------------------------------------------------


class _FormSafeHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, handing Bolt the body as :func:`parse_body` reads it.

    The raw body stays as it came, so Bolt's signature check still sees Slack's bytes.
    """

    def dispatch(self, request: WsgiHttpRequest):
        raw = request.get_body()
        bolt_request = BoltRequest(body=raw, query=request.query_string, headers=request.get_headers())
        bolt_request.body = parse_body(raw, bolt_request.content_type)
        bolt_request.context = build_context(BoltContext({}), bolt_request.body)
        return self.app.dispatch(bolt_request)



def create_wsgi_app(app: App, store: Store, *, max_body: int = MAX_BODY_BYTES,
                    signing_secret: str | None = None, inbox=None, crm=None) -> Callable:
    """``signing_secret`` defaults to the one the Bolt app verifies with (both must agree).

    With ``inbox`` (an InboxWorker), a verified request is stored there and answered 200 at
    once; the listeners run after the ack. Only what Slack needs answered in the ack body
    (``bot.slack.intake``: URL verification, view submissions ...) goes through Bolt here.
    Without it (the no-op benchmark app), every request goes through Bolt before the answer.
    ``crm`` (a ``CrmIntake``) answers ``POST /crm/closed-lost`` when its secret is set.
    """
    secret = signing_secret if signing_secret is not None else getattr(app, "_signing_secret", "") or ""
    slack = _FormSafeHandler(app, path=EVENTS_PATH)

    def wsgi(environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = store.ping()
            return _respond(start_response, "200 OK" if healthy else "503 Service Unavailable",
                            {"ok": healthy, "database": "reachable" if healthy else "unreachable"})
        if path == CRM_PATH and crm is not None and crm.secret is not None:
            with logs.scope() as fields:
                status, result = _crm_deal(crm, environ, start_response)
                log.info("request %s", logs.as_fields({"path": path, "status": status, **fields}))
            return result
        if path != EVENTS_PATH:
            return _respond(start_response, "404 Not Found", {"ok": False, "error": "not_found"})
        if method != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"ok": False, "error": "method_not_allowed"})
        started = time.perf_counter()
        if inbox is not None:
            inbox.ack_started()  # the inbox's workers let this answer go first
        try:
            with logs.scope() as fields:
                status, result = _handle(environ, start_response)
                # The fields go in the message itself, so the line reads the same under any formatter.
                log.info("request %s", logs.as_fields({
                    "path": path, "status": status, "ms": round((time.perf_counter() - started) * 1000, 1),
                    "retry": environ.get("HTTP_X_SLACK_RETRY_NUM", "0"), **fields}))
        finally:
            if inbox is not None:
                inbox.ack_finished()
        return result

    def _handle(environ, start_response) -> tuple[str, Iterable[bytes]]:
        body = _body_within(environ, max_body)
        if body is None:
            return "413", _respond(start_response, _STATUS_LINES[413], {"ok": False, "error": "payload_too_large"})
        if not signature_valid(secret, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                               environ.get("HTTP_X_SLACK_SIGNATURE"), body):
            logs.bind(refused="bad, stale or missing signature")
            return "401", _respond(start_response, "401 Unauthorized", {"error": "invalid request"})
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, problem = "", "the body is not UTF-8"
        else:
            problem = payload_problem(text, _content_type(environ))
        if problem:
            logs.bind(refused=problem)
            return "400", _respond(start_response, "400 Bad Request", {"ok": False, "error": "malformed_payload"})
        if inbox is not None:
            incoming = inbox.describe(text, _content_type(environ))
            if incoming is not None:
                storing = time.perf_counter()
                request_id = inbox.accept(incoming, text, _content_type(environ),
                                          retry_num=_int(environ.get("HTTP_X_SLACK_RETRY_NUM")),
                                          retry_reason=environ.get("HTTP_X_SLACK_RETRY_REASON"))
                logs.bind(inbox_id=request_id or "already stored",
                          store_ms=round((time.perf_counter() - storing) * 1000, 1))
                start_response("200 OK", [("Content-Length", "0")])
                return "200", [b""]
        environ["wsgi.input"] = io.BytesIO(body)  # Bolt's adapter reads the body again
        captured: dict[str, str] = {}

        def recording_start_response(status, headers, exc_info=None):
            captured["status"] = status
            return start_response(status, headers, exc_info)

        result = slack(environ, recording_start_response)
        return captured.get("status", "?")[:3], result

    return wsgi


def _body_within(environ, limit: int) -> bytes | None:
    """The request body, or None (the refusal logged, nothing read) when its stated length is
    unreadable, negative or over ``limit``: the caller answers 413."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > limit:
        logs.bind(refused=f"body of {length} bytes")
        return None
    return environ["wsgi.input"].read(length) if length else b""


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


_STATUS_LINES = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 405: "405 Method Not Allowed",
                 413: "413 Payload Too Large"}


def _crm_deal(crm, environ, start_response) -> tuple[str, Iterable[bytes]]:
    """One deal from a CRM workflow: size cap, then the signature (401, nothing stored), then
    ``crm.receive`` (400 naming the field, or 200 with the deal's status)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return "405", _respond(start_response, _STATUS_LINES[405], {"ok": False, "error": "method_not_allowed"})
    body = _body_within(environ, MAX_CRM_BODY_BYTES)
    if body is None:
        return "413", _respond(start_response, _STATUS_LINES[413], {"ok": False, "error": "payload_too_large"})
    if not signature_valid(crm.secret, environ.get("HTTP_X_REBOUND_REQUEST_TIMESTAMP"),
                           environ.get("HTTP_X_REBOUND_SIGNATURE"), body):
        logs.bind(refused="bad, stale or missing signature")
        return "401", _respond(start_response, _STATUS_LINES[401], {"ok": False, "error": "invalid_signature"})
    status, answer = crm.receive(body)
    return str(status), _respond(start_response, _STATUS_LINES.get(status, "400 Bad Request"), answer)


def serve_http(wsgi_app: Callable, *, host: str, port: int, threads: int = 8) -> None:
    """Block serving ``wsgi_app`` with waitress."""
    import waitress

    waitress.serve(wsgi_app, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY_BYTES,
                   ident="rebound", clear_untrusted_proxy_headers=True)
