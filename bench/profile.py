"""Where the server's time goes under load: ``rebound serve`` sampled by py-spy while reps walk
debriefs at once (the load of :mod:`bench.concurrency`).

    python -m bench.profile --reps 50            # wall clock, every thread, waiting included
    python -m bench.profile --reps 50 --gil      # only samples holding the GIL: where CPU goes
    python -m bench.profile --reps 200 --gil --open-only   # a burst of /debrief commands

Prints, per thread group (waitress request threads, Bolt's listener threads, the outbox
worker, ...), its share of the samples and the frames it spends them in. The raw py-spy
output (collapsed stacks, for flamegraph.pl or speedscope) stays in ``--out``.

py-spy is not a dependency of Rebound: ``/work/venv/bin/pip install py-spy`` (it samples a
process it starts, so it needs no ptrace rights over other processes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bench.harness import (DRAIN_DEADLINE, SLACK_LATENCY, BenchError, WatchedStandIn, rep_ids, start_server,
                           wait_drained)
from bench.reps import debrief_answers, run_reps

# The inclusive ranking lists Rebound's own functions: where in our code the time is spent
# (the leaf ranking shows which library call it ends in).
OURS = re.compile(r"\((bot|bench)/")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise BenchError("py-spy is not installed: /work/venv/bin/pip install py-spy")
    return found


def record(reps: int, out: Path, *, gil: bool = False, open_only: bool = False, rate: int = 200,
           latency: float = SLACK_LATENCY) -> Path:
    """Run ``reps`` reps at once against ``rebound serve`` under py-spy; return the raw profile.
    ``open_only``: each rep only sends /debrief and waits for the first question (a burst of commands)."""
    out.mkdir(parents=True, exist_ok=True)
    raw = out / ("serve-gil.txt" if gil else "serve-wall.txt")
    flags = ["record", "--threads", "-r", str(rate), "-f", "raw", "-o", str(raw), "--gil" if gil else "--idle", "--"]
    users = rep_ids(reps)
    with WatchedStandIn(latency) as standin:
        server = start_server("rebound", standin, out / "server", users, wrap=[py_spy(), *flags])
        try:
            results, seconds = run_reps([(user, open_only) for user in users], server.events_url, standin,
                                        debrief_answers(), concurrency=reps)
            wait_drained(server.db_path, DRAIN_DEADLINE)
        finally:
            _stop_profiled(server)
    errors = sum(len(r.errors) for r in results)
    print(f"{reps} reps walked a debrief in {seconds:.1f} s with {errors} error(s); profile: {raw}", file=sys.stderr)
    return raw


def _stop_profiled(server) -> None:
    """Stop the server py-spy started, so py-spy writes its file and exits by itself."""
    wrapper = server.process.pid
    try:
        children = Path(f"/proc/{wrapper}/task/{wrapper}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        try:
            os.kill(int(child), signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        server.process.wait(30)
    except Exception:  # noqa: BLE001 - whatever happened, don't leave py-spy behind
        server.stop()


def summarise(raw: Path, *, top: int = 8) -> str:
    """Share of samples per thread group, then each group's hottest leaf frames ("leaf") and
    the Rebound functions the samples pass through ("in", inclusive)."""
    samples: Counter = Counter()
    leaves: dict[str, Counter] = defaultdict(Counter)
    inclusive: dict[str, Counter] = defaultdict(Counter)
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        group = _group(frames[0])
        samples[group] += int(count)
        leaves[group][frames[-1]] += int(count)
        for frame in set(frames[1:]):
            if OURS.search(frame):
                inclusive[group][frame] += int(count)
    total = sum(samples.values()) or 1
    lines = []
    for group, count in samples.most_common():
        lines.append(f"{group}: {count} samples ({100 * count / total:.1f}% of all)")
        for frame, n in leaves[group].most_common(top):
            lines.append(f"    leaf {100 * n / count:5.1f}%  {frame}")
        for frame, n in inclusive[group].most_common(top):
            lines.append(f"    in   {100 * n / count:5.1f}%  {frame}")
    return "\n".join(lines)


def _group(thread: str) -> str:
    """``thread (123): waitress-3`` -> ``waitress-N`` (one line per kind of thread)."""
    name = thread.split(": ", 1)[1] if ": " in thread else "unnamed"
    return re.sub(r"\d+", "N", name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=50, help="reps at once (default 50)")
    parser.add_argument("--gil", action="store_true", help="only samples holding the GIL (CPU), not waiting")
    parser.add_argument("--open-only", action="store_true",
                        help="reps only open a debrief (a burst of slash commands), instead of walking one")
    parser.add_argument("--out", type=Path, default=Path("bench-profile"), help="where the raw profile goes")
    parser.add_argument("--top", type=int, default=8, help="frames shown per thread group")
    parser.add_argument("--summarise", type=Path, default=None, help="only summarise an existing raw profile")
    args = parser.parse_args(argv)
    try:
        raw = args.summarise or record(args.reps, args.out, gil=args.gil, open_only=args.open_only)
    except BenchError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(summarise(raw, top=args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
