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


class AckPriority:
    """Acknowledgements in progress go first. Background threads (the inbox's workers, the
    outbox's senders) call :meth:`yield_to_acks` before each piece of work: while a request is
    being acknowledged they wait, at most ``at_most`` seconds, instead of taking the interpreter
    lock from it. Slack's 3 s is the acks'; a question reaching the DM a few ms later is not felt."""

    AT_MOST_SECONDS = 0.05

    def __init__(self) -> None:
        self._in_progress = 0
        self._lock = threading.Lock()
        self._none = threading.Event()
        self._none.set()

    def started(self) -> None:
        with self._lock:
            self._in_progress += 1
            self._none.clear()

    def finished(self) -> None:
        with self._lock:
            self._in_progress = max(0, self._in_progress - 1)
            if self._in_progress == 0:
                self._none.set()

    def yield_to_acks(self, at_most: float = AT_MOST_SECONDS) -> None:
        self._none.wait(at_most)
