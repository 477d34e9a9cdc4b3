"""Slack's rate limits: N reps (30 by default) walking a debrief at once against a Web API
stand-in that enforces the tiers (``SlackApiStandIn.enforce_tiers``: 429 with Retry-After
once a method, or for ``chat.postMessage`` a channel, is used faster than its tier allows).

The figure is how long a rep waits for the next question after answering (p95; the issue's
goal is 2 s with 0 messages failed). The baseline is the same run against the stand-in
without tiers, so the ratio shows what the limits cost. ``rebound serve`` paces itself the
same way in both runs (that is production behaviour); only Slack differs.

Also reported: what Slack refused (429s by method), and what became of the cosmetic retires
of answered questions (sent by chat.update, by the click's response_url, dropped, merged).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bench.harness import (SLACK_LATENCY, WatchedStandIn, read_only, rep_ids, ratio, row, scratch_dir, start_server,
                           summary_ms, wait_drained)
from bench.reps import QUESTION_TIMEOUT, debrief_answers, run_reps

GOAL_P95_S = 2.0
SETTLE_DEADLINE = 180.0  # seconds for every row to reach sent or failed (cosmetic patience is 30 s)


def run(reps: int = 30, *, latency: float = SLACK_LATENCY, question_timeout: float = QUESTION_TIMEOUT) -> dict:
    return {"reps": reps, **{mode: _one(reps, tiers=mode == "tiers", latency=latency,
                                        question_timeout=question_timeout) for mode in ("baseline", "tiers")}}


def _one(reps: int, *, tiers: bool, latency: float, question_timeout: float) -> dict:
    answers = debrief_answers()
    users = rep_ids(reps)
    with scratch_dir("tiers" if tiers else "notiers") as tmp, WatchedStandIn(latency) as standin:
        if tiers:
            standin.enforce_tiers()
        server = start_server("rebound", standin, Path(tmp) / "rebound", users)
        try:
            results, seconds = run_reps([(user, False) for user in users], server.events_url, standin, answers,
                                        concurrency=reps, question_timeout=question_timeout)
            settled = wait_drained(server.db_path, SETTLE_DEADLINE)
            outbox = outbox_outcomes(server.db_path)
            log_errors = [line for line in server.log_tail(100_000).splitlines() if " ERROR " in line]
        finally:
            server.stop()
        calls = Counter(call.method for call in standin.calls)
        refused = Counter(call.method for call in standin.refused)
    errors = [f"{r.user}: {e}" for r in results for e in r.errors] + log_errors
    return {
        "seconds": seconds,
        "turnaround": summary_ms([t for r in results for t in r.turnarounds]),
        "first_question": summary_ms([r.first_question for r in results if r.first_question is not None]),
        "submitted": sum(1 for r in results if r.submitted),
        "errors": errors,
        "settled_seconds": settled,
        "outbox": outbox,
        "calls": dict(calls),
        "refused": dict(refused),
    }


def outbox_outcomes(db_path: Path) -> dict:
    """Rows by status, and how the retires of answered questions (``chat.update``) went."""
    with read_only(db_path) as db:
        statuses = dict(db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
        updates = [json.loads(result or "{}") for (result,) in db.execute(
            "SELECT result FROM outbox WHERE method = 'chat.update' AND status = 'sent'")]
    skipped = [str(result.get("skipped", "")) for result in updates]
    return {
        "status": statuses,
        "updates_by_chat_update": sum(1 for r in updates if "ts" in r and "via" not in r),
        "updates_by_response_url": sum(1 for r in updates if r.get("via") == "response_url"),
        "updates_dropped": sum(1 for s in skipped if s.startswith("dropped")),
        "updates_merged": sum(1 for s in skipped if s.startswith("merged")),
    }


def rows(figures: dict) -> list[dict]:
    n = figures["reps"]
    tiers, base = figures["tiers"], figures["baseline"]
    turn, turn_base = tiers["turnaround"], base["turnaround"]
    first, first_base = tiers["first_question"], base["first_question"]
    box = tiers["outbox"]
    failed = box["status"].get("failed", 0)
    refused = ", ".join(f"{method} {count}" for method, count in sorted(tiers["refused"].items())) or "none"
    return [
        row(f"{n} reps, Slack tiers: answer → next question p95 (n={turn['n']})", f"{turn['p95_ms'] / 1000:.2f} s",
            f"{turn_base['p95_ms'] / 1000:.2f} s (no tiers)", ratio(turn["p95_ms"], turn_base["p95_ms"]),
            goal=f"≤ {GOAL_P95_S:.0f} s", ok=turn["p95_ms"] <= GOAL_P95_S * 1000),
        row(f"{n} reps, Slack tiers: answer → next question p50/p99",
            f"{turn['p50_ms'] / 1000:.2f} / {turn['p99_ms'] / 1000:.2f} s",
            f"{turn_base['p50_ms'] / 1000:.2f} / {turn_base['p99_ms'] / 1000:.2f} s",
            ratio(turn["p99_ms"], turn_base["p99_ms"])),
        row(f"{n} reps, Slack tiers: /debrief → first question p95", f"{first['p95_ms'] / 1000:.2f} s",
            f"{first_base['p95_ms'] / 1000:.2f} s", ratio(first["p95_ms"], first_base["p95_ms"])),
        row(f"{n} reps, Slack tiers: messages failed / errors", f"{failed} / {len(tiers['errors'])}",
            goal="0 / 0", ok=not failed and not tiers["errors"]),
        row(f"{n} reps, Slack tiers: runs submitted", f"{tiers['submitted']} of {n}", goal=f"{n}",
            ok=tiers["submitted"] == n),
        row(f"{n} reps, Slack tiers: 429s from Slack", refused),
        row(f"{n} reps, Slack tiers: retires by chat.update / response_url / dropped / merged",
            f"{box['updates_by_chat_update']} / {box['updates_by_response_url']} / {box['updates_dropped']}"
            f" / {box['updates_merged']}"),
        row(f"{n} reps, Slack tiers: outbox settled after the last answer",
            f"{tiers['settled_seconds']:.1f} s" if tiers["settled_seconds"] is not None else "not settled",
            f"{base['settled_seconds']:.1f} s" if base["settled_seconds"] is not None else "not settled"),
    ]
