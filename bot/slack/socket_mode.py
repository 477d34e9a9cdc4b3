"""Socket Mode: Bolt's own handler, with the same checks as HTTP before Bolt sees a request.

Over HTTP, ``bot.slack.http`` refuses a body over the size limit and one not shaped like
anything Slack sends, because Bolt would answer those with a 500. Socket Mode requests skip
that layer, so this handler applies the same size limit and :func:`bot.slack.http.body_problem`
to each envelope's payload. A refused envelope is acknowledged (Slack would otherwise send
it again) and not dispatched, and every envelope is logged as one line, like an HTTP request.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot import logs
from bot.slack.http import MAX_BODY_BYTES, body_problem

log = logging.getLogger("rebound.socket")


def envelope_problem(payload: Any, max_bytes: int = MAX_BODY_BYTES) -> str | None:
    """Why this Socket Mode payload is refused, or None (the HTTP checks, on the parsed payload)."""
    # Slack sends the payload as JSON inside the envelope; its encoded size is the body's size.
    size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        return f"payload of {size} bytes"
    return body_problem(payload)


class CheckedSocketModeHandler(SocketModeHandler):
    """``SocketModeHandler`` that refuses what the HTTP endpoint refuses (see the module docstring)."""

    max_bytes = MAX_BODY_BYTES

    def handle(self, client, req: SocketModeRequest) -> None:  # noqa: ANN001 - Bolt's signature
        started = time.perf_counter()
        with logs.scope() as fields:
            problem = envelope_problem(req.payload, self.max_bytes)
            if problem:
                logs.bind(refused=problem)
                response = None
            else:
                response = run_bolt_app(self.app, req)
            # Logged before the acknowledgement, so the line exists once Slack has its answer.
            log.info("request %s", logs.as_fields({
                "mode": "socket", "type": req.type, "status": response.status if response else "refused",
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "retry": req.retry_attempt or 0, **fields}))
        if response is None:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        else:
            send_response(client, req, response, started)
