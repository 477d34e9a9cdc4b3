"""The Block Kit of the graceful no's own messages: the offer to start a debrief."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.render import blocks as bk
from bot.render import slack_messages as sm

START_DEBRIEF = "rb_gn_debrief"


def debrief_offer_blocks(run_id: str, text: str) -> list[dict[str, Any]]:
    value = ids.ActionValue(run_id, "debrief").encode()
    return [bk.section(text), {"type": "actions", "block_id": ids.ActionValue(run_id, "debrief", "offer").encode(),
                               "elements": [sm.button("Start the debrief", START_DEBRIEF, value, "primary")]}]
