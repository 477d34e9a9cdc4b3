"""Ack latency: how long Slack waits for Rebound to answer a slash command, a DM answer and a
click, at an ordinary load (a few reps at once), against a no-op Bolt app served the same way.

Rebound runs as ``rebound serve`` (waitress; Bolt's ``process_before_response`` as
``create_app`` sets it; the outbox worker sending to the Web API stand-in, which answers
each call after 50 ms). Reps walk whole debriefs (:mod:`bench.reps`), and more reps only
open one, so there are enough commands for a p99. The baseline, :mod:`bench.noop_server`,
then gets the same requests at the same moments from the same number of reps. A second,
explanatory baseline is the same no-op app spending, in each listener, the CPU Rebound
spent per request: what any app doing that much work would see.

Also measured, because it is what a rep feels: *turnaround*, from sending an answer to the
next question showing in the DM (the outbox posting it, Slack's 50 ms per call included).
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.harness import (DRAIN_DEADLINE, SLACK_LATENCY, BenchError, WatchedStandIn, cpu_seconds, percentile,
                           ratio, rep_ids, row, scratch_dir, start_server, summary_ms, wait_drained,
                           web_api_call_seconds)
from bench.reps import debrief_answers, replay, run_reps

KINDS = ("command", "answer", "click")
GOAL_P99_MS = 100.0
GOAL_RATIO = 1.5


def run(*, debriefs: int = 16, commands: int = 184, concurrency: int = 4, latency: float = SLACK_LATENCY,
        seed: int = 8, busy_baseline: bool = True) -> dict:
    """Walk ``debriefs`` full debriefs and open ``commands`` more, ``concurrency`` reps at a time.
    ``busy_baseline`` adds the explanatory baseline: the no-op app spending Rebound's CPU after each ack."""
    answers = debrief_answers()
    users = rep_ids(debriefs + commands)
    jobs = [(user, False) for user in users[:debriefs]] + [(user, True) for user in users[debriefs:]]
    random.Random(seed).shuffle(jobs)  # spread the command-only reps among the debriefs
    with scratch_dir("ack") as tmp, WatchedStandIn(latency) as standin:
        floor = web_api_call_seconds(standin)
        server = start_server("rebound", standin, Path(tmp) / "rebound", users)
        try:
            cpu_before = cpu_seconds(server.process.pid)
            results, seconds = run_reps(jobs, server.events_url, standin, answers, concurrency=concurrency)
            drained = wait_drained(server.db_path, DRAIN_DEADLINE)  # stop only once every post went out
            cpu = cpu_seconds(server.process.pid) - cpu_before
        finally:
            server.stop()
        requests = sum(len(r.requests) for r in results)
        cpu_ms = 1000 * cpu / max(requests, 1)
        errors = [f"{r.user}: {e}" for r in results for e in r.errors] + list(standin.invalid)
        if drained is None:
            errors.append(f"outbox not drained within {DRAIN_DEADLINE:.0f} s")
        noop = start_server("noop", standin, Path(tmp) / "noop", users)
        try:
            baseline, baseline_seconds = replay(results, noop.events_url, standin, concurrency=concurrency)
        finally:
            noop.stop()
        busy_acks = []
        if busy_baseline:
            busy = start_server("noop", standin, Path(tmp) / "busy", users,
                                args=["--listener-cpu-ms", f"{cpu_ms:.2f}"])
            try:
                busy_acks, _ = replay(results, busy.events_url, standin, concurrency=concurrency)
            finally:
                busy.stop()
    errors += [f"baseline {a.kind}: HTTP {a.status}" for a in baseline + busy_acks if a.status != 200]
    figures: dict = {"concurrency": concurrency, "debriefs": debriefs, "commands": debriefs + commands,
                     "seconds": seconds, "baseline_seconds": baseline_seconds, "errors": errors,
                     "server_cpu_ms_per_request": cpu_ms,
                     # the outbox's floor for a new question: retire the old one, post the next
                     "two_calls_ms": 2 * percentile(floor, 50) * 1000}
    for kind in KINDS:
        mine = [request.seconds for r in results for request in r.requests if request.kind == kind]
        theirs = [request.seconds for request in baseline if request.kind == kind]
        busy_ones = [request.seconds for request in busy_acks if request.kind == kind]
        if not mine:
            raise BenchError(f"no {kind} was sent; see the errors: {errors[:5]}")
        figures[kind] = {"rebound": summary_ms(mine), "noop": summary_ms(theirs)}
        if busy_baseline:
            figures[kind]["noop_busy"] = summary_ms(busy_ones)
    figures["turnaround"] = summary_ms([t for r in results for t in r.turnarounds])
    figures["first_question"] = summary_ms([r.first_question for r in results if r.first_question is not None])
    return figures


def rows(figures: dict) -> list[dict]:
    """Table rows: p50/p95/p99 per request kind against the no-op baseline, then turnaround."""
    out = []
    label = {"command": "slash command", "answer": "DM answer", "click": "button click"}
    cpu_ms = figures["server_cpu_ms_per_request"]
    for kind in KINDS:
        mine, theirs = figures[kind]["rebound"], figures[kind]["noop"]
        for pct in ("p50", "p95", "p99"):
            value, base = mine[f"{pct}_ms"], theirs[f"{pct}_ms"]
            goal = {"goal": f"< {GOAL_P99_MS:.0f} ms, ≤ {GOAL_RATIO}x",
                    "ok": value < GOAL_P99_MS and value <= GOAL_RATIO * base} if pct == "p99" else {}
            out.append(row(f"ack {label[kind]} {pct} (n={mine['n']})", f"{value:.1f} ms", f"{base:.1f} ms",
                           ratio(value, base), **goal))
        if "noop_busy" not in figures[kind]:
            continue
        busy = figures[kind]["noop_busy"]["p99_ms"]
        out.append(row(f"ack {label[kind]} p99 vs no-op + {cpu_ms:.1f} ms CPU per listener",
                       f"{mine['p99_ms']:.1f} ms", f"{busy:.1f} ms", ratio(mine["p99_ms"], busy)))
    turn = figures["turnaround"]
    out.append(row(f"answer → next question p50/p99 (n={turn['n']})",
                   f"{turn['p50_ms']:.0f} / {turn['p99_ms']:.0f} ms",
                   f"{figures['two_calls_ms']:.0f} ms (2 Web API calls)",
                   ratio(turn["p50_ms"], figures["two_calls_ms"])))
    out.append(row(f"ack phase errors ({figures['concurrency']} reps at once)", str(len(figures["errors"])),
                   goal="0", ok=not figures["errors"]))
    return out
