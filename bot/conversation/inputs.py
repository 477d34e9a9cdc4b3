"""What the Slack listeners hand the conversation, and what they acknowledge with.

Plain data, importing nothing of Rebound: the listeners build these from Slack's payloads,
the conversation and the flows read them, and neither side needs the other's internals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """What the listener acknowledges with (an ephemeral message in the channel)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Prefill:
    """Answers a flow gives a run it starts from what it already knows (the loss from the latest
    debrief), the run's meta, and a note (mrkdwn, already escaped) shown after the intro."""

    answers: dict[str, Any]
    meta: dict[str, Any] | None = None
    note: str | None = None


@dataclass
class ActionInput:
    """One block action, reduced to what Rebound reads from it."""

    user_id: str
    action_id: str
    block_id: str | None
    value: str | None = None
    selected: Any = None  # selected option value / date / user / list of values
    state_values: Mapping[str, Any] = field(default_factory=dict)
    action_ts: str | None = None
    channel_id: str | None = None
    # Where the click happened, so the clicked message can be replaced through the action's
    # response_url instead of a rate-limited chat.update (see Screens.retire).
    message_ts: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None  # opens a modal within 3 s of the click (App Home's settings)
