"""The CRM deal's messages as Block Kit: the nudge with its three buttons, the owner picker of
"Not mine", and the offer ``/debrief`` makes when the CRM already sent the deal.
Text comes from ``prompts/crm/`` (escaped); this module only lays it out."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.values.money import amount_dict
from bot.render import blocks as bk
from bot.render import slack_messages as sm

DEBRIEF = "rb_crm_debrief"
LATER = "rb_crm_later"
NOT_MINE = "rb_crm_not_mine"
OWNER = "rb_crm_owner"
FRESH = "rb_crm_fresh"
DEBRIEF_LABEL = "Debrief it (90 seconds)"


def deal_view(deal: dict[str, Any]) -> dict[str, Any]:
    """A stored deal as templates read it: the amount as ``{amount, currency}``."""
    return {**deal, "amount": amount_dict(deal.get("amount_cents"), deal.get("currency"))}


def nudge_blocks(text: str, crm_id: str, post_key: str) -> list[dict[str, Any]]:
    """The nudge: ``post_key`` (the outbox key it is posted under) rides along so a click can update it."""
    value = ids.ActionValue(crm_id, "crm", post_key).encode()
    return [*bk.text_blocks(text)[:3], {"type": "actions", "block_id": value, "elements": [
        sm.button(DEBRIEF_LABEL, DEBRIEF, value, "primary"),
        sm.button("Not now", LATER, value),
        sm.button("Not mine", NOT_MINE, value),
    ]}]


def owner_picker_blocks(text: str, crm_id: str, post_key: str) -> list[dict[str, Any]]:
    value = ids.ActionValue(crm_id, "crm", post_key).encode()
    return [bk.section(text), {"type": "actions", "block_id": value, "elements": [
        {"type": "users_select", "action_id": OWNER, "placeholder": sm.plain("Whose deal is it?")},
    ]}]


def offer_blocks(head: str, lines: list[tuple[str, str]], words: str) -> list[dict[str, Any]]:
    """``/debrief`` offering deals the CRM sent: one button per deal, and "A different deal"."""
    blocks: list[dict[str, Any]] = [bk.section(head)]
    for index, (line, crm_id) in enumerate(lines):
        value = ids.ActionValue(crm_id, "crm", "offer").encode()
        blocks.append({**bk.section(line), "accessory": sm.button(DEBRIEF_LABEL, f"{DEBRIEF}:{index}", value)})
    fresh = ids.ActionValue("fresh", "crm", bk.clip(words, 140)).encode()
    blocks.append({"type": "actions", "elements": [sm.button("A different deal", FRESH, fresh)]})
    return blocks
