"""The background threads that drain the outbox in a running server.

Listeners ``wake()`` them right after queueing, so a question reaches the DM within
milliseconds of the ack; they also drain on a timer to pick up retries and anything left
by a previous process. Several threads send at once (Slack takes ~50 ms a call, so one
thread caps every conversation together at ~20 calls a second); claims are atomic and a
conversation's calls keep their order (see ``outbox.claim_due``).
"""

from __future__ import annotations

import logging
import threading

from bot import clock
from bot.jobs.threads import AckPriority, WakeableThreads
from bot.outbox.sender import DrainReport, OutboxSender

log = logging.getLogger("rebound.outbox")

DEFAULT_THREADS = 4


class OutboxWorker(WakeableThreads):
    name = "rebound-outbox"

    def __init__(self, sender: OutboxSender, *, idle_seconds: float = 1.0, threads: int = DEFAULT_THREADS,
                 acks: AckPriority | None = None):
        super().__init__(threads)
        self.sender = sender
        self.idle_seconds = idle_seconds
        # Before each send, requests being acknowledged go first (a burst of 50 /debriefs
        # otherwise shares the interpreter with 12 senders posting the first ones' questions).
        self.pause = acks.yield_to_acks if acks is not None else None

    def _loop(self, wake: threading.Event) -> None:
        timeout = self.idle_seconds
        while not self.stopping:
            wake.wait(timeout)
            wake.clear()
            timeout = self.idle_seconds
            try:
                while not self.stopping:
                    report = self.sender.drain(limit=50, pause=self.pause)
                    if not (report.sent or report.retried or report.failed or report.skipped):
                        timeout = self._until_due(report)
                        break
            except Exception:  # a sender thread must outlive one bad send; the row stays queued
                log.exception("outbox drain failed; will retry")

    def _until_due(self, report: DrainReport) -> float:
        """Seconds to sleep: until the first row put back (paced, rate-limited) is due, at most
        ``idle_seconds``. A retry is stored at a whole second (rounded up), a paced row exactly."""
        if report.next_due is None:
            return self.idle_seconds
        return min(self.idle_seconds, max(0.01, report.next_due.timestamp() - clock.now().timestamp() + 0.005))
