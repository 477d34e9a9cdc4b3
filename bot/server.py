"""HTTP serving: Bolt behind its WSGI adapter under waitress (a production server, not
Bolt's single-threaded development server).

Paths: ``POST /slack/events`` for every Slack request (commands, events, interactivity),
``GET /healthz`` answering 200 while the database answers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.store.db import Store

log = logging.getLogger("rebound.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 256 * 1024  # Slack's payloads are far smaller; anything bigger is refused unread


def _respond(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create_wsgi_app(app: App, store: Store, *, max_body: int = MAX_BODY_BYTES) -> Callable:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        started = time.perf_counter()
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = store.ping()
            return _respond(start_response, "200 OK" if healthy else "503 Service Unavailable",
                            {"ok": healthy, "database": "reachable" if healthy else "unreachable"})
        if path != EVENTS_PATH:
            return _respond(start_response, "404 Not Found", {"ok": False, "error": "not_found"})
        if method != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"ok": False, "error": "method_not_allowed"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > max_body:
            log.warning("request refused: body of %s bytes", length)
            return _respond(start_response, "413 Payload Too Large", {"ok": False, "error": "payload_too_large"})
        captured: dict[str, str] = {}

        def recording_start_response(status, headers, exc_info=None):
            captured["status"] = status
            return start_response(status, headers, exc_info)

        result = slack(environ, recording_start_response)
        log.info("request path=%s status=%s ms=%.1f retry=%s", path, captured.get("status", "?")[:3],
                 (time.perf_counter() - started) * 1000, environ.get("HTTP_X_SLACK_RETRY_NUM", "0"))
        return result

    return wsgi


def serve_http(wsgi_app: Callable, *, host: str, port: int, threads: int = 8) -> None:
    """Block serving ``wsgi_app`` with waitress."""
    import waitress

    waitress.serve(wsgi_app, host=host, port=port, threads=threads, max_request_body_size=MAX_BODY_BYTES,
                   ident="rebound", clear_untrusted_proxy_headers=True)
