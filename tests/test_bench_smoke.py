"""The benchmarks at tiny sizes, so they never rot: every section runs end to end against real
servers (``rebound serve`` and the no-op baseline), and the load check finds nothing lost.

The figures themselves are not asserted; a benchmark's pass/fail is not the test suite's.

Tiny means the least that still runs each path once: one burst of one command and one answer,
a replay of the load's first second, and a debrief of its required questions only (see
``short_debrief``). A walk costs about a second a question (the outbox paces posts to one DM at
Slack's one a second), so the 22-question debrief made this test most of the suite's time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bench.__main__ import Sizes, collect, format_table
from bench.harness import percentile
from bench.profile import summarise
from bot.config import PROJECT_ROOT

TINY = Sizes(startup_repeats=1, ack_debriefs=1, ack_commands=2, ack_concurrency=2, ack_busy_baseline=False,
             burst_rounds=1, burst_at_once=2, debrief_burst_rounds=1, debrief_burst_at_once=2, reps=(2,), replay_window=1.0, weekly_debriefs=200, weekly_sellers=10,
             latency=0.005, tier_reps=2)


@pytest.fixture
def short_debrief(tmp_path, monkeypatch):
    """The shipped playbooks, the debrief's optional questions offered only to a debrief from a
    CRM deal (``from_crm``), which a typed /debrief never is: the reps answer the five required
    questions and Submit (6 screens, not 22, and as few paced retires of answered questions to
    wait for). The servers read it through REBOUND_PLAYBOOKS, which the benchmarks pass on."""
    folder = tmp_path / "playbooks"
    shutil.copytree(PROJECT_ROOT / "playbooks", folder)
    debrief = yaml.safe_load((folder / "debrief.yml").read_text(encoding="utf-8"))
    optional = [step for step in debrief["steps"] if "ask" in step and step.get("required") is False]
    assert len(optional) > 10, "the debrief's optional questions have moved: update this fixture"
    for step in optional:
        step["when"] = "from_crm"
    (folder / "debrief.yml").write_text(yaml.safe_dump(debrief, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("REBOUND_PLAYBOOKS", str(folder))


def test_every_benchmark_runs_at_tiny_sizes_and_loses_nothing(short_debrief):
    figures, rows = collect(TINY)

    assert figures["startup"]["rebound_seconds"] > 0
    ack = figures["ack"]
    assert ack["errors"] == []
    assert min(ack[kind]["rebound"]["n"] for kind in ("command", "answer", "click")) >= 1
    assert figures["burst"]["rebound"]["all"]["n"] == figures["burst"]["noop"]["all"]["n"] == 2
    debriefs = figures["debrief_burst"]
    assert debriefs["rebound"]["command"]["n"] == debriefs["noop"]["command"]["n"] == 2
    assert debriefs["rebound"]["answer"]["n"] == 0  # every request of that burst is a /debrief
    load = figures["load_2"]
    assert load["errors"] == []
    assert load["answers"] == 12  # two whole debriefs: five answers and Submit each
    assert (load["lost"], load["not_submitted"], load["not_sent"]) == (0, 0, 0)
    assert load["rss_kib"]["VmRSS"] > 0
    tiers = figures["tiers"]["tiers"]
    assert tiers["errors"] == [] and tiers["submitted"] == 2
    assert tiers["outbox"]["status"].get("failed", 0) == 0 and tiers["settled_seconds"] is not None
    table = format_table(rows, figures)
    assert "ack DM answer p99" in table and "2 reps: answers lost" in table and "weekly summary" in table
    assert "2 /debrief at once, 1 bursts: ack p99 (n=2)" in table


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 99) == 99.0
    assert percentile([3.0], 99) == 3.0


def test_profile_summary_groups_threads_and_ranks_frames(tmp_path: Path):
    raw = tmp_path / "serve-wall.txt"
    raw.write_text(
        "thread (101): rebound-outbox;OutboxWorker._loop (bot/outbox/worker.py:46);SocketIO.readinto (socket.py:706) 9\n"
        "thread (101): rebound-outbox;OutboxWorker._loop (bot/outbox/worker.py:46);Database.execute (db.py:967) 1\n"
        "thread (102): waitress-0;HTTPChannel.service (waitress/channel.py:430) 5\n"
        "thread (103): waitress-1;HTTPChannel.service (waitress/channel.py:430) 5\n"
    )
    summary = summarise(raw)
    assert "rebound-outbox: 10 samples (50.0% of all)" in summary
    assert "waitress-N: 10 samples" in summary
    assert "leaf  90.0%  SocketIO.readinto" in summary
