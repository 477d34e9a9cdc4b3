"""Concurrency: N reps each walking a whole debrief at once (command, every answer, Submit),
against ``rebound serve`` with the Web API stand-in answering each call after 50 ms.

Measured: answers per second, ack latency under that load (against the no-op Bolt app
given the same requests at the same moments), errors, answers lost (every acknowledged
answer must be in SQLite afterwards, every run submitted), and whether every queued Web API
call went out. Also the server's CPU time and resident memory after the load.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.harness import (DRAIN_DEADLINE, SLACK_LATENCY, WatchedStandIn, cpu_seconds, read_only, rep_ids,
                           percentile, ratio, row, scratch_dir, start_server, summary_ms, wait_drained,
                           web_api_call_seconds)
from bench.reps import QUESTION_TIMEOUT, RepResult, debrief_answers, replay, run_reps

# The baseline gets the first minute of the reps' requests: the burst of every rep starting at
# once and the first answers. Replaying all of it would double a run that the outbox already
# makes long, to measure the no-op app mostly idle.
REPLAY_WINDOW = 60.0
GOAL_P99_MS = 100.0
GOAL_BURST_RATIO = 2.0  # the burst of every rep's /debrief: ack p99 against the no-op app's
GOAL_FIRST_QUESTION_S = 1.0  # /debrief -> first question in the DM, p95
GOAL_RSS_MIB = 100  # issue 17: RSS after load under 100 MB


def run(reps: int = 50, *, latency: float = SLACK_LATENCY, question_timeout: float = QUESTION_TIMEOUT,
        drain_deadline: float = DRAIN_DEADLINE, replay_window: float | None = REPLAY_WINDOW) -> dict:
    answers = debrief_answers()
    users = rep_ids(reps)
    with scratch_dir(f"load{reps}") as tmp, WatchedStandIn(latency) as standin:
        floor = web_api_call_seconds(standin)
        standin.reset()
        server = start_server("rebound", standin, Path(tmp) / "rebound", users)
        try:
            cpu_before = cpu_seconds(server.process.pid)
            results, seconds = run_reps([(user, False) for user in users], server.events_url, standin, answers,
                                        concurrency=reps, question_timeout=question_timeout)
            drain_seconds = wait_drained(server.db_path, drain_deadline)
            cpu = cpu_seconds(server.process.pid) - cpu_before
            rss = server.rss()
            check = verify(server.db_path, results)
            log_errors = [line for line in server.log_tail(100_000).splitlines() if " ERROR " in line]
        finally:
            server.stop()
        calls = Counter(call.method for call in standin.calls)
        invalid = list(standin.invalid)
        noop = start_server("noop", standin, Path(tmp) / "noop", users)
        try:
            baseline, baseline_seconds = replay(results, noop.events_url, standin, concurrency=reps,
                                                window=replay_window)
            noop_rss = noop.rss()
        finally:
            noop.stop()
    acks = [request for r in results for request in r.requests]
    answered = [request for request in acks if request.kind in ("answer", "click") and request.status == 200]
    errors = ([f"{r.user}: {e}" for r in results for e in r.errors] + invalid + log_errors
              + [f"outbox: {n} row(s) failed" for n in [check["outbox"].get("failed", 0)] if n])
    return {
        "reps": reps,
        "seconds": seconds,
        "answers": len(answered),
        "answers_per_second": len(answered) / seconds if seconds else 0.0,
        "ack": summary_ms([request.seconds for request in acks]),
        "replay_window": replay_window,
        "ack_window": summary_ms([r.seconds for r in acks if replay_window is None or r.offset < replay_window]),
        "ack_noop": summary_ms([request.seconds for request in baseline]),
        "ack_by_kind": {kind: {"rebound": summary_ms([r.seconds for r in acks if r.kind == kind and (
                                   replay_window is None or r.offset < replay_window)]),
                               "noop": summary_ms([r.seconds for r in baseline if r.kind == kind])}
                        for kind in ("command", "answer", "click")},
        "baseline_seconds": baseline_seconds,
        "baseline_errors": sum(1 for request in baseline if request.status != 200),
        "turnaround": summary_ms([t for r in results for t in r.turnarounds]),
        "first_question": summary_ms([r.first_question for r in results if r.first_question is not None]),
        "errors": errors,
        "lost": check["lost"],
        "not_submitted": check["not_submitted"],
        "outbox": check["outbox"],
        "not_sent": check["not_sent"],
        "drain_seconds": drain_seconds,
        "web_api_call_s": percentile(floor, 50),
        "web_api_calls": sum(n for method, n in calls.items() if method != "auth.test"),
        "calls_per_second": sum(n for method, n in calls.items() if method != "auth.test") / (
            seconds + (drain_seconds or 0.0)),
        "server_cpu_seconds": cpu,
        "rss_kib": rss,
        "noop_rss_kib": noop_rss,
    }


def verify(db_path: Path, results: list[RepResult]) -> dict:
    """What SQLite holds after the load: answers lost, runs not submitted, outbox rows by status."""
    with read_only(db_path) as db:
        runs = {run_id: status for run_id, status in db.execute("SELECT id, status FROM runs")}
        stored = set(db.execute("SELECT run_id, step_id FROM answers"))
        outbox = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
    lost = 0
    not_submitted = 0
    for result in results:
        lost += sum(1 for step in result.typed if (result.run_id, step) not in stored)
        if result.submitted and runs.get(result.run_id) != "submitted":
            not_submitted += 1
    return {"lost": lost, "not_submitted": not_submitted, "outbox": outbox,
            "not_sent": sum(n for status, n in outbox.items() if status != "sent")}


def rows(figures: dict) -> list[dict]:
    n = figures["reps"]
    ack, kinds, first = figures["ack"], figures["ack_by_kind"], figures["first_question"]
    span = f"first {figures['replay_window']:.0f} s" if figures["replay_window"] is not None else "whole run"
    turn = figures["turnaround"]
    drained = figures["drain_seconds"]
    one_at_a_time = 1 / figures["web_api_call_s"]
    cpu_ms = 1000 * figures["server_cpu_seconds"] / max(figures["answers"], 1)
    rss, noop_rss = figures["rss_kib"], figures["noop_rss_kib"]
    return [
        row(f"{n} reps: answers/s (n={figures['answers']}, {figures['seconds']:.0f} s)",
            f"{figures['answers_per_second']:.1f}"),
        row(f"{n} reps: ack p99, whole run (n={ack['n']})", f"{ack['p99_ms']:.1f} ms",
            goal=f"< {GOAL_P99_MS:.0f} ms", ok=ack["p99_ms"] < GOAL_P99_MS),
        *[row(f"{n} reps: ack p99 {label} vs no-op, {span} (n={kinds[kind]['rebound']['n']})",
              f"{kinds[kind]['rebound']['p99_ms']:.1f} ms", f"{kinds[kind]['noop']['p99_ms']:.1f} ms",
              ratio(kinds[kind]["rebound"]["p99_ms"], kinds[kind]["noop"]["p99_ms"]),
              **({"goal": f"≤ {GOAL_BURST_RATIO:.0f}x",
                  "ok": kinds[kind]["rebound"]["p99_ms"] <= GOAL_BURST_RATIO * kinds[kind]["noop"]["p99_ms"]}
                 if kind == "command" else {}))
          for kind, label in (("command", "slash command"), ("answer", "DM answer")) if kinds[kind]["rebound"]["n"]],
        row(f"{n} reps: /debrief → first question p50/p95/p99",
            f"{first['p50_ms'] / 1000:.2f} / {first['p95_ms'] / 1000:.2f} / {first['p99_ms'] / 1000:.2f} s",
            goal=f"p95 < {GOAL_FIRST_QUESTION_S:.0f} s", ok=first["p95_ms"] < GOAL_FIRST_QUESTION_S * 1000),
        row(f"{n} reps: answer → next question p50/p99",
            f"{turn['p50_ms'] / 1000:.2f} / {turn['p99_ms'] / 1000:.2f} s"),
        row(f"{n} reps: Web API calls/s (outbox)", f"{figures['calls_per_second']:.1f}",
            f"{one_at_a_time:.1f} (one call at a time)", ratio(figures["calls_per_second"], one_at_a_time)),
        row(f"{n} reps: errors", str(len(figures["errors"])), goal="0", ok=not figures["errors"]),
        row(f"{n} reps: answers lost / runs not submitted", f"{figures['lost']} / {figures['not_submitted']}",
            goal="0 / 0", ok=not figures["lost"] and not figures["not_submitted"]),
        row(f"{n} reps: queued calls not sent (drained in)",
            f"{figures['not_sent']} ({f'{drained:.1f} s' if drained is not None else 'not drained'})",
            goal="0", ok=figures["not_sent"] == 0 and drained is not None),
        row(f"{n} reps: server CPU per answer", f"{cpu_ms:.1f} ms"),
        row(f"{n} reps: RSS after load (peak)", _mib(rss), _mib(noop_rss), ratio(rss["VmRSS"], noop_rss["VmRSS"]),
            goal=f"< {GOAL_RSS_MIB} MiB", ok=rss["VmRSS"] / 1024 < GOAL_RSS_MIB),
    ]


def _mib(rss: dict) -> str:
    return f"{rss['VmRSS'] / 1024:.0f} MiB ({rss['VmHWM'] / 1024:.0f})"

