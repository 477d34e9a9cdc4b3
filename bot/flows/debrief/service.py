"""The debrief flow beyond its questions.

* On submit (inside the submit transaction): record the debrief's facts for the weekly
  numbers, and DM each of the team's managers the debrief, the coaching focus and two
  buttons, "Mark reviewed" and "Schedule 1:1 review".
* The buttons: only that team's managers and the head of sales may press them; the review is
  recorded once, every manager's copy of the DM is updated, and the rep hears about it.
* ``/debrief show <reference>``: opens a submitted debrief for its seller, their managers and
  the head of sales. The weekly summary lists every deal with its reference, because Slack
  gives the app no link to a message before it is posted.
* Scheduled: the teams' weekly summaries, the head of sales' roll-up and the product and
  enablement digests (``bot.jobs``).
"""

from __future__ import annotations

import logging
from typing import Any

from bot import ids
from bot.conversation.chat import ActionInput, Reply
from bot.errors import ActionRefused, Forbidden, NotFound
from bot.flows.debrief import facts
from bot.outbox.sender import UPDATE_OF
from bot.render import blocks as bk
from bot.render.slack_messages import button
from bot.store import outbox, reports
from bot.store import runs as run_store
from bot.store.runs import Run
from bot.conversation.submissions import Delivery

log = logging.getLogger("rebound.debrief")

PLAYBOOK = "debrief"
MANAGER_DM = "debrief/manager_dm.md.j2"
REVIEW_DONE = "rb_review_done"
REVIEW_SCHEDULE = "rb_review_schedule"
KINDS = {REVIEW_DONE: "reviewed", REVIEW_SCHEDULE: "one_on_one"}


def dm_key(run_id: str, manager: str) -> str:
    """The outbox key of a manager's review DM (its later updates name it to find channel and ts)."""
    return f"debrief_review:{run_id}:{manager}"


class DebriefFlow:
    def __init__(self, services):
        self.services = services

    @property
    def store(self):
        return self.services.store

    def say(self, name: str, **context: Any) -> str:
        return self.services.renderer.render(f"debrief/{name}.md.j2", context)

    # -- submit -----------------------------------------------------------------------------

    def after_submit(self, run: Run, playbook, ctx: dict[str, Any], deliver: bool, result) -> None:
        """Record the facts; DM the managers (only when delivering: the terminal doesn't)."""
        if playbook.id != PLAYBOOK:
            return
        facts.record(self.services, run)
        if not deliver:
            return
        team = self.services.teams.get(run.team) if run.team else None
        # A manager who debriefs their own loss is not asked to review it.
        managers = [m for m in (team.managers if team else []) if m != run.user_id]
        if not managers:
            result.deliveries.append(Delivery("managers", None, MANAGER_DM, skipped_reason="no managers configured"))
            return
        text = self.services.renderer.render(MANAGER_DM, ctx)
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
        run = run_store.get_run(self.store, context.run_id)
        if run.playbook != PLAYBOOK or run.status != run_store.SUBMITTED:
            raise ActionRefused("stale", "not a submitted debrief")
        teams = self.services.teams
        team = teams.get(run.team) if run.team else None
        if not (teams.is_head(action.user_id) or (team is not None and action.user_id in team.managers)):
            log.warning("refused review of run %s by user %s: not the team's manager", run.id, action.user_id)
            raise Forbidden(action.user_id, run.id)
        if not reports.record_review(self.store, run.id, run.team, kind, action.user_id):
            return  # someone already did (another manager, or this one earlier)
        review = reports.review_of(self.store, run.id)
        ctx = self.services.conversations.template_context(run)
        text = self.services.renderer.render(MANAGER_DM, ctx)
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
            run = self.services.conversations.load(reference, user_id, allow_view=True)
        except NotFound:
            return Reply(self.say("show_refused", reason="not_found", reference=reference))
        except Forbidden:
            log.info("refused /debrief show of %s to %s", reference, user_id)
            return Reply(self.say("show_refused", reason="forbidden", reference=reference))
        if run.playbook != PLAYBOOK or run.status != run_store.SUBMITTED:
            return Reply(self.say("show_refused", reason="not_submitted", reference=reference))
        playbook = self.services.playbooks[PLAYBOOK]
        text = self.services.renderer.render(playbook.on_submit.summary,
                                             self.services.conversations.template_context(run))
        return Reply(bk.fallback_text(text), bk.text_blocks(text)[: bk.MAX_MESSAGE_BLOCKS])


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
    if buttons:
        body.append({"type": "actions", "block_id": ids.ActionValue(run_id, value="review").encode(),
                     "elements": buttons})
    return body


def register(services) -> None:
    """Plug the debrief into submit, the buttons, ``/debrief show`` and the scheduler."""
    from bot.flows.debrief.digests import InsightDigests, Rollup
    from bot.flows.debrief.weekly_summary import WeeklySummaries

    flow = DebriefFlow(services)
    services.submissions.after_submit.append(flow.after_submit)
    services.chat.extra_actions[REVIEW_DONE] = flow.on_review
    services.chat.extra_actions[REVIEW_SCHEDULE] = flow.on_review
    command = services.playbooks[PLAYBOOK].command if PLAYBOOK in services.playbooks else "/debrief"
    services.chat.subcommands[(command, "show")] = flow.show
    services.tick_tasks.append(WeeklySummaries(services).tick)
    services.tick_tasks.append(Rollup(services).tick)
    services.tick_tasks.append(InsightDigests(services).tick)
