"""Start-up: seconds from launching ``rebound serve`` to ``GET /healthz`` answering 200, against
the no-op Bolt app started the same way (same interpreter, Bolt, waitress and settings) and
against ``python -c "import slack_bolt"``; and resident memory once healthy.

Each is started ``repeats`` times and the median taken. The first Rebound start creates and
migrates the database; later ones open it, as a restart in production does.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import SLACK_LATENCY, WatchedStandIn, rep_ids, ratio, row, scratch_dir, start_server

USERS = 50


GOAL_RATIO = 2.0  # issue 17: start-up to healthy within 2x of the no-op app


def run(*, repeats: int = 5, latency: float = SLACK_LATENCY) -> dict:
    users = rep_ids(USERS)
    starts: dict[str, list[float]] = {"rebound": [], "noop": [], "import": []}
    rss: dict[str, dict] = {}
    with scratch_dir("startup") as tmp, WatchedStandIn(latency) as standin:
        for _ in range(repeats):  # interleaved, so a noisy moment hits both
            for kind in ("rebound", "noop"):
                server = start_server(kind, standin, Path(tmp) / kind, users)
                try:
                    starts[kind].append(server.startup_seconds)
                    rss[kind] = server.rss()
                finally:
                    server.stop()
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import slack_bolt"], check=True)
            starts["import"].append(time.perf_counter() - began)
    return {"repeats": repeats, **{f"{kind}_seconds": statistics.median(values) for kind, values in starts.items()},
            "samples": starts, "rss_kib": rss}


def rows(figures: dict) -> list[dict]:
    rebound, noop, bare = figures["rebound_seconds"], figures["noop_seconds"], figures["import_seconds"]
    n = figures["repeats"]
    rss, noop_rss = figures["rss_kib"]["rebound"]["VmRSS"], figures["rss_kib"]["noop"]["VmRSS"]
    return [
        row(f"start-up to /healthz 200 (median of {n})", f"{rebound:.2f} s", f"{noop:.2f} s (no-op Bolt app)",
            ratio(rebound, noop), goal=f"≤ {GOAL_RATIO:g}x", ok=rebound <= GOAL_RATIO * noop),
        row(f"start-up vs `import slack_bolt` (median of {n})", f"{rebound:.2f} s", f"{bare:.2f} s",
            ratio(rebound, bare)),
        row("RSS idle after start-up", f"{rss / 1024:.0f} MiB", f"{noop_rss / 1024:.0f} MiB", ratio(rss, noop_rss)),
    ]
