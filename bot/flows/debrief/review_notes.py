"""The manager's review notes on a debrief, in a modal opened from their review DM ("Add review
notes"): the coaching action agreed, the loss reason as the manager sees it, and whether a 1:1
happened. Stored (latest wins, earlier ones kept), told to the rep, and shown on the review DM.

Only the team's managers and the heads of sales may write them; the submission is answered
synchronously (errors beside the field), like every modal.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import ids
from bot.conversation.inputs import Reply, ViewAck, ViewInput
from bot.errors import Forbidden
from bot.flows.hooks import FlowTools
from bot.render import blocks as bk
from bot.render import modals
from bot.render.slack_messages import plain
from bot.store import outbox, reports
from bot.store import runs as run_store

log = logging.getLogger("rebound.debrief")

CALLBACK_ID = "rb_review_notes"
NOTES_ACTION = "rb_review_notes_open"
COACHING = "n|coaching_action"
REASON = "n|loss_reason"
ONE_ON_ONE = "n|one_on_one"
MAX_COACHING = 1000


class ReviewNotes:
    def __init__(self, tools: FlowTools, playbook_id: str):
        self.tools = tools
        self.store = tools.store
        self.playbook_id = playbook_id

    def _debrief_for_manager(self, run_id: str, user_id: str):
        run = run_store.get_run(self.store, run_id)
        team = self.tools.teams.get(run.team) if run.team else None
        if run.playbook != self.playbook_id or run.status != run_store.SUBMITTED:
            return None
        if not (self.tools.teams.is_head(user_id) or (team is not None and user_id in team.managers)):
            log.warning("refused review notes on run %s by user %s: not the team's manager", run.id, user_id)
            raise Forbidden(user_id, run.id)
        return run

    def view(self, user_id: str, clicked: ids.ActionValue | None, rest: str) -> dict[str, Any] | Reply:
        run = self._debrief_for_manager(clicked.run_id, user_id) if clicked else None
        if run is None:
            return Reply("That debrief isn't open for review notes.")
        notes = reports.review_notes_of(self.store, run.id) or {}
        reason_step = self.tools.playbooks[self.playbook_id].step("primary_reason")
        deal = bk.clip(str(run.answers.get("deal") or "this deal"), 150)
        fields = [
            modals.FieldInput(COACHING, "Coaching action agreed", "long_text", optional=False,
                              hint="One thing the rep will do differently, and by when.", max_length=MAX_COACHING,
                              initial=notes.get("coaching_action")),
            modals.FieldInput(REASON, "The main loss reason, as you see it", "choice", optional=True,
                              hint="Leave it as the rep gave it, or correct it.",
                              options=[(o.label, o.value, None) for o in reason_step.options],
                              initial=notes.get("loss_reason") or run.answers.get("primary_reason")),
            modals.FieldInput(ONE_ON_ONE, "Did you go through it in a 1:1?", "yes_no", optional=False,
                              initial=None if notes.get("one_on_one_held") is None
                              else ("yes" if notes["one_on_one_held"] else "no")),
        ]
        blocks = [bk.context(f"Review notes on the debrief of *{bk.clip(deal, 150)}*")]
        blocks += [modals.input_block(field) for field in fields]
        return {"type": "modal", "callback_id": CALLBACK_ID, "title": plain("Review notes", bk.MAX_MODAL_TITLE),
                "submit": plain("Save", bk.MAX_MODAL_TITLE), "close": plain("Cancel", bk.MAX_MODAL_TITLE),
                "private_metadata": run.id, "blocks": blocks}

    def submit(self, view: ViewInput) -> ViewAck:
        run = self._debrief_for_manager(view.private_metadata, view.user_id)
        if run is None:
            return ViewAck("clear")
        values = modals.read_state_by_block(view.state_values)
        coaching = " ".join(str(values.get(COACHING) or "").split())
        reason = values.get(REASON)
        held = values.get(ONE_ON_ONE)
        options = {o.value for o in self.tools.playbooks[self.playbook_id].step("primary_reason").options}
        errors = {}
        if not coaching:
            errors[COACHING] = "Please say what the rep will do differently."
        elif len(coaching) > MAX_COACHING:
            errors[COACHING] = f"Please keep it under {MAX_COACHING:,} characters."
        if reason is not None and reason not in options:
            errors[REASON] = "Please pick one of the reasons."
        if held not in ("yes", "no"):
            errors[ONE_ON_ONE] = "Please answer yes or no."
        if errors:
            return ViewAck("errors", errors=errors)
        reports.add_review_notes(self.store, run.id, run.team, coaching_action=coaching, loss_reason=reason,
                                 one_on_one_held=held == "yes", by=view.user_id)
        reports.record_review(self.store, run.id, run.team, "reviewed", view.user_id)
        if held == "yes":
            reports.record_review(self.store, run.id, run.team, "one_on_one", view.user_id)
        labels = {o.value: o.label for o in self.tools.playbooks[self.playbook_id].step("primary_reason").options}
        text = self.tools.renderer.render("debrief/review_notes.md.j2", {
            "by": view.user_id, "deal": run.answers.get("deal"), "coaching_action": coaching,
            "reason_label": labels.get(reason) if reason and reason != run.answers.get("primary_reason") else None,
            "one_on_one": held == "yes"})
        payload = {"channel": run.meta.get("dm") or run.user_id, "text": bk.fallback_text(text),
                   "blocks": bk.text_blocks(text), "unfurl_links": False}
        outbox.enqueue(self.store, f"debrief_notes:{run.id}:{view.view_id or ''}:{len(coaching)}", "chat.postMessage",
                       payload, run_id=run.id, team=run.team)
        return ViewAck("clear")
