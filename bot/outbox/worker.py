"""The background thread that drains the outbox in a running server.

Listeners ``wake()`` it right after queueing, so a question reaches the DM within
milliseconds of the ack; it also drains on a timer to pick up retries and anything left
by a previous process.
"""

from __future__ import annotations

import logging
import threading

from bot.outbox.sender import OutboxSender

log = logging.getLogger("rebound.outbox")


class OutboxWorker:
    def __init__(self, sender: OutboxSender, *, idle_seconds: float = 1.0):
        self.sender = sender
        self.idle_seconds = idle_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> OutboxWorker:
        self._thread = threading.Thread(target=self._loop, name="rebound-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.idle_seconds)
            self._wake.clear()
            try:
                while not self._stop.is_set():
                    report = self.sender.drain(limit=50)
                    if not (report.sent or report.retried or report.failed):
                        break
            except Exception:  # the worker must outlive one bad send; the row stays queued
                log.exception("outbox drain failed; will retry")
