"""Simulated sales reps: each one walks a /debrief in its DM the way a person would, and a
replay of the same requests against the no-op baseline.

A rep sends ``/debrief``, waits for each question to reach its DM (what the app posted to
the Web API stand-in), types the answer from ``examples/answers/debrief.yml`` (clicking
Skip for an optional question the file does not answer), and clicks Submit on the review
card. It answers the moment a question arrives: the busiest a person can make the bot.
Requests are signed like Slack's by ``tests.support.slack_requests.SlackSender``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.harness import SIGNING_SECRET, WatchedStandIn
from bot import ids
from bot.config import PROJECT_ROOT
from tests.support.dm_driver import Screen, typed
from tests.support.slack_requests import Reply, SlackSender

DEBRIEF_ANSWERS = PROJECT_ROOT / "examples" / "answers" / "debrief.yml"
MAX_SCREENS = 60  # a debrief has about 20 questions; more screens than this means a loop
QUESTION_TIMEOUT = 120.0  # seconds a rep waits for the next question before giving up


def debrief_answers(path: Path = DEBRIEF_ANSWERS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Request:
    """One request a rep sent: when (seconds after the rep started), what, and its ack."""

    offset: float
    kind: str  # "command", "answer" (typed in the DM) or "click"
    seconds: float
    status: int
    text: str = ""  # what was typed, for the replay


@dataclass
class RepResult:
    user: str
    requests: list[Request] = field(default_factory=list)
    turnarounds: list[float] = field(default_factory=list)  # answer sent -> next question seen
    first_question: float | None = None  # command sent -> first question seen
    typed: dict[str, str] = field(default_factory=dict)  # step id -> text typed (acknowledged)
    run_id: str | None = None
    submitted: bool = False
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Rep:
    def __init__(self, user: str, events_url: str, standin: WatchedStandIn, answers: dict,
                 question_timeout: float = QUESTION_TIMEOUT):
        self.user = user
        self.standin = standin
        self.answers = answers
        self.question_timeout = question_timeout
        self.sender = SlackSender(events_url, SIGNING_SECRET, response_url=standin.response_url, timeout=30)
        self.result = RepResult(user)
        self._started = 0.0

    def _send(self, kind: str, call, text: str = "") -> tuple[Reply | None, float]:
        began = time.perf_counter()
        try:
            reply = call()
        except OSError as error:  # refused, reset, timed out: an error, not a crash of the benchmark
            self.result.requests.append(Request(began - self._started, kind, time.perf_counter() - began, 0, text))
            self.result.errors.append(f"{kind}: {type(error).__name__}: {error}")
            return None, began
        elapsed = time.perf_counter() - began
        self.result.requests.append(Request(began - self._started, kind, elapsed, reply.status, text))
        self.sender.sent.clear()  # the sender keeps every request for tests; a benchmark needs none
        if reply.status != 200:
            self.result.errors.append(f"{kind}: HTTP {reply.status}: {reply.text[:200]}")
        return reply, began

    def _click(self, screen: Screen, label: str):
        for block, element in screen.buttons():
            if element.get("text", {}).get("text") == label:
                return self._send("click", lambda: self.sender.action(
                    self.user, element["action_id"], value=element.get("value"), block_id=block.get("block_id"),
                    message_ts=screen.ts))
        self.result.errors.append(f"no {label!r} button on {screen.step_id}")
        return None, time.perf_counter()

    def walk(self, *, first_question_only: bool = False) -> RepResult:
        """Run one debrief from the command to Submit (or only until the first question shows)."""
        self._started = time.perf_counter()
        try:
            self._walk(first_question_only)
        finally:
            self.result.seconds = time.perf_counter() - self._started
        return self.result

    def _walk(self, first_question_only: bool) -> None:
        reply, sent_at = self._send("command", lambda: self.sender.command("/debrief", "", user_id=self.user))
        if reply is None or reply.status != 200:
            return
        # The ack is empty now (the reply goes to the command's response_url after it).
        if reply.text and "in our DM" not in reply.text:
            self.result.errors.append(f"command: unexpected reply {reply.text[:200]}")
            return
        last_ts = None
        for number in range(MAX_SCREENS):
            seen = self.standin.wait_screen(self.user, last_ts, self.question_timeout)
            if seen is None:
                self.result.errors.append(f"no new question within {self.question_timeout:.0f} s after screen {number}")
                return
            waited = seen.seen_at - sent_at
            if number == 0:
                self.result.first_question = waited
                if first_question_only:
                    return
            else:
                self.result.turnarounds.append(waited)
            screen = seen.screen
            self.result.run_id = screen.run_id
            last_ts = screen.ts
            if screen.step_id == "review":
                reply, _ = self._click(screen, "Submit")
                self.result.submitted = reply is not None and reply.status == 200
                return
            if self.answers.get(screen.step_id) is not None:
                text = typed(self.answers[screen.step_id])
                reply, sent_at = self._send("answer", lambda: self.sender.dm(self.user, text), text)
                if reply is not None and reply.status == 200:
                    self.result.typed[screen.step_id] = text
            else:
                reply, sent_at = self._click(screen, "Skip")
            if reply is None or reply.status != 200:
                return
        self.result.errors.append(f"more than {MAX_SCREENS} screens: the conversation loops")


def run_reps(jobs: list[tuple[str, bool]], events_url: str, standin: WatchedStandIn, answers: dict, *,
             concurrency: int, question_timeout: float = QUESTION_TIMEOUT) -> tuple[list[RepResult], float]:
    """Walk ``jobs`` (user, first_question_only) with ``concurrency`` threads; results and wall seconds."""
    queue = list(reversed(jobs))
    lock = threading.Lock()
    results: list[RepResult] = []

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                user, first_only = queue.pop()
            result = Rep(user, events_url, standin, answers, question_timeout).walk(first_question_only=first_only)
            with lock:
                results.append(result)

    return results, _run_threads(worker, concurrency)


def _run_threads(target, count: int) -> float:
    threads = [threading.Thread(target=target, name=f"rep-{n}", daemon=True) for n in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


# --------------------------------------------------------------------------- baseline replay


def replay(results: list[RepResult], events_url: str, standin: WatchedStandIn, *,
           concurrency: int, window: float | None = None) -> tuple[list[Request], float]:
    """Send the no-op baseline the same requests the reps sent, at the same moments after each
    rep started, with the same number of reps at once; only those sent in the first ``window``
    seconds when given. Returns its acks and wall seconds."""
    queue = list(reversed(results))
    lock = threading.Lock()
    acks: list[Request] = []

    def worker() -> None:
        sender = SlackSender(events_url, SIGNING_SECRET, response_url=standin.response_url, timeout=30)
        while True:
            with lock:
                if not queue:
                    return
                rep = queue.pop()
            started = time.perf_counter()
            mine = []
            for request in rep.requests:
                if window is not None and request.offset >= window:
                    break
                pause = started + request.offset - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                began = time.perf_counter()
                try:
                    reply = _replay_one(sender, rep.user, request)
                    status = reply.status
                except OSError:
                    status = 0
                mine.append(Request(began - started, request.kind, time.perf_counter() - began, status))
                sender.sent.clear()
            with lock:
                acks.extend(mine)

    return acks, _run_threads(worker, concurrency)


def _replay_one(sender: SlackSender, user: str, request: Request) -> Reply:
    if request.kind == "command":
        return sender.command("/debrief", "", user_id=user)
    if request.kind == "answer":
        return sender.dm(user, request.text)
    # A click shaped like Rebound's (action id and block id of a question's nav block).
    return sender.action(user, ids.SKIP, value=None, block_id='{"r":"run","s":"step","v":"nav"}')
