"""The work after the ack: requests taken from the inbox and replayed through Bolt.

Replaying the stored request with ``app.dispatch(BoltRequest(...))`` runs exactly what the
listeners ran when they worked before the ack (same routing, same middleware, same
listeners), so the listeners stay as they are. Each request runs inside one transaction that
also takes it from the inbox and marks it done: its effects, the outbox rows they queue and
"done" commit together, and a crash mid-way leaves it waiting, to be taken again.

What changes for Slack:
* a slash command's reply (what the listener passed to ``ack()``) goes to its
  ``response_url`` through the outbox, so it is retried like any post;
* a request whose listener raises is rolled back and tried again, up to ``max_tries``; then it
  is set aside (``status='set_aside'``), logged with its inbox id and a reference, and the
  person gets the usual apology. Their later requests, and everyone else's, go on.

Order: one person's requests are taken oldest first, never two at once (see
``bot.store.inbox.take_next``); different people's requests are taken by whichever thread is
free. Tests build the app with ``inline=True``: the HTTP thread works the inbox itself before
it answers, so a test sees a request's effects when its request returns, without sleeping.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

from bot import clock, logs
from bot.jobs.threads import WakeableThreads
from bot.slack import intake
from bot.slack.http import parse_body
from bot.slack.intake import Incoming
from bot.slack.listeners.events import EVENT_TYPES
from bot.store import inbox
from bot.store import outbox

log = logging.getLogger("rebound.inbox")

DEFAULT_THREADS = 2  # the work holds the write lock and the GIL: more threads would only queue
MAX_TRIES = 3
RETRY_DELAYS = (0.5, 2.0)  # seconds before the 2nd and 3rd tries (a lock, a restart racing ...)

_replay = threading.local()


class _ListenerFailed(Exception):
    """A listener raised during a replay; Bolt handed the error to ``@app.error``."""

    def __init__(self, error: BaseException):
        super().__init__(repr(error))
        self.error = error


def hand_back(error: BaseException) -> bool:
    """Called by the app's error handler: True when this thread is replaying an inbox request,
    which then owns the error (rolled back, retried, set aside) instead of the handler."""
    if getattr(_replay, "active", False):
        _replay.error = error
        return True
    return False


class InboxWorker(WakeableThreads):
    name = "rebound-inbox"

    def __init__(self, app: App, services, *, inline: bool = False, threads: int = DEFAULT_THREADS,
                 max_tries: int = MAX_TRIES, retry_delays: tuple[float, ...] | None = None,
                 idle_seconds: float = 1.0):
        super().__init__(threads)
        self.app = app
        self.services = services
        # The inbox file, opened now rather than by the first request (and older rows moved in).
        self.requests = services.inbox_store
        self.inline = inline
        self.max_tries = max_tries
        # Inline (tests), a failed request is tried again at once: the test sees the outcome
        # of every try when its request returns.
        self.retry_delays = retry_delays if retry_delays is not None else (() if inline else RETRY_DELAYS)
        self.idle_seconds = idle_seconds
        self._commands: frozenset[str] | None = None
        self._taking = threading.Lock()
        self._working: set[int] = set()  # ids being worked now (still waiting in the inbox file)
        # Acknowledgements in progress go first: a worker holds the interpreter lock for a
        # request's whole work (milliseconds), which 20 acks at once would otherwise queue
        # behind. A worker waits for them before it takes the next request; so do the outbox's
        # senders (the same AckPriority, from the services).
        self.acks = services.acks

    # -- the ack side -----------------------------------------------------------------------

    def ack_started(self) -> None:
        self.acks.started()

    def ack_finished(self) -> None:
        self.acks.finished()

    def describe(self, text: str, content_type: str | None) -> Incoming | None:
        """What to store for this request, or None to answer it through Bolt at once."""
        if self._commands is None:
            self._commands = frozenset(p.command for p in self.services.playbooks.values())
        return intake.describe(text, content_type, commands=self._commands, event_types=EVENT_TYPES)

    def accept(self, incoming: Incoming, text: str, content_type: str | None, *, retry_num: int = 0,
               retry_reason: str | None = None) -> int | None:
        """Store a verified request and commit (the caller answers 200 next). None when Slack
        retried a request already stored: it is answered 200 again and worked once."""
        request_id = inbox.add(self.requests, dedup_key=incoming.dedup_key, kind=incoming.kind,
                               person=incoming.person, body=text, content_type=content_type,
                               retry_num=retry_num, retry_reason=retry_reason)
        if self.inline:
            self.drain()
        else:
            self.wake()
        return request_id

    # -- the worker side --------------------------------------------------------------------

    def drain(self, now: datetime | None = None, limit: int = 1000) -> int:
        """Work every ready request (tests, and the threads); returns how many were taken."""
        taken = 0
        while taken < limit and self.work_one(now):
            taken += 1
        return taken

    def work_one(self, now: datetime | None = None) -> bool:
        """Take the next ready request and run it; False when none is ready."""
        requests, store = self.requests, self.services.store
        at = now or clock.now()
        with self._taking:  # two threads never take the same request
            request = inbox.take_next(requests, at, skip=self._working)
            if request is None:
                return False
            self._working.add(request.id)
        started = time.perf_counter()
        try:
            with logs.scope() as fields:
                logs.bind(inbox_id=request.id, kind=request.kind)
                try:
                    with store.transaction():
                        if inbox.worked(store, request.dedup_key):
                            outcome = "done_before"  # its effects committed; its "done" did not
                        else:
                            response = self._replay(request)
                            self._reply(request, response)
                            inbox.record_worked(store, request)
                            outcome = "done"
                    inbox.mark_done(requests, request.id)
                except Exception as error:  # noqa: BLE001 - a worker outlives any one request
                    failure = error.error if isinstance(error, _ListenerFailed) else error
                    outcome = self._failed(request, failure, at)
                self.services.wake()  # the outbox: what this request queued is committed now
                log.info("inbox %s", logs.as_fields({
                    "id": request.id, "outcome": outcome, "waited_ms": _waited_ms(request.received_at, at),
                    "ms": round((time.perf_counter() - started) * 1000, 1), "retry": request.retry_num,
                    **{k: v for k, v in fields.items() if k not in ("inbox_id",)}}))
        finally:
            with self._taking:
                self._working.discard(request.id)
        return True

    def _replay(self, request: inbox.InboxRequest) -> BoltResponse:
        headers: dict[str, Any] = {"content-type": [request.content_type or "application/x-www-form-urlencoded"]}
        if request.retry_num:
            headers["x-slack-retry-num"] = [str(request.retry_num)]
            headers["x-slack-retry-reason"] = [request.retry_reason or ""]
        bolt_request = BoltRequest(body=request.body, headers=headers, mode="http")
        # Read the body as the HTTP layer does (by the payload *field*, not Bolt's substring test).
        bolt_request.body = parse_body(request.body, bolt_request.content_type)
        bolt_request.context = build_context(BoltContext({}), bolt_request.body)
        _replay.active, _replay.error = True, None
        try:
            response = self.app.dispatch(bolt_request)
        finally:
            _replay.active = False
        if _replay.error is not None:
            error, _replay.error = _replay.error, None
            raise _ListenerFailed(error)
        return response

    def _reply(self, request: inbox.InboxRequest, response: BoltResponse) -> None:
        """A command's reply (its ack body) goes to its response_url, in this transaction."""
        if not request.kind.startswith("command:") or response.status != 200 or not response.body:
            return
        try:
            reply = json.loads(response.body)
        except ValueError:
            reply = {"text": response.body}
        if not isinstance(reply, dict) or not (reply.get("text") or reply.get("blocks")):
            return
        url = (parse_qs(request.body).get("response_url") or [""])[0]
        if not url:
            log.warning("inbox id=%s: a command without a response_url; its reply is dropped", request.id)
            return
        reply.setdefault("response_type", "ephemeral")
        # the literal is bot.outbox.response_urls.COMMAND_REPLY, spelt out so bot/slack/scopes.py can read it
        outbox.enqueue(self.services.store, f"inbox:{request.dedup_key}:reply", "response_url",
                       {"channel": url, "message": reply})

    def _failed(self, request: inbox.InboxRequest, error: BaseException, now: datetime) -> str:
        tries = request.attempts + 1
        if tries < self.max_tries:
            delay = self.retry_delays[min(tries, len(self.retry_delays)) - 1] if self.retry_delays else 0.0
            inbox.record_failure(self.requests, request.id, repr(error),
                                 retry_at=now + timedelta(seconds=delay))
            log.warning("inbox id=%s kind=%s failed on try %s of %s; tried again in %ss", request.id,
                        request.kind, tries, self.max_tries, delay, exc_info=error)
            return f"retry_{tries}"
        inbox.record_failure(self.requests, request.id, repr(error), retry_at=None)
        reference = secrets.token_hex(4)
        log.error("unexpected error ref=%s user=%s: inbox id=%s kind=%s set aside after %s tries", reference,
                  request.person, request.id, request.kind, tries, exc_info=error)
        if request.person:
            self.services.chat.apologise(request.person, reference)
        return "set_aside"

    def prune(self, now: datetime) -> int:
        """A scheduled task: forget requests finished two days ago (their bodies hold what people typed)."""
        return inbox.prune(self.requests, self.services.store, now)

    # -- threads ------------------------------------------------------------------------------

    def _loop(self, wake: threading.Event) -> None:
        while not self.stopping:
            wake.wait(self.idle_seconds)
            wake.clear()
            try:
                while not self.stopping:
                    self.acks.yield_to_acks()
                    if not self.work_one():
                        break
            except Exception:  # the database itself failed; the request stays waiting
                log.exception("inbox worker failed; will try again")


def _waited_ms(received_at: str, now: datetime) -> float:
    try:
        return round((now - datetime.fromisoformat(received_at)).total_seconds() * 1000, 1)
    except ValueError:
        return -1.0
