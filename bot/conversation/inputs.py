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
    trigger_id: str | None = None  # lets a click open a modal (within Slack's 3 seconds)
    view_id: str | None = None  # set when the click came from a view (a form page, the App Home)
    view_hash: str | None = None
    view_metadata: str | None = None

    @property
    def delivery_key(self) -> str | None:
        """What identifies this click across Slack's retries and a double click (claimed once with
        ``run_store.claim_delivery``); None when Slack sent no action_ts (nothing to claim)."""
        if not self.action_ts:
            return None
        return f"action:{self.user_id}:{self.action_ts}:{self.action_id}"


@dataclass
class ViewInput:
    """A modal submitted or closed, reduced to what Rebound reads from it."""

    user_id: str
    callback_id: str
    private_metadata: str
    state_values: Mapping[str, Any] = field(default_factory=dict)
    view_id: str | None = None


@dataclass
class ViewAck:
    """How a view_submission is acknowledged: nothing (close), ``errors`` beside fields (block id ->
    message), ``update`` to another page, or ``clear`` (close every page of the modal)."""

    response_action: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    view: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        if self.response_action == "errors":
            return {"response_action": "errors", "errors": dict(self.errors)}
        if self.response_action in ("update", "push"):
            return {"response_action": self.response_action, "view": self.view}
        if self.response_action == "clear":
            return {"response_action": "clear"}
        return {}
