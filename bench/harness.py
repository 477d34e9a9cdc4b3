"""What every benchmark shares: Slack as a local stand-in, servers in their own processes,
and the statistics.

Slack is played by ``tests.support.slack_api.SlackApiStandIn`` (every Web API call answered
after ``latency`` seconds, 50 ms like Slack) and requests are signed by
``tests.support.slack_requests.SlackSender``; the benchmarks import them rather than keep
copies, so a change to what Slack sends or accepts reaches the benchmarks too.

Servers run in their own process (``rebound serve``, or the no-op Bolt app in
:mod:`bench.noop_server`), so the load generator and the stand-in in this process do not
share a GIL with the server they measure. Everything listens on 127.0.0.1 only, every wait
has a deadline, and every process started here is stopped here.
"""

from __future__ import annotations

import math
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from bot import ids
from tests.support.dm_driver import Screen
from tests.support.slack_api import SlackApiStandIn

SIGNING_SECRET = "bench-signing-secret"
SLACK_LATENCY = 0.05  # seconds Slack takes to answer a Web API call
REBOUND = Path(sys.executable).with_name("rebound")
STARTUP_DEADLINE = 60.0  # seconds a server may take to answer /healthz before the run fails
DRAIN_DEADLINE = 600.0  # seconds the outbox may take to empty after the last request


class BenchError(RuntimeError):
    """A benchmark could not run (a server did not start, a deadline passed)."""


# --------------------------------------------------------------------------- statistics


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 100 samples is the 99th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds of samples in seconds."""
    return {
        "n": len(samples),
        "p50_ms": percentile(samples, 50) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "max_ms": max(samples) * 1000 if samples else math.nan,
    }


def ratio(value: float, baseline: float) -> float | None:
    return value / baseline if baseline else None


def row(figure: str, value: str, baseline: str = "", ratio: float | None = None, goal: str = "",
        ok: bool | None = None) -> dict:
    """One line of the table: a figure, Rebound's value, the baseline's, their ratio, the goal, met."""
    return {"figure": figure, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal, "ok": ok}


# --------------------------------------------------------------------------- Slack stand-in


@dataclass
class SeenScreen:
    """A question or review card as the rep sees it: posted at ``seen_at`` (perf_counter),
    which is when Slack answered the bot's call (the stand-in's latency after it arrived)."""

    screen: Screen
    seen_at: float


class WatchedStandIn(SlackApiStandIn):
    """The Web API stand-in, also telling each rep when a new question reaches their DM.

    A rep (a thread) waits on :meth:`wait_screen` the way a person waits for the next
    question, instead of scanning every message the stand-in holds.
    """

    def __init__(self, latency: float = SLACK_LATENCY):
        super().__init__(latency=latency)
        self._screens: dict[str, SeenScreen] = {}
        self._posted = threading.Condition()

    def _post_message(self, params: dict) -> dict:
        result = super()._post_message(params)
        screen = screen_of(result["channel"], result["ts"], params.get("blocks") or [])
        with self._posted:
            if screen is not None:
                shown = self._screens.get(screen.channel)
                if shown is None or shown.screen.ts < screen.ts:  # fixed-width ts: text order is time order
                    self._screens[screen.channel] = SeenScreen(screen, time.perf_counter() + self.latency)
                    self._posted.notify_all()
        return result

    def wait_screen(self, user: str, newer_than: str | None, timeout: float) -> SeenScreen | None:
        """The newest question or review card in ``user``'s DM once it is newer than ``newer_than``
        and Slack has answered the post; None after ``timeout`` seconds."""
        channel = "D" + user
        deadline = time.perf_counter() + timeout
        with self._posted:
            while True:
                seen = self._screens.get(channel)
                if seen is not None and (newer_than is None or seen.screen.ts > newer_than):
                    break
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self._posted.wait(left)
        pause = seen.seen_at - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        return seen


def screen_of(channel: str, ts: str, blocks: list[dict]) -> Screen | None:
    """The question or review card a message shows (what ``DmDriver.screen`` looks for), or None."""
    for block in blocks:
        context = ids.ActionValue.decode(block.get("block_id"))
        if block.get("type") == "actions" and context and context.value == "nav":
            return Screen(channel, ts, blocks, context.run_id, context.step_id)
    return None


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_teams(directory: Path, users: list[str], *, team_size: int = 50) -> Path:
    """A teams file putting ``users`` on teams of ``team_size``, each with a manager and channel."""
    lines = ["teams:"]
    for index in range(0, max(len(users), 1), team_size):
        number = index // team_size + 1
        members = ", ".join(users[index : index + team_size])
        lines += [
            f"  - id: team_{number}",
            f"    name: Team {number}",
            f"    summary_channel: C0TEAM{number:03d}",
            f"    managers: [U0MGR{number:03d}]",
            f"    members: [{members}]",
            "    timezone: America/New_York",
        ]
    path = directory / "teams.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rep_ids(count: int, prefix: str = "U0REP") -> list[str]:
    return [f"{prefix}{n:05d}" for n in range(1, count + 1)]


def wait_healthy(url: str, process: subprocess.Popen, deadline: float = STARTUP_DEADLINE) -> float:
    """Seconds until ``GET url`` answers 200; fails if the process exits or the deadline passes."""
    started = time.perf_counter()
    while True:
        if process.poll() is not None:
            raise BenchError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.perf_counter() - started > deadline:
            raise BenchError(f"no 200 from {url} within {deadline:.0f} s")
        time.sleep(0.005)


def rss_kib(pid: int) -> dict[str, int]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in KiB, from /proc/<pid>/status."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


@dataclass
class Server:
    """A server process on 127.0.0.1: ``rebound serve`` or the no-op Bolt app."""

    kind: str  # "rebound" or "noop"
    url: str
    process: subprocess.Popen
    workdir: Path
    startup_seconds: float
    log_path: Path
    db_path: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def rss(self) -> dict[str, int]:
        return rss_kib(self.process.pid)

    def stop(self) -> None:
        if self.db_path is not None and self.db_path.exists() and self.process.poll() is None:
            # Let the outbox finish what it is sending (a start-up job may post at once), so
            # the stand-in is not left writing to a closed connection.
            try:
                wait_drained(self.db_path, 10.0)
            except sqlite3.Error:
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def server_env(standin: SlackApiStandIn, db_path: Path, teams_path: Path) -> dict[str, str]:
    # REBOUND_PLAYBOOKS / REBOUND_PROMPTS pass through, to benchmark other conversations.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SLACK_") and key not in ("REBOUND_DB", "REBOUND_TEAMS")}
    env.update({
        "REBOUND_DB": str(db_path),
        "REBOUND_TEAMS": str(teams_path),
        "SLACK_BOT_TOKEN": standin.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.url,
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start_server(kind: str, standin: SlackApiStandIn, workdir: Path, users: list[str], *,
                 threads: int = 8, wrap: list[str] | None = None, args: list[str] | None = None) -> Server:
    """Start ``rebound serve`` (``kind="rebound"``) or :mod:`bench.noop_server` (``"noop"``) with the
    same waitress settings, and wait for /healthz. ``wrap`` prefixes the command (a profiler);
    ``args`` are appended to it."""
    workdir.mkdir(parents=True, exist_ok=True)
    teams = workdir / "teams.yml"
    if not teams.exists():
        write_teams(workdir, users)
    db_path = workdir / "rebound.db"
    port = free_port()
    if kind == "rebound":
        command = [str(REBOUND), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)]
    elif kind == "noop":
        command = [sys.executable, "-m", "bench.noop_server", "--port", str(port), "--threads", str(threads)]
    else:
        raise ValueError(f"unknown server kind {kind!r}")
    command += args or []
    log_path = workdir / f"{kind}-{port}.log"
    log = log_path.open("wb")
    started = time.perf_counter()
    process = subprocess.Popen((wrap or []) + command, env=server_env(standin, db_path, teams), stdout=log,
                               stderr=subprocess.STDOUT, cwd=str(Path(__file__).resolve().parent.parent))
    log.close()
    url = f"http://127.0.0.1:{port}"
    server = Server(kind, url, process, workdir, 0.0, log_path, db_path if kind == "rebound" else None)
    try:
        wait_healthy(url + "/healthz", process)
    except BenchError as error:
        server.stop()
        raise BenchError(f"{kind} server: {error}\n{server.log_tail()}") from None
    server.startup_seconds = time.perf_counter() - started
    return server


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=f"rebound-bench-{prefix}-")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_only(db_path: Path) -> closing[sqlite3.Connection]:
    """A read-only connection to a server's database (WAL lets it read while the server writes),
    closed when the ``with`` block ends."""
    return closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10))


def web_api_call_seconds(standin: SlackApiStandIn, calls: int = 20) -> list[float]:
    """Round trips of a bare ``chat.postMessage`` from slack_sdk's WebClient to the stand-in:
    the floor under anything the outbox sends."""
    from slack_sdk import WebClient

    client = WebClient(token=standin.token, base_url=standin.url, timeout=10)
    samples = []
    for number in range(calls):
        began = time.perf_counter()
        client.chat_postMessage(channel="C0BENCHFLOOR", text=f"floor {number}")
        samples.append(time.perf_counter() - began)
    return samples


def wait_drained(db_path: Path, deadline: float) -> float | None:
    """Seconds until the inbox holds no request waiting to be worked and the outbox nothing pending
    or in flight, rows paced to Slack's tiers included (a cosmetic update may wait up to 30 s for
    its slot); None if ``deadline`` passed first."""
    began = time.perf_counter()
    with read_only(db_path) as db:
        has_inbox = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'inbox'").fetchone() is not None
        while time.perf_counter() - began < deadline:
            (left,) = db.execute("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()
            if has_inbox:
                left += db.execute("SELECT COUNT(*) FROM inbox WHERE status = 'waiting'").fetchone()[0]
            if not left:
                return time.perf_counter() - began
            time.sleep(0.1)
    return None
