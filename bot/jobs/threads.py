"""Threads that sleep until woken (or a timeout) and then work until nothing is left: the
shape of both the outbox's senders and the inbox's workers.

Each thread has its own wake event, so one ``wake()`` rouses them all and none misses a wake
that came while it was busy (the event stays set until that thread looks at it).
"""

from __future__ import annotations

import threading


class WakeableThreads:
    """Subclasses implement :meth:`_loop`, waiting on the event they are given."""

    name = "rebound-worker"  # threads are named "<name>-1", "<name>-2" ...

    def __init__(self, threads: int):
        self._wakes = [threading.Event() for _ in range(max(1, threads))]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def wake(self) -> None:
        for event in self._wakes:
            event.set()

    def start(self, threads: int | None = None):
        """Start the threads (``threads`` overrides the count given when built; 0 starts none)."""
        if threads is not None:
            self._wakes = [threading.Event() for _ in range(threads)]
        for number, event in enumerate(self._wakes, 1):
            thread = threading.Thread(target=self._loop, args=(event,), name=f"{self.name}-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _loop(self, wake: threading.Event) -> None:
        raise NotImplementedError
