"""The debrief flow beyond its questions.

* On submit (inside the submit transaction): record the debrief's facts for the weekly
  numbers, and DM each of the team's managers the debrief, the coaching focus and two
  buttons, "Mark reviewed" and "Schedule 1:1 review".
* The buttons: only that team's managers and the head of sales may press them; the review is
  recorded once, every manager's copy of the DM is updated, and the rep hears about it.
* ``/debrief show <reference>``: opens a submitted debrief for its seller, their managers and
  the head of sales. The weekly summary lists every deal with its reference, because Slack
  gives the app no link to a message before it is posted.
* Scheduled: the teams' weekly summaries (``reports``), the head of sales' roll-up and the
  product and enablement digests (``digests``), from the facts recorded on submit (``facts``).
"""

from __future__ import annotations

import logging
from typing import Any

from bot import ids
from bot.conversation.inputs import ActionInput, Reply
from bot.conversation.submissions import Delivery, Submitted
from bot.engine.model import Playbook
from bot.errors import ActionRefused, Forbidden, NotFound
from bot.flows.debrief import PLAYBOOK, facts
from bot.flows.debrief.messages import KINDS, review_blocks
from bot.flows.hooks import FlowTools
from bot.outbox.sender import UPDATE_OF
from bot.render import blocks as bk
from bot.store import outbox, reports
from bot.store import runs as run_store
from bot.store.runs import Run

log = logging.getLogger("rebound.debrief")

MANAGER_DM = "debrief/manager_dm.md.j2"


def dm_key(run_id: str, manager: str) -> str:
    """The outbox key of a manager's review DM (its later updates name it to find channel and ts)."""
    return f"debrief_review:{run_id}:{manager}"


def reviewable_debrief(tools: FlowTools, run_id: str, user_id: str) -> Run:
    """The submitted debrief ``run_id``, if ``user_id`` may review it: a manager of its team or
    the head of sales (ActionRefused for anything else than a submitted debrief, Forbidden for
    anyone else)."""
    run = run_store.get_run(tools.store, run_id)
    if run.playbook != PLAYBOOK or run.status != run_store.SUBMITTED:
        raise ActionRefused("stale", "not a submitted debrief")
    team = tools.teams.get(run.team) if run.team else None
    if not (tools.teams.is_head(user_id) or (team is not None and user_id in team.managers)):
        log.warning("refused review of run %s by user %s: not the team's manager", run.id, user_id)
        raise Forbidden(user_id, run.id)
    return run


class DebriefFlow:
    def __init__(self, tools: FlowTools):
        from bot.flows.debrief.one_on_one import OneOnOneReminders

        self.tools = tools
        self.store = tools.store
        self.one_on_one = OneOnOneReminders(tools)

    def say(self, name: str, **context: Any) -> str:
        return self.tools.renderer.render(f"debrief/{name}.md.j2", context)

    # -- submit -----------------------------------------------------------------------------

    def after_submit(self, run: Run, playbook: Playbook, ctx: dict[str, Any], deliver: bool, result: Submitted) -> None:
        """Record the facts; DM the managers (only when delivering: the terminal doesn't)."""
        if playbook.id != PLAYBOOK:
            return
        facts.record(self.tools, run)
        if not deliver:
            return
        team = self.tools.teams.get(run.team) if run.team else None
        # A manager who debriefs their own loss is not asked to review it.
        managers = [m for m in (team.managers if team else []) if m != run.user_id]
        if not managers:
            result.deliveries.append(Delivery("managers", None, MANAGER_DM, skipped_reason="no managers configured"))
            return
        text = self.tools.renderer.render(MANAGER_DM, ctx)
        for manager in managers:
            payload = {"channel": manager, "text": bk.fallback_text(text), "blocks": review_blocks(run.id, text, None),
                       "unfurl_links": False, "unfurl_media": False}
            outbox.enqueue(self.store, dm_key(run.id, manager), "chat.postMessage", payload, run_id=run.id,
                           team=run.team)
        result.deliveries.append(Delivery("managers", ",".join(managers), MANAGER_DM))

    # -- the managers' buttons --------------------------------------------------------------

    def on_review(self, action: ActionInput, context: ids.ActionValue) -> None:
        """"Mark reviewed" / "Schedule 1:1 review". Runs inside chat's transaction, after the
        click itself was claimed (so a Slack retry or a double click lands once)."""
        kind = KINDS[ids.base_action(action.action_id)]
        run = reviewable_debrief(self.tools, context.run_id, action.user_id)
        if not reports.record_review(self.store, run.id, run.team, kind, action.user_id):
            return  # someone already did (another manager, or this one earlier)
        if kind == "one_on_one":
            self.one_on_one.offer_picker(run, action.user_id)  # a day to be reminded on, not only an intent
        review = reports.review_of(self.store, run.id)
        ctx = self.tools.conversations.template_context(run)
        text = self.tools.renderer.render(MANAGER_DM, ctx)
        team = self.tools.teams.get(run.team) if run.team else None
        for manager in team.managers if team else []:
            if outbox.get(self.store, dm_key(run.id, manager)) is None:
                continue
            status = self.say("review_status", review=review)
            payload = {"text": bk.fallback_text(text), "blocks": review_blocks(run.id, text, review, status=status),
                       UPDATE_OF: dm_key(run.id, manager)}
            outbox.enqueue(self.store, f"{dm_key(run.id, manager)}:{kind}", "chat.update", payload, run_id=run.id,
                           team=run.team)
        note = self.say("review_note", kind=kind, by=action.user_id, deal=ctx.get("deal"), run_id=run.id)
        payload = {"channel": run.meta.get("dm") or run.user_id, "text": bk.fallback_text(note),
                   "blocks": bk.text_blocks(note), "unfurl_links": False}
        outbox.enqueue(self.store, f"debrief_review:{run.id}:{kind}:rep", "chat.postMessage", payload, run_id=run.id,
                       team=run.team)

    # -- /debrief show ----------------------------------------------------------------------

    def show(self, user_id: str, rest: str) -> Reply:
        """``/debrief show r1a2b3c4d5e6``: the full debrief, for those allowed to see it."""
        reference = (rest.split() or [""])[0]
        if not reference:
            return Reply(self.say("show_refused", reason="no_reference", reference=""))
        try:
            run = self.tools.conversations.load(reference, user_id, allow_view=True)
        except NotFound:
            return Reply(self.say("show_refused", reason="not_found", reference=reference))
        except Forbidden:
            log.info("refused /debrief show of %s to %s", reference, user_id)
            return Reply(self.say("show_refused", reason="forbidden", reference=reference))
        if run.playbook != PLAYBOOK or run.status != run_store.SUBMITTED:
            return Reply(self.say("show_refused", reason="not_submitted", reference=reference))
        playbook = self.tools.playbooks[PLAYBOOK]
        text = self.tools.renderer.render(playbook.on_submit.summary,
                                             self.tools.conversations.template_context(run))
        return Reply(bk.fallback_text(text), bk.text_blocks(text)[: bk.MAX_MESSAGE_BLOCKS])
