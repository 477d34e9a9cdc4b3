"""Starting to serve: bind the port, reach Slack, and say clearly what is wrong while it can't.

``rebound serve`` used to end in a traceback when the port was taken or when Slack's
``auth.test`` could not be reached (Bolt calls it while building the app). Now:

- the port is bound first; a taken port is :class:`PortUnavailable`, one line;
- Slack is reached by our own ``auth.test`` with backoff (1, 2, 4 ... 60 s, for as long as
  it takes), one log line per failed try. A definite refusal (``invalid_auth``, a revoked
  token) is not retried: :class:`SlackRejected` stops the server;
- until Slack has accepted the token, ``GET /healthz`` answers 503 with the Slack state and
  the last reason, and ``POST /slack/events`` answers 503 (Slack retries the delivery);
  after it, both go to the app as usual. The outbox and the scheduler start only then.
"""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import ReboundError
from bot.slack.http import HEALTH_PATH, MAX_BODY_BYTES

log = logging.getLogger("rebound.serve")

MAX_DELAY_SECONDS = 60


class PortUnavailable(ReboundError):
    """The HTTP port cannot be bound (in use, or not allowed). ``host``, ``port``, ``reason``."""

    def __init__(self, host: str, port: int, reason: str):
        self.host = host
        self.port = port
        self.reason = reason
        super().__init__(f"cannot listen on {host}:{port}: {reason}")


class SlackRejected(ReboundError):
    """Slack answered ``auth.test`` with a definite no (``error``): retrying would not help."""

    def __init__(self, error: str):
        self.error = error
        super().__init__(
            f"Slack did not accept SLACK_BOT_TOKEN ({error}); copy the Bot User OAuth Token again "
            "from OAuth & Permissions, and check SLACK_API_URL")


def backoff_delays(first: float = 1, cap: float = MAX_DELAY_SECONDS) -> Iterator[float]:
    """1, 2, 4 ... seconds, never more than ``cap``: forever."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


@dataclass
class SlackLink:
    """Whether Slack has accepted the bot token yet: what /healthz reports while starting."""

    api_url: str
    state: str = "connecting"  # "connecting", "unreachable", "connected", "rejected"
    reason: str | None = None
    tries: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    def health(self) -> dict:
        return {"ok": False, "slack": self.state, "reason": self.reason, "tries": self.tries}

    def connect(self, client: WebClient, delays: Iterable[float] | None = None) -> bool:
        """Call ``auth.test`` until Slack answers it. True once connected; False when Slack
        refused the token (``state == "rejected"``) or :attr:`stop` was set."""
        waits = iter(delays if delays is not None else backoff_delays())
        while not self.stop.is_set():
            self.tries += 1
            try:
                answer = client.auth_test()
            except SlackApiError as exc:
                status = exc.response.status_code
                error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
                if status == 200 and error:  # Slack itself said no: a bad or revoked token
                    self.state, self.reason = "rejected", error
                    log.error("Slack refused the bot token error=%s try=%d", error, self.tries)
                    return False
                self.reason = f"HTTP {status}" + (f" {error}" if error else "")
            except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
                self.reason = _plain(exc)
            else:
                self.state, self.reason = "connected", None
                log.info("Slack accepted the bot token team=%s bot_user=%s tries=%d",
                         answer.get("team_id"), answer.get("user_id"), self.tries)
                return True
            self.state = "unreachable"
            delay = next(waits)
            log.warning("Slack is unreachable at %s (%s): try %d failed, next in %g s", self.api_url,
                        self.reason, self.tries, delay)
            self.stop.wait(delay)
        return False


def _plain(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)  # URLError wraps the socket error
    text = str(reason if reason is not None else exc) or type(exc).__name__
    return f"{type(reason if reason is not None else exc).__name__}: {text}"


def _respond(start_response, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def gate(wsgi: Callable, link: SlackLink) -> Callable:
    """``wsgi`` once Slack is connected; 503 with the Slack state before that."""

    def gated(environ, start_response):
        if link.connected:
            return wsgi(environ, start_response)
        if environ.get("PATH_INFO") == HEALTH_PATH:
            return _respond(start_response, "503 Service Unavailable", link.health())
        return _respond(start_response, "503 Service Unavailable", {"ok": False, "error": "slack_not_connected"})

    return gated


def bind_http(wsgi_app: Callable, *, host: str, port: int, threads: int = 8):
    """A waitress server bound to ``host:port`` (not yet serving), or :class:`PortUnavailable`."""
    import waitress

    try:
        return waitress.create_server(wsgi_app, host=host, port=port, threads=threads,
                                      max_request_body_size=MAX_BODY_BYTES, ident="rebound",
                                      clear_untrusted_proxy_headers=True)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = "the port is already in use (another Rebound, or another server); choose one with --port"
        elif exc.errno == errno.EACCES:
            reason = "not allowed (ports below 1024 need privileges); choose one with --port"
        else:
            reason = exc.strerror or str(exc)
        raise PortUnavailable(host, port, reason) from None


def serve_until_stopped(server, link: SlackLink, client: WebClient, on_connected: Callable[[], None],
                        delays: Iterable[float] | None = None) -> None:
    """Serve ``server`` while a thread connects ``link``; raise :class:`SlackRejected` if Slack says no."""

    def connect() -> None:
        if link.connect(client, delays):
            on_connected()
        elif link.state == "rejected":
            trigger = getattr(server, "trigger", None)  # one socket; several (host "localhost") have none
            if trigger is not None:
                trigger.pull_trigger(server.close)  # closed from inside its loop, so server.run() returns
            else:
                server.close()

    connector = threading.Thread(target=connect, name="rebound-slack-connect", daemon=True)
    connector.start()
    try:
        server.run()
    finally:
        link.stop.set()
        connector.join(5)
    if link.state == "rejected":
        raise SlackRejected(link.reason or "unknown")


def connect_or_raise(link: SlackLink, client: WebClient, delays: Iterable[float] | None = None) -> None:
    """Socket Mode: block until Slack accepts the token (retrying), or raise :class:`SlackRejected`."""
    if not link.connect(client, delays) and link.state == "rejected":
        raise SlackRejected(link.reason or "unknown")
