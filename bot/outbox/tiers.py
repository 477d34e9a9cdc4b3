"""Slack's Web API rate limits, in one table: what the outbox paces itself to.

Slack limits every method per workspace by tier (Tier 2 about 20 calls a minute, Tier 3
about 50, Tier 4 about 100), except ``chat.postMessage``, which allows about one message a
second *per channel* with short bursts. Slack publishes the tiers on each method's page;
this table is the only place Rebound writes them down. The sender's pacer
(:mod:`bot.outbox.pacing`) reads it, and so does the Web API stand-in's tier mode in the
tests, so the two cannot drift apart.

``burst`` is how many calls may go at once before the pace applies (a token bucket's
capacity). Keep it small against ``per_minute``: the pacer sends a little under the rate
(``PACE_MARGIN``) so that a burst plus a minute at the pace stays inside Slack's window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limit:
    """How often one method may be called: ``per_minute`` on average, ``burst`` at once."""

    name: str
    per_minute: float
    burst: int
    per_channel: bool = False  # chat.postMessage: the limit holds for each channel apart

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


TIER_1 = Limit("Tier 1", 1, 1)
TIER_2 = Limit("Tier 2", 20, 3)
TIER_3 = Limit("Tier 3", 50, 5)
TIER_4 = Limit("Tier 4", 100, 10)
POST_MESSAGE = Limit("chat.postMessage (per channel)", 60, 4, per_channel=True)
# Not a Web API method: a button's response_url may be used five times in 30 minutes and is
# not counted against any tier. The outbox uses each one once (the click's own message).
RESPONSE_URL = Limit("response_url (per URL)", 5 / 30, 5, per_channel=True)

# The pace the sender keeps, as a share of Slack's figure: Slack counts in its own windows,
# and a call granted here reaches Slack a little later, so leave some room.
PACE_MARGIN = 0.9

TIERS: dict[str, Limit] = {
    "chat.postMessage": POST_MESSAGE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "conversations.open": TIER_3,
    "users.lookupByEmail": TIER_3,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    "views.push": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "files.upload_v2": TIER_4,  # the outbox's name for the two calls above, paced as one
    "auth.test": TIER_4,
    "response_url": RESPONSE_URL,
}

# A method missing from the table is paced like the strictest common tier.
DEFAULT = TIER_2


def limit_for(method: str) -> Limit:
    return TIERS.get(method, DEFAULT)


def bucket_of(method: str, payload: dict[str, Any] | None = None) -> tuple[str, str]:
    """What one limit counts: ``(method, channel)`` for a per-channel method, else ``(method, "")``.

    A per-channel method without a channel in the payload shares one bucket (the
    strictest reading, never too fast).
    """
    if limit_for(method).per_channel:
        channel = (payload or {}).get("channel")
        return method, channel if isinstance(channel, str) else ""
    return method, ""
