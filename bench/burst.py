"""Bursts: 20 requests at once, half ``/debrief`` commands from reps starting a debrief, half
DM answers from reps in the middle of one, sent at the same instant (threads released by a
barrier); ``rounds`` such bursts, the server left to finish its work between them.

This is the shape of load that shows queueing before the ack: a single request is fast, but
20 at once wait for each other's work if the work happens before the 200. Rebound
(``rebound serve``) and the no-op Bolt app (:mod:`bench.noop_server`, served the same way) run
side by side and take turns, a burst each; the ratio of their p99s is the figure to compare.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bench.harness import (SIGNING_SECRET, SLACK_LATENCY, BenchError, WatchedStandIn, rep_ids, ratio, row,
                           scratch_dir, start_server, summary_ms, wait_drained)
from tests.support.slack_requests import SlackSender

GOAL_P99_MS = 100.0
GOAL_RATIO = 1.5
GOAL_DEBRIEF_BURST_RATIO = 2.0  # issue 17: the 50-rep /debrief burst's ack p99 within 2x of the no-op app's
SETTLE_SECONDS = 0.3  # after the server's queues are empty, before the next burst


def run(*, rounds: int = 10, at_once: int = 20, latency: float = SLACK_LATENCY, answers: bool = True) -> dict:
    """``answers=False``: every request of a burst is a ``/debrief`` from a rep starting one (the
    50-rep burst of issue 17's goals, repeated ``rounds`` times so its p99 rests on more than
    the 50 requests of one burst)."""
    half = at_once // 2 if answers else 0
    answerers = rep_ids(half, prefix="U0ANS")
    starters = rep_ids(rounds * (at_once - half), prefix="U0NEW")
    users = answerers + starters
    figures: dict = {"rounds": rounds, "at_once": at_once, "answers": answers}
    acks: dict[str, list[tuple[str, float, int]]] = {"rebound": [], "noop": []}
    with scratch_dir("burst") as tmp, WatchedStandIn(latency) as standin:
        servers = {kind: start_server(kind, standin, Path(tmp) / kind, users) for kind in ("rebound", "noop")}
        try:
            for server in servers.values():  # not measured: the answerers start a debrief
                sender = SlackSender(server.events_url, SIGNING_SECRET, response_url=standin.response_url)
                for user in answerers:
                    sender.command("/debrief", "", user_id=user)
                _settle(server)
            # Both servers are up the whole time and take turns, a burst each: a machine whose
            # load changes during the run (other processes) weighs on both alike.
            for number in range(rounds):
                commands = starters[number * (at_once - half):(number + 1) * (at_once - half)]
                for kind, server in servers.items():
                    acks[kind] += _burst(server, standin, answerers, commands, number)
                    _settle(server)
        finally:
            for server in servers.values():
                server.stop()
    for kind, mine in acks.items():
        errors = [f"{kind} {what}: HTTP {status}" for what, _, status in mine if status != 200]
        if errors:
            raise BenchError(f"burst: {len(errors)} request(s) refused: {errors[:5]}")
        figures[kind] = {what: summary_ms([s for w, s, _ in mine if what in ("all", w)])
                         for what in ("all", "command", "answer")}
    return figures


def _burst(server, standin: WatchedStandIn, answerers: list[str], starters: list[str],
           number: int) -> list[tuple[str, float, int]]:
    """One burst: every starter sends /debrief and every answerer a DM answer, at one instant."""
    acks: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    jobs = [("command", user) for user in starters] + [("answer", user) for user in answerers]
    barrier = threading.Barrier(len(jobs))

    def send(what: str, user: str) -> None:
        mine = SlackSender(server.events_url, SIGNING_SECRET, response_url=standin.response_url, timeout=30)
        barrier.wait()
        began = time.perf_counter()
        if what == "command":
            reply = mine.command("/debrief", "", user_id=user)
        else:
            reply = mine.dm(user, f"Deal {number}")
        with lock:
            acks.append((what, time.perf_counter() - began, reply.status))

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return acks


def _settle(server) -> None:
    """Let the server finish the last burst's work (its inbox and outbox) before the next one."""
    if server.db_path is not None and wait_drained(server.db_path, 60.0) is None:
        raise BenchError("burst: the server did not finish a burst's work within 60 s")
    time.sleep(SETTLE_SECONDS)


def rows(figures: dict) -> list[dict]:
    out = []
    n_at_once = figures["at_once"]
    if not figures.get("answers", True):  # every request a /debrief: one pair of rows, goal ≤ 2x
        mine, theirs = figures["rebound"]["command"], figures["noop"]["command"]
        for pct in ("p50", "p99"):
            value, base = mine[f"{pct}_ms"], theirs[f"{pct}_ms"]
            goal = {"goal": f"≤ {GOAL_DEBRIEF_BURST_RATIO:g}x",
                    "ok": value <= GOAL_DEBRIEF_BURST_RATIO * base} if pct == "p99" else {}
            out.append(row(f"{n_at_once} /debrief at once, {figures['rounds']} bursts: ack {pct} (n={mine['n']})",
                           f"{value:.1f} ms", f"{base:.1f} ms", ratio(value, base), **goal))
        return out
    for what, label in (("all", "mix"), ("command", "slash commands"), ("answer", "DM answers")):
        mine, theirs = figures["rebound"][what], figures["noop"][what]
        for pct in ("p50", "p99"):
            value, base = mine[f"{pct}_ms"], theirs[f"{pct}_ms"]
            goal = {"goal": f"< {GOAL_P99_MS:.0f} ms, ≤ {GOAL_RATIO}x",
                    "ok": value < GOAL_P99_MS and value <= GOAL_RATIO * base} if pct == "p99" and what == "all" else {}
            out.append(row(f"{n_at_once} at once: ack {label} {pct} (n={mine['n']})", f"{value:.1f} ms",
                           f"{base:.1f} ms", ratio(value, base), **goal))
    return out
