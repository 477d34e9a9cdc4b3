"""A background thread that runs the scheduled tasks (summaries, reminders, outbox drain).

Each tick calls every task with :func:`bot.clock.now`. The tasks themselves decide what is
due and claim it in SQLite, so a late tick catches up and two instances don't act twice;
the ticker only keeps time and keeps going.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from bot import clock

log = logging.getLogger("rebound.jobs")

Task = Callable[[datetime], None]


def _name(task: Task) -> str:
    return getattr(task, "__qualname__", None) or getattr(task, "__name__", None) or type(task).__name__


class Ticker:
    """Calls each task every ``interval_seconds`` on a daemon thread, first tick at start.

    Tests call :meth:`tick_once` directly instead of starting the thread.
    """

    def __init__(self, interval_seconds: float, tasks: Sequence[Task]):
        if interval_seconds <= 0:
            raise ValueError(f"interval_seconds must be positive, not {interval_seconds}")
        self.interval_seconds = interval_seconds
        self.tasks = list(tasks)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick_once(self, now: datetime) -> list[str]:
        """Run every task once for ``now``; return the error references of the tasks that raised."""
        failures: list[str] = []
        for task in self.tasks:
            started = time.monotonic()
            try:
                task(now)
            except Exception:
                # The one place a broad except is right: a bug in one task (or one bad team's
                # data) must not stop summaries and reminders for everyone else. The
                # reference ties the log line to whatever an operator reports.
                reference = uuid.uuid4().hex[:8]
                failures.append(reference)
                log.exception("task failed task=%s ref=%s now=%s", _name(task), reference, now.isoformat())
            else:
                log.debug("task done task=%s elapsed_ms=%d", _name(task), (time.monotonic() - started) * 1000)
        return failures

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("ticker already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rebound-ticker", daemon=True)
        self._thread.start()
        log.info("ticker started interval_s=%s tasks=%s", self.interval_seconds, ",".join(_name(t) for t in self.tasks))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick_once(clock.now())
            self._stop.wait(self.interval_seconds)

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to finish after the current tick and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        log.info("ticker stopped")
