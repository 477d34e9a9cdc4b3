"""The Block Kit of the debrief's own messages: a manager's review DM and its buttons."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.render import blocks as bk
from bot.render.slack_messages import button

REVIEW_DONE = "rb_review_done"
REVIEW_SCHEDULE = "rb_review_schedule"
REVIEW_NOTES = "rb_review_notes_open"  # bot.flows.debrief.review_notes.NOTES_ACTION
KINDS = {REVIEW_DONE: "reviewed", REVIEW_SCHEDULE: "one_on_one"}
REVIEW_REMIND_ON = "rb_review_remind_on"  # the date picker sent after "Schedule 1:1 review"


def remind_on_blocks(run_id: str, text: str) -> list[dict]:
    """"When is the 1:1?": a date picker; the manager is reminded that morning."""
    picker = {"type": "datepicker", "action_id": REVIEW_REMIND_ON,
              "placeholder": {"type": "plain_text", "text": "Day of the 1:1"}}
    return [*bk.text_blocks(text),
            {"type": "actions", "block_id": ids.ActionValue(run_id, value="remind_on").encode(), "elements": [picker]}]


def review_blocks(run_id: str, text: str, review: dict[str, Any] | None, *, status: str | None = None) -> list[dict]:
    """The manager's DM: the debrief, what happened since (if anything), and the buttons still useful."""
    body = bk.text_blocks(text)[: bk.MAX_MESSAGE_BLOCKS - 2]
    if status:
        body.append(bk.context(status))
    buttons = []
    if not (review and review.get("reviewed_by")):
        buttons.append(button("Mark reviewed", REVIEW_DONE, ids.ActionValue(run_id, value="reviewed").encode(),
                              "primary"))
    if not (review and review.get("one_on_one_by")):
        buttons.append(button("Schedule 1:1 review", REVIEW_SCHEDULE,
                              ids.ActionValue(run_id, value="one_on_one").encode()))
    # Review notes can be added (and corrected) at any time; the modal opens from this button.
    buttons.append(button("Add review notes", REVIEW_NOTES, ids.ActionValue(run_id, value="notes").encode()))
    if buttons:
        body.append({"type": "actions", "block_id": ids.ActionValue(run_id, value="review").encode(),
                     "elements": buttons})
    return body
