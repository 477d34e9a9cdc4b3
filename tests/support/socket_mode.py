"""Slack's Socket Mode server, played on ``127.0.0.1`` and a free port.

The real ``SocketModeHandler`` asks ``apps.connections.open`` (on the Web API stand-in) for
a URL, connects here over a websocket, gets ``hello``, and then receives envelopes the test
sends: ``slash_commands``, ``interactive`` and ``events_api``, shaped as Slack sends them.
It acknowledges each with ``{"envelope_id": ..., "payload": ...}``; :meth:`ack` waits for it.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.support.slack_requests import APP_ID


class SocketModeStandIn:
    def __init__(self) -> None:
        self.url = ""
        self.connected = threading.Event()
        self.acks: dict[str, dict[str, Any]] = {}
        self._acked: dict[str, threading.Event] = {}
        self._connection: ServerConnection | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> SocketModeStandIn:
        self._server = serve(self._session, "127.0.0.1", 0)
        port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link/?ticket=test"
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                    "debug_info": {"host": "standin", "approximate_connection_time": 18060},
                                    "connection_info": {"app_id": APP_ID}}))
        self._connection = connection
        self.connected.set()
        try:
            for message in connection:
                self._record(json.loads(message))
        except ConnectionClosed:
            pass  # the client went away (the test is over)

    def _record(self, reply: dict[str, Any]) -> None:
        envelope_id = reply.get("envelope_id")
        with self._lock:
            self.acks[envelope_id] = reply
            event = self._acked.setdefault(envelope_id, threading.Event())
        event.set()

    # -- what the test sends -------------------------------------------------------------------

    def send(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> str:
        """Send one envelope of ``kind`` (``slash_commands``, ``interactive``, ``events_api``)."""
        if not self.connected.wait(10):
            raise AssertionError("the Socket Mode client never connected")
        envelope_id = str(uuid.uuid4())
        with self._lock:
            self._acked.setdefault(envelope_id, threading.Event())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout" if retry_attempt else "")
        self._connection.send(json.dumps(envelope))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        """The client's acknowledgement of ``envelope_id`` (waits for it)."""
        with self._lock:
            event = self._acked.setdefault(envelope_id, threading.Event())
        if not event.wait(timeout):
            raise AssertionError(f"envelope {envelope_id} was never acknowledged")
        return self.acks[envelope_id]
