"""``python -m bench [--quick]``: run every benchmark and print one table.

Run it from the repository root (it imports the Slack stand-ins from ``tests/support``).
Each figure sits next to a baseline measured in the same run; see bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import platform
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.harness import SLACK_LATENCY, BenchError, row

SECTIONS = ("startup", "ack", "burst", "load", "weekly", "tiers")


@dataclass(frozen=True)
class Sizes:
    startup_repeats: int = 5
    ack_debriefs: int = 16  # whole debriefs walked for the ack latency figures
    ack_commands: int = 184  # reps who only open one, so there are 200 commands for a p99
    ack_concurrency: int = 4
    ack_busy_baseline: bool = True  # also the no-op app spending Rebound's CPU after each ack
    burst_rounds: int = 20  # bursts of burst_at_once requests (half commands, half DM answers): n=400 for a p99
    burst_at_once: int = 20
    debrief_burst_rounds: int = 6  # bursts of debrief_burst_at_once /debrief commands, none answering
    debrief_burst_at_once: int = 50
    reps: tuple[int, ...] = (50, 200)  # reps at once, each a whole debrief
    replay_window: float | None = 60.0  # seconds of the load the no-op baseline replays (None: all)
    weekly_debriefs: int = 25_000
    weekly_sellers: int = 500
    latency: float = SLACK_LATENCY  # seconds the Web API stand-in takes per call
    seed: int = 8
    tier_reps: int = 30  # reps at once against a stand-in enforcing Slack's tiers


DEFAULT = Sizes()
QUICK = Sizes(startup_repeats=1, ack_debriefs=2, ack_commands=10, ack_concurrency=2, burst_rounds=1, burst_at_once=4,
              debrief_burst_rounds=1, debrief_burst_at_once=4,
              reps=(4,), replay_window=None, weekly_debriefs=2_500, weekly_sellers=50, tier_reps=4)


def machine() -> dict:
    """What the figures were taken on."""
    import os

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z"), "load_average": os.getloadavg()[0]}


def compile_bytecode() -> str:
    """Compile Rebound's and the benchmark's modules to bytecode first, as ``pip install`` of
    the wheel does (the Docker image's install): this checkout is an editable install, and
    with ``PYTHONDONTWRITEBYTECODE=1`` in the environment each server start would otherwise
    compile Rebound's ~300 modules from source, which no installed Rebound does. The no-op
    app's module (bench/) is compiled alike."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    ok = all(compileall.compile_dir(str(root / name), quiet=1) for name in ("bot", "bench"))
    return "compiled, as installed" if ok else "not compiled (compileall failed)"


def _progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def collect(sizes: Sizes, sections: tuple[str, ...] = SECTIONS) -> tuple[dict, list[dict]]:
    """Run the benchmarks; return every figure (for JSON) and the table rows."""
    from bench import ack_latency, burst, concurrency, startup
    from bench.noop_server import rebound_process_before_response

    figures: dict = {"machine": machine(), "sizes": asdict(sizes),
                     "process_before_response": rebound_process_before_response(),
                     "bytecode": compile_bytecode()}
    if "startup" in sections:
        _progress(f"start-up: rebound serve vs no-op Bolt app, {sizes.startup_repeats} time(s) each")
        figures["startup"] = startup.run(repeats=sizes.startup_repeats, latency=sizes.latency)
    if "ack" in sections:
        _progress(f"ack latency: {sizes.ack_debriefs} debriefs + {sizes.ack_commands} commands, "
                  f"{sizes.ack_concurrency} reps at once")
        figures["ack"] = ack_latency.run(debriefs=sizes.ack_debriefs, commands=sizes.ack_commands,
                                         concurrency=sizes.ack_concurrency, latency=sizes.latency, seed=sizes.seed,
                                         busy_baseline=sizes.ack_busy_baseline)
    if "burst" in sections:
        _progress(f"bursts: {sizes.burst_rounds} x {sizes.burst_at_once} requests at once")
        figures["burst"] = burst.run(rounds=sizes.burst_rounds, at_once=sizes.burst_at_once, latency=sizes.latency)
        _progress(f"bursts: {sizes.debrief_burst_rounds} x {sizes.debrief_burst_at_once} /debrief at once")
        figures["debrief_burst"] = burst.run(rounds=sizes.debrief_burst_rounds, at_once=sizes.debrief_burst_at_once,
                                             latency=sizes.latency, answers=False)
    if "load" in sections:
        for reps in sizes.reps:
            _progress(f"concurrency: {reps} reps each walking a debrief at once")
            figures[f"load_{reps}"] = concurrency.run(reps, latency=sizes.latency, replay_window=sizes.replay_window)
    if "weekly" in sections:
        _progress(f"weekly summary: {sizes.weekly_debriefs} debriefs, {sizes.weekly_sellers} sellers")
        figures["weekly"] = weekly(sizes)
    if "tiers" in sections:
        from bench import ratelimits

        _progress(f"Slack's rate limits: {sizes.tier_reps} reps at once, with and without the tiers enforced")
        figures["tiers"] = ratelimits.run(sizes.tier_reps, latency=sizes.latency)
    return figures, table_rows(figures)


def table_rows(figures: dict) -> list[dict]:
    """The table's rows for figures ``collect`` gathered (or an earlier run saved as JSON)."""
    from bench import ack_latency, burst, concurrency, startup

    rows: list[dict] = []
    if "startup" in figures:
        rows += startup.rows(figures["startup"])
    if "ack" in figures:
        rows += ack_latency.rows(figures["ack"])
    if "burst" in figures:
        rows += burst.rows(figures["burst"])
    if "debrief_burst" in figures:
        rows += burst.rows(figures["debrief_burst"])
    for reps in figures["sizes"]["reps"]:
        if f"load_{reps}" in figures:
            rows += concurrency.rows(figures[f"load_{reps}"])
    if "weekly" in figures:
        rows += weekly_rows(figures["weekly"])
    if "tiers" in figures:
        from bench import ratelimits

        rows += ratelimits.rows(figures["tiers"])
    return rows


def weekly(sizes: Sizes) -> dict | None:
    """bench/weekly_summary.py's figures, or None when that module (written separately) is missing."""
    try:
        weekly_summary = importlib.import_module("bench.weekly_summary")
    except ModuleNotFoundError as error:
        if error.name != "bench.weekly_summary":
            raise
        return None
    return weekly_summary.run(debriefs=sizes.weekly_debriefs, sellers=sizes.weekly_sellers, seed=sizes.seed)


def weekly_rows(figures: dict | None) -> list[dict]:
    if figures is None:
        return [row("weekly summary", "not measured: bench/weekly_summary.py is missing")]
    weekly_summary = importlib.import_module("bench.weekly_summary")
    if hasattr(weekly_summary, "rows"):
        return weekly_summary.rows(figures)
    return [row(f"weekly summary: {key}", _plain(value)) for key, value in _flatten(figures)]


def _flatten(value, prefix: str = ""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}{key}." if isinstance(inner, dict) else f"{prefix}{key}")
    else:
        yield prefix, value


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_table(rows: list[dict], figures: dict) -> str:
    """The rows as a Markdown table, then the machine and how the server ran."""
    header = ("figure", "Rebound", "baseline", "ratio", "goal", "met")
    body = []
    for entry in rows:
        times = entry.get("ratio")
        ok = entry.get("ok")
        body.append((entry["figure"], entry["value"], entry.get("baseline") or "",
                     "" if times is None or math.isnan(times) else f"{times:.2f}x",
                     entry.get("goal") or "", "" if ok is None else ("yes" if ok else "NO")))
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]

    def line(cells) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)) + " |"

    lines = [line(header), "|" + "|".join("-" * (width + 2) for width in widths) + "|"]
    lines += [line(cells) for cells in body]
    lines.append("")
    info = figures["machine"]
    lines.append(f"Machine: {info['nproc']} cores, {info['cpu']}, Python {info['python']}, {info['date']}, "
                 f"load average {info['load_average']:.1f} at the start")
    lines.append(f"Bolt process_before_response={figures['process_before_response']} (as `rebound serve` runs it); "
                 f"the Web API stand-in answers each call after {figures['sizes']['latency'] * 1000:.0f} ms; "
                 f"bytecode {figures.get('bytecode', 'as found')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Rebound's benchmarks, as one table.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a check that everything runs, in seconds")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    parser.add_argument("--reps", default=None, help="reps at once for the load test, e.g. 50,200")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="run nothing: print the table of figures an earlier --json saved")
    args = parser.parse_args(argv)
    if args.from_json:
        figures = json.loads(args.from_json.read_text(encoding="utf-8"))
        print(format_table(table_rows(figures), figures))
        return 0
    sections = tuple(part.strip() for part in args.only.split(",") if part.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    sizes = QUICK if args.quick else DEFAULT
    if args.reps:
        sizes = replace(sizes, reps=tuple(int(part) for part in args.reps.split(",")))
    try:
        figures, rows = collect(sizes, sections)
    except BenchError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(format_table(rows, figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
