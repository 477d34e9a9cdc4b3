"""Drawing charts in a short-lived child process, so the server never holds matplotlib.

Importing matplotlib and numpy costs a running ``rebound serve`` about 75 MB that it would
keep for good after its first weekly chart, and drawing holds the interpreter lock for half
a second per chart while the same process must acknowledge Slack within 3 seconds. The
weekly job hands the series to ``python -m bot.render.chart_process`` instead: one child per
post draws every chart of it and exits, and the server's memory stays where it started.

Protocol: the parent writes ``{"charts": [{"chart": LossChart as a dict, "title": str}]}``
as JSON to the child's stdin; the child writes the PNGs to stdout, each preceded by its
length as 8 decimal digits. Exit 3 means matplotlib is missing (the ``charts`` extra);
any other failure exits non-zero with its traceback on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.domain.charts import LeftOut, LossChart, ReasonSeries
from bot.render.charts import ChartsUnavailable, draw_png

TIMEOUT_SECONDS = 120
NO_EXTRA = 3  # the child's exit status when matplotlib cannot be imported
LENGTH_DIGITS = 8


class ChartFailed(RuntimeError):
    """The child process could not draw (its last lines of stderr say why)."""


def chart_to_dict(chart: LossChart) -> dict[str, Any]:
    return asdict(chart)


def chart_from_dict(data: Mapping[str, Any]) -> LossChart:
    optional = lambda values: None if values is None else tuple(values)  # noqa: E731
    return LossChart(
        weeks=tuple(data["weeks"]), currency=data["currency"],
        reasons=tuple(ReasonSeries(r["key"], r["label"], tuple(r["cents"])) for r in data["reasons"]),
        deals=tuple(data["deals"]), coverage=optional(data["coverage"]), closed=optional(data["closed"]),
        left_out=tuple(LeftOut(**o) for o in data["left_out"]),
    )


def child_command() -> list[str]:
    return [sys.executable, "-m", __name__]


def draw_in_child(items: Sequence[tuple[LossChart, str]]) -> list[bytes]:
    """PNGs of ``items`` ((chart, title) pairs), drawn by one child process, in order.

    Raises :class:`ChartsUnavailable` without matplotlib, :class:`ChartFailed` otherwise."""
    if not items:
        return []
    request = json.dumps({"charts": [{"chart": chart_to_dict(c), "title": t} for c, t in items]}).encode()
    root = Path(__file__).resolve().parents[2]  # the folder holding bot/: `-m` finds it there, installed or not
    try:
        done = subprocess.run(child_command(), input=request, capture_output=True, timeout=TIMEOUT_SECONDS,
                              cwd=root, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ChartFailed(f"the chart process did not finish: {error}") from error
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode == NO_EXTRA:
        raise ChartsUnavailable(stderr.splitlines()[-1] if stderr else "matplotlib is missing")
    if done.returncode != 0:
        tail = " | ".join(stderr.splitlines()[-3:]) or "no message"
        raise ChartFailed(f"the chart process exited with status {done.returncode}: {tail}")
    return _split(done.stdout, len(items))


def _split(output: bytes, count: int) -> list[bytes]:
    images, at = [], 0
    for _ in range(count):
        size = int(output[at:at + LENGTH_DIGITS] or b"-1")
        at += LENGTH_DIGITS
        if size < 0 or at + size > len(output):
            raise ChartFailed("the chart process answered less than it was asked for")
        images.append(output[at:at + size])
        at += size
    return images


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    try:
        images = [draw_png(chart_from_dict(item["chart"]), item["title"]) for item in request["charts"]]
    except ChartsUnavailable as error:
        print(error, file=sys.stderr)
        return NO_EXTRA
    for png in images:
        out.write(f"{len(png):0{LENGTH_DIGITS}d}".encode() + png)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["ChartFailed", "chart_from_dict", "chart_to_dict", "child_command", "draw_in_child"]
