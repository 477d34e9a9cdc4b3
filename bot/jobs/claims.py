"""Frees the claims of jobs whose process died, so the scheduler runs them on a later tick.

A weekly summary is claimed before it is built; a process killed between the claim and the
completion would otherwise leave that week's summary unposted for ever.
"""

from __future__ import annotations

from datetime import datetime

from bot.store import jobs
from bot.store.db import Store


class StaleClaims:
    """The scheduler's first task each tick: release claims older than ``jobs.STALE_AFTER``."""

    def __init__(self, store: Store):
        self.store = store

    def tick(self, now: datetime) -> None:
        jobs.release_stale(self.store, now=now)
