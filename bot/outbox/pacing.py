"""Keeping the outbox inside Slack's rate limits: a token bucket per method (per channel for
``chat.postMessage``) and the pauses Slack asks for with a 429.

Every sender thread of a process shares one :class:`Pacer`, so when Slack answers one of
them 429, all of them hold that method (that channel) until ``Retry-After`` has passed,
instead of each finding out with its own refused call. Senders in other processes learn the
pause from the rows themselves (``outbox.hold``).

No sleeping here: :meth:`Pacer.take` says how long to wait and the sender puts the row back
until then, so a paced row costs no thread and tests drive time with an injected ``at``
(seconds, e.g. ``datetime.timestamp()`` of a frozen clock).

Cosmetic calls (retiring an answered question with a ✅) must leave room for essential ones
(the next question, a summary): they may take a token at once only while the bucket keeps
``reserve`` tokens after them. Otherwise a cosmetic call gets a slot in a queue that runs
at half the tier's pace, and goes when its slot comes (or is told its slot is too far off,
so the sender can drop it). One slot per call: a saturated method is not polled by every
waiting row again and again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from bot.outbox import tiers
from bot.outbox.tiers import Limit

Bucket = tuple[str, str]  # (method, channel or "")
MAX_BUCKETS = 10_000  # per-channel buckets of quiet channels are forgotten past this many


@dataclass
class _State:
    tokens: float
    at: float  # when ``tokens`` was counted
    paused_until: float = 0.0


class Pacer:
    """Token buckets over :data:`bot.outbox.tiers.TIERS`; ``limits=None`` paces nothing and only
    honours Slack's 429 pauses (for tests that drain a frozen clock, and one-off CLI sends)."""

    def __init__(self, limits: Mapping[str, Limit] | None = tiers.TIERS, *, default: Limit = tiers.DEFAULT,
                 margin: float = tiers.PACE_MARGIN):
        if not 0 < margin <= 1:
            raise ValueError(f"margin must be in (0, 1], not {margin}")
        self.limits = limits
        self.default = default
        self.margin = margin
        self._states: dict[Bucket, _State] = {}
        self._cosmetic_next: dict[Bucket, float] = {}  # when the next cosmetic slot of a bucket is
        self._slots: dict[object, float] = {}  # ticket (an outbox row id) -> its cosmetic slot
        self._lock = threading.Lock()

    @property
    def pacing(self) -> bool:
        return self.limits is not None

    def limit(self, method: str) -> Limit | None:
        if self.limits is None:
            return None
        return self.limits.get(method, self.default)

    def reserve_for_essential(self, limit: Limit) -> float:
        """Tokens a cosmetic call must leave in the bucket: half the burst, at least one."""
        return max(1.0, limit.burst / 2)

    def take(self, bucket: Bucket, at: float, *, essential: bool = True, ticket: object = None,
             patience: float = float("inf")) -> float:
        """Take a token for one call now (returns 0.0), or return the seconds until it may go.

        A 429 pause wins over everything. A cosmetic call (``essential=False``, ``ticket`` naming
        it) goes at once only if the bucket keeps :meth:`reserve_for_essential` tokens; else it
        gets the next cosmetic slot, unless that is more than ``patience`` seconds away (then
        the wait is returned and no slot is kept: the caller drops the call).
        """
        with self._lock:
            state = self._states.get(bucket)
            if state is not None and state.paused_until > at:
                return state.paused_until - at
            limit = self.limit(bucket[0])
            if limit is None:
                return 0.0
            rate = limit.per_second * self.margin
            if state is None:
                self._forget_quiet(at)
                state = self._states[bucket] = _State(tokens=float(limit.burst), at=at)
            state.tokens = min(float(limit.burst), state.tokens + max(0.0, at - state.at) * rate)
            state.at = max(state.at, at)
            slot = self._slots.get(ticket) if ticket is not None else None
            if essential or (slot is not None and slot <= at + 1e-6):
                needed = 1.0  # essential, or a cosmetic call whose slot has come
            else:
                needed = min(1.0 + self.reserve_for_essential(limit), float(limit.burst))
            if state.tokens >= needed - 1e-6:  # float seconds since 1970 lose the last digits
                state.tokens -= 1.0
                self._slots.pop(ticket, None)
                return 0.0
            if essential or slot is not None:
                return max((needed - state.tokens) / rate, (slot or at) - at)
            # A cosmetic call without a slot: queue it at half the tier's pace.
            slot = max(at + (needed - state.tokens) / rate, self._cosmetic_next.get(bucket, 0.0))
            if slot - at > patience:
                return slot - at
            self._cosmetic_next[bucket] = slot + 2.0 / rate
            self._slots[ticket] = slot
            return slot - at

    def pause(self, bucket: Bucket, until: float) -> None:
        """Slack answered 429: nothing in ``bucket`` goes before ``until``, then the pace starts empty."""
        with self._lock:
            state = self._states.setdefault(bucket, _State(tokens=0.0, at=until))
            state.paused_until = max(state.paused_until, until)
            state.tokens = 0.0
            state.at = max(state.at, until)

    def paused_until(self, bucket: Bucket) -> float:
        with self._lock:
            state = self._states.get(bucket)
            return state.paused_until if state else 0.0

    def _forget_quiet(self, at: float) -> None:
        if len(self._slots) >= MAX_BUCKETS:  # slots of calls dropped or sent by another process
            self._slots = {ticket: slot for ticket, slot in self._slots.items() if slot > at - 600}
        if len(self._states) < MAX_BUCKETS:
            return
        for bucket, state in list(self._states.items()):
            if state.paused_until <= at:
                del self._states[bucket]
