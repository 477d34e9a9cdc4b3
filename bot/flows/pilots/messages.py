"""Block Kit for a pilot: the team card, the outcome form, the "what now?" choice, the cost
form and the result. Pure functions from already-rendered text to blocks.

The outcome and the cost of the mistake are asked in modals, opened from the DM's "Record the
outcome" and "Record the cost", so a wrong field is answered beside it and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot import ids
from bot.render import blocks as bk
from bot.render.slack_messages import button, plain

OUTCOME = "rb_pilot_outcome"
OUTCOME_MODAL = "rb_pilot_outcome"  # the outcome modal's callback id
OUTCOME_BLOCK = "pilot_outcome"
ACTION = "rb_pilot_action"
COST = "rb_pilot_cost"
COST_MODAL = "rb_pilot_cost"  # the cost modal's callback id
DEBRIEF = "rb_pilot_debrief"
EDIT = "rb_pilot_edit"
MEASURE = "rb_pilot_measure"  # input elements: read from state, never dispatched

MEASURE_BLOCK = "pilot_measure_{}"
HOURS_BLOCK = "pilot_cost_hours"
RECOVERED_BLOCK = "pilot_cost_recovered"
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150


def value(run_id: str, tag: str, choice: str | None = None) -> str:
    return ids.ActionValue(run_id, tag, choice).encode()


def _input(block_id: str, action_id: str, label: str, *, hint: str | None = None, placeholder: str | None = None,
           initial: str | None = None, multiline: bool = False, optional: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if placeholder:
        element["placeholder"] = plain(placeholder, MAX_PLACEHOLDER)
    if initial:
        element["initial_value"] = initial
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": plain(label, MAX_LABEL),
                             "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, MAX_LABEL)
    return block


def team_card(run_id: str, card: str, footer: str) -> list[dict[str, Any]]:
    """The plan as the team sees it, with an Edit button (only the rep who owns it may use it)."""
    blocks = bk.text_blocks(card)[: bk.MAX_MESSAGE_BLOCKS - 2]
    blocks.append(bk.context(footer))
    blocks.append({"type": "actions", "elements": [button("Edit plan", EDIT, value(run_id, "edit"))]})
    return blocks


def outcome_form(run_id: str, round_: int, title: str, intro: str) -> list[dict[str, Any]]:
    """The DM message on the end date; its button opens :func:`outcome_modal`."""
    return [bk.header(title), bk.section(intro), {"type": "actions", "elements": [
        button("Record the outcome", OUTCOME, value(run_id, f"outcome:{round_}"), "primary")]}]


def outcome_modal(run_id: str, round_: int, title: str, criteria: Sequence[Mapping[str, Any]],
                  outcomes: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """One input per success criterion for its measured value, then which outcome it was."""
    blocks: list[dict[str, Any]] = [bk.context(bk.clip(title, bk.MAX_SECTION_TEXT))]
    for index, criterion in enumerate(criteria[: bk.MAX_VIEW_BLOCKS - 3]):
        target = criterion.get("target") or "not agreed"
        hint = f"Target {target}"
        if criterion.get("baseline"):
            hint += f" · baseline {criterion['baseline']}"
        if criterion.get("measured_by"):
            hint += f" · measured by {criterion['measured_by']}"
        blocks.append(_input(MEASURE_BLOCK.format(index), "v", str(criterion.get("metric") or "?"),
                             hint=hint, placeholder="What was measured (leave empty if nobody measured it)",
                             optional=True))
    blocks.append({"type": "input", "block_id": OUTCOME_BLOCK, "label": plain("What happened?", MAX_LABEL),
                   "element": {"type": "radio_buttons", "action_id": "v", "options": [
                       {"text": plain(label), "value": key} for key, label in outcomes]}})
    return {"type": "modal", "callback_id": OUTCOME_MODAL, "title": plain("Pilot outcome", bk.MAX_MODAL_TITLE),
            "submit": plain("Record", bk.MAX_MODAL_TITLE), "close": plain("Cancel", bk.MAX_MODAL_TITLE),
            "private_metadata": value(run_id, f"outcome:{round_}"), "blocks": blocks}


def action_choice(run_id: str, round_: int, text: str, actions: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Nothing was agreed for the outcome that happened: what happens now?"""
    return [bk.section(text), {"type": "actions", "elements": [
        button(label, f"{ACTION}:{number}", value(run_id, f"action:{round_}", key))
        for number, (key, label) in enumerate(actions, 1)
    ]}]


def cost_form(run_id: str, round_: int, title: str, intro: str) -> list[dict[str, Any]]:
    """The DM message asking for the cost of the mistake; its button opens :func:`cost_modal`."""
    return [
        bk.header(title),
        bk.section(intro),
        {"type": "actions", "elements": [button("Record the cost", COST, value(run_id, f"cost:{round_}"), "primary")]},
    ]


def cost_modal(run_id: str, round_: int, title: str, *, full_value: str, recovered: str | None,
               example: str) -> dict[str, Any]:
    """Hours by whom at what hourly cost, and the value recovered against the full deal, in a modal
    (errors come back beside the field; nothing typed is lost)."""
    return {
        "type": "modal", "callback_id": COST_MODAL, "title": plain("Cost of the pilot", bk.MAX_MODAL_TITLE),
        "submit": plain("Record", bk.MAX_MODAL_TITLE), "close": plain("Cancel", bk.MAX_MODAL_TITLE),
        "private_metadata": value(run_id, f"cost:{round_}"),
        "blocks": [
            bk.context(bk.clip(title, bk.MAX_SECTION_TEXT)),
            _input(HOURS_BLOCK, "v", "Hours spent, one line per person: name | hours | hourly cost",
                   hint=f"For example: {example}", placeholder=example, multiline=True),
            _input(RECOVERED_BLOCK, "v", "Deal value recovered",
                   hint=f"The full deal was {full_value}. Say 0 if nothing was saved.", placeholder="e.g. 60k",
                   initial=recovered),
        ],
    }


def result(run_id: str, text: str, *, offer_debrief: bool) -> list[dict[str, Any]]:
    blocks = bk.text_blocks(text)[: bk.MAX_MESSAGE_BLOCKS - 1]
    if offer_debrief:
        blocks.append({"type": "actions", "elements": [
            button("Start a debrief", DEBRIEF, value(run_id, "debrief"), "primary")]})
    return blocks


def typed_value(state: Mapping[str, Any], block_id: str) -> str | None:
    """What was typed in one input block of the clicked message (None when empty or absent)."""
    block = state.get(block_id)
    if not isinstance(block, Mapping):
        return None
    for element in block.values():
        if isinstance(element, Mapping) and isinstance(element.get("value"), str) and element["value"].strip():
            return element["value"].strip()
    return None
