"""After intake: the nudge DM and its one reminder (through the reminders store, so each is
sent once), the three buttons, the debrief started prefilled from the CRM, and the link
from a submitted debrief back to its deal so a loss is never counted twice.

Nobody is nagged daily: one nudge, "Not now" moves it to the next business day, one
reminder after the team's ``debrief_reminder_days`` business days; after that the deal is
overdue in the manager's summary.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from bot import clock, ids
from bot.conversation.inputs import ActionInput, Reply
from bot.domain.crm_deals import map_reason
from bot.errors import ActionRefused, Forbidden, NotFound
from bot.flows.crm_intake import messages as msg
from bot.flows.crm_intake.service import NUDGE, REMINDER
from bot.flows.hooks import FlowTools
from bot.jobs.schedule import business_days_after, next_business_day, reminder_due_at
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.store import deals as deal_store
from bot.store import outbox, reminders
from bot.store import runs as run_store
from bot.store.reminders import Reminder
from bot.store.runs import Run

log = logging.getLogger("rebound.crm")

DEBRIEF = "debrief"
NUDGE_AT = "09:00"  # local time of a snoozed nudge and of the reminder
MAX_OFFERED = 5


class Nudges:
    def __init__(self, tools: FlowTools):
        self.store = tools.store
        self.teams = tools.teams
        self.renderer = tools.renderer
        self.conversations = tools.conversations
        self.screens = tools.screens

    # -- helpers ------------------------------------------------------------------------------------

    def _tz(self, deal: dict[str, Any]) -> str:
        team = self.teams.get(deal["team"]) if deal.get("team") else None
        return team.timezone if team else "UTC"

    def _post(self, key: str, channel: str, text: str, blocks: list[dict[str, Any]], team: str | None) -> None:
        outbox.enqueue(self.store, key, "chat.postMessage", {"channel": channel, "text": bk.fallback_text(text),
                                                             "blocks": blocks, "unfurl_links": False}, team=team)

    def _replace(self, of_key: str, text: str, blocks: list[dict[str, Any]], team: str | None) -> None:
        """Redraw the nudge a click came from (the sender fills in its channel and ts)."""
        outbox.enqueue(self.store, f"{of_key}:redraw:{secrets.token_hex(4)}", "chat.update",
                       {"text": bk.fallback_text(text), "blocks": blocks, "_update_of": of_key}, team=team)

    def _note(self, user: str, text: str) -> None:
        self._post(f"note:{user}:{secrets.token_hex(6)}", user, text, sm.note_blocks(text), None)

    def _owned(self, action: ActionInput, context: ids.ActionValue) -> dict[str, Any]:
        deal = deal_store.get(self.store, context.run_id)
        if deal is None:
            raise ActionRefused("stale", "no such deal")
        if deal["user_id"] != action.user_id:
            raise Forbidden(action.user_id, deal["crm_id"])
        return deal

    # -- the nudge and the reminder -------------------------------------------------------------------

    def on_nudge(self, reminder: Reminder) -> None:
        """Reminder handler: DM the owner, and schedule the one reminder (first nudge only)."""
        self._send(reminder, again=False)

    def on_reminder(self, reminder: Reminder) -> None:
        self._send(reminder, again=True)

    def _send(self, reminder: Reminder, *, again: bool) -> None:
        deal = deal_store.get(self.store, reminder.payload["crm_id"])
        if deal is None or deal["status"] != deal_store.WAITING or deal["user_id"] != reminder.user_id:
            return  # debriefed, won, or handed to someone else meanwhile
        if deal["run_id"] and _active(self.store, deal["run_id"]):
            return  # the debrief is under way
        key = f"{reminder.key}:post"
        text = self.renderer.render("crm/nudge.md.j2", {"deal": msg.deal_view(deal), "reminder": again})
        self._post(key, deal["user_id"], text, msg.nudge_blocks(text, deal["crm_id"], key), deal["team"])
        if again:
            deal_store.update(self.store, deal["crm_id"], {"reminded_at": clock.now_iso()})
            return
        if deal["nudged_at"] is None:
            deal_store.update(self.store, deal["crm_id"], {"nudged_at": clock.now_iso()})
        team = self.teams.get(deal["team"]) if deal["team"] else None
        days = team.debrief_reminder_days if team else 2
        tz = self._tz(deal)
        due = reminder_due_at(business_days_after(clock.today_in(tz), days), NUDGE_AT, tz)
        reminders.schedule(self.store, f"crm-remind:{deal['crm_id']}", REMINDER, due, {"crm_id": deal["crm_id"]},
                           team=deal["team"], user_id=deal["user_id"])

    # -- the buttons ----------------------------------------------------------------------------------

    def on_later(self, action: ActionInput, context: ids.ActionValue) -> None:
        """"Not now": the nudge again on the next business day, 09:00 the team's time."""
        deal = self._owned(action, context)
        if deal["status"] != deal_store.WAITING:
            raise ActionRefused("stale", "not waiting")
        tz = self._tz(deal)
        day = next_business_day(clock.today_in(tz))
        reminders.schedule(self.store, f"crm-snooze:{deal['crm_id']}:{day.isoformat()}", NUDGE,
                           reminder_due_at(day, NUDGE_AT, tz), {"crm_id": deal["crm_id"]}, team=deal["team"],
                           user_id=deal["user_id"])
        text = self.renderer.render("crm/snoozed.md.j2", {"deal": msg.deal_view(deal), "until": day})
        if context.value:
            self._replace(context.value, text, sm.note_blocks(text), deal["team"])

    def on_not_mine(self, action: ActionInput, context: ids.ActionValue) -> None:
        deal = self._owned(action, context)
        if deal["status"] != deal_store.WAITING:
            raise ActionRefused("stale", "not waiting")
        text = self.renderer.render("crm/not_mine_ask.md.j2", {"deal": msg.deal_view(deal)})
        if context.value:
            self._replace(context.value, text, msg.owner_picker_blocks(text, deal["crm_id"], context.value),
                          deal["team"])

    def on_owner(self, action: ActionInput, context: ids.ActionValue) -> None:
        """The rep picked whose deal it is: it becomes theirs, and their manager is told."""
        deal = self._owned(action, context)
        owner = action.selected
        if not isinstance(owner, str) or owner == action.user_id or deal["status"] != deal_store.WAITING:
            raise ActionRefused("stale", "no new owner")
        team = self.teams.team_of(owner)
        team_id = team.id if team else deal["team"]
        if not deal_store.update(self.store, deal["crm_id"], {"user_id": owner, "owner_via": "reassigned",
                                                              "team": team_id, "disowned_by": action.user_id},
                                 only_if_status=deal_store.WAITING):
            raise ActionRefused("stale", "changed meanwhile")
        deal_store.cancel_reminders(self.store, deal["crm_id"])
        told = self.teams.get(team_id).managers if team_id and self.teams.get(team_id) else []
        view = msg.deal_view(deal)
        crm_owner = deal["owner_name"] or deal["owner_email"] or "nobody"
        text = self.renderer.render("crm/not_mine_manager.md.j2", {"deal": view, "by": action.user_id,
                                                                  "owner": owner, "crm_owner": crm_owner})
        for manager in told:
            self._post(f"crm-not-mine:{deal['crm_id']}:{owner}:{manager}", manager, text, sm.note_blocks(text),
                       team_id)
        done = self.renderer.render("crm/not_mine_done.md.j2", {"deal": view, "owner": owner, "managers": told})
        if context.value:
            self._replace(context.value, done, sm.note_blocks(done), team_id)
        log.info("crm deal handed on crm_id=%s managers_told=%d", deal["crm_id"], len(told))

    def on_debrief(self, action: ActionInput, context: ids.ActionValue) -> None:
        """"Debrief it": the debrief starts with what the CRM knows; the rep answers the rest."""
        deal = self._owned(action, context)
        if deal["status"] != deal_store.WAITING:
            self._note(action.user_id, self.renderer.render("crm/nudge_done.md.j2", {"deal": msg.deal_view(deal)}))
            raise ActionRefused("stale", "already debriefed or out of the loop")
        view = msg.deal_view(deal)
        prefill, suggestion = self.prefill(deal)
        started = self.conversations.start(DEBRIEF, action.user_id, source="slack", prefill_answers=prefill,
                                           meta={"crm_deal": deal["crm_id"]})
        if started.resumed_existing is not None:  # another debrief is open: offer it, start nothing twice
            existing = started.resumed_existing
            if existing.meta.get("crm_deal") == deal["crm_id"]:
                return  # a second click on the same nudge
            playbook = self.conversations.playbook(DEBRIEF)
            text = self.screens.say("resume_offer", playbook=playbook.model_dump(), answered=len(existing.answers),
                                 started_at=existing.started_at[:10])
            self._post(f"crm-resume:{deal['crm_id']}:{existing.id}", action.user_id, text,
                       sm.resume_blocks(existing.id, text), deal["team"])
            return
        run = started.turn.run
        deal_store.update(self.store, deal["crm_id"], {"run_id": run.id})
        if context.value and context.value != "offer":
            done = self.renderer.render("crm/nudge_done.md.j2", {"deal": view})
            self._replace(context.value, done, sm.note_blocks(done), deal["team"])
        labels = {"deal": "the deal", "amount": "the amount", "primary_reason": "the reason",
                  "competitor": "the competitor", "account": "the account", "close_date": "the close date",
                  "crm_ref": "the CRM id"}
        note = self.renderer.render("crm/started.md.j2", {
            "deal": view, "filled": [labels[s] for s in labels if s in run.answers], "suggestion": suggestion})
        self._post(f"crm-started:{run.id}", action.user_id, note, sm.note_blocks(note), deal["team"])
        self.screens.begin(started.turn)

    def prefill(self, deal: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The debrief's answers from the CRM, and the CRM's reason when it maps to none of ours."""
        reason = map_reason(deal["reason"], self.teams.data.crm_reasons)
        view = msg.deal_view(deal)
        prefill: dict[str, Any] = {"deal": deal["name"], "amount": view["amount"], "primary_reason": reason,
                                   "competitor": deal["competitor"] if reason == "competitor" else None,
                                   "account": deal["account"], "close_date": deal["close_date"],
                                   "crm_ref": deal["crm_id"]}
        return {k: v for k, v in prefill.items() if v}, (deal["reason"] if deal["reason"] and not reason else None)

    def on_fresh(self, action: ActionInput, context: ids.ActionValue) -> None:
        """"A different deal" under /debrief's offer: the ordinary debrief, with the words typed."""
        if (context.run_id, context.step_id) != ("fresh", "crm"):
            raise ActionRefused("stale", "not a button Rebound drew")
        started = self.conversations.start(DEBRIEF, action.user_id, source="slack")
        if started.resumed_existing is not None:
            existing = started.resumed_existing
            text = self.screens.say("resume_offer", playbook=self.conversations.playbook(DEBRIEF).model_dump(),
                                    answered=len(existing.answers), started_at=existing.started_at[:10])
            self._post(f"crm-resume:fresh:{existing.id}:{secrets.token_hex(4)}", action.user_id, text,
                       sm.resume_blocks(existing.id, text), existing.team)
            return
        self.screens.begin(started.turn, prefill=context.value or "")

    # -- /debrief and submit ---------------------------------------------------------------------------

    def waiting_for(self, user_id: str) -> list[dict[str, Any]]:
        return [d for d in deal_store.listed(self.store, user_id=user_id, status=deal_store.WAITING)
                if not (d["run_id"] and _active(self.store, d["run_id"]))]

    def offer(self, user_id: str, words: str) -> Reply | None:
        """``/debrief [words]``: deals the CRM sent that match (by name or account), offered first."""
        waiting = self.waiting_for(user_id)
        if words:
            waiting = [d for d in waiting if _matches(words, d)]
        if not waiting:
            return None
        waiting = sorted(waiting, key=lambda d: (d["close_date"] or "", d["crm_id"]))[:MAX_OFFERED]
        head = self.renderer.render("crm/offer.md.j2", {"words": words, "deals": waiting})
        lines = [(self.renderer.render("crm/offer_deal.md.j2", {"deal": msg.deal_view(d)}), d["crm_id"])
                 for d in waiting]
        return Reply(bk.fallback_text(head), msg.offer_blocks(head, lines, words))

    def on_submit(self, run: Run, playbook, ctx, deliver: bool, result) -> None:
        """Submit hook (inside the submit transaction, from Slack or the terminal)."""
        self.link_submitted(run)

    def link_submitted(self, run: Run) -> None:
        """A debrief submitted: mark its deal debriefed (the one it started from, or the rep's one
        waiting deal of that name or account), so the loss is counted once."""
        if run.playbook != DEBRIEF:
            return
        crm_id = run.meta.get("crm_deal")
        if not crm_id:
            given = " ".join(str(run.answers.get(k) or "") for k in ("deal", "account")).strip()
            matches = [d for d in self.waiting_for(run.user_id) if given and _matches(given, d)]
            crm_id = matches[0]["crm_id"] if len(matches) == 1 else None
        if crm_id and deal_store.update(self.store, crm_id, {"status": deal_store.DEBRIEFED, "run_id": run.id},
                                        only_if_status=deal_store.WAITING):
            deal_store.cancel_reminders(self.store, crm_id)
            log.info("crm deal debriefed crm_id=%s run_id=%s", crm_id, run.id)


def _active(store, run_id: str) -> bool:
    try:
        return run_store.get_run(store, run_id).status == run_store.ACTIVE
    except NotFound:  # a forgotten run (privacy request) is simply not active
        return False


def _norm(text: str | None) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in (text or "").casefold()).split())


def _matches(words: str, deal: dict[str, Any]) -> bool:
    typed = _norm(words)
    if len(typed) < 3:
        return False
    for known in (_norm(deal["name"]), _norm(deal["account"])):
        if known and (typed in known or known in typed):
            return True
    return False
