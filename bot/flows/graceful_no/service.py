"""After a graceful no's summary, a button that starts a /debrief prefilled with what the
customer said. Nothing is ever sent to the customer: the draft reply is the rep's to copy."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.conversation.inputs import ActionInput, Prefill
from bot.domain.graceful import debrief_reason
from bot.errors import ActionRefused
from bot.flows.graceful_no import PLAYBOOK, messages
from bot.flows.hooks import FlowTools
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.store import outbox
from bot.store import runs as run_store
from bot.store.runs import Run


class GracefulNoFlow:
    def __init__(self, tools: FlowTools):
        self.store = tools.store
        self.renderer = tools.renderer
        self.conversations = tools.conversations
        self.screens = tools.screens

    def _post(self, key: str, channel: str, text: str, blocks: list[dict[str, Any]], run: Run) -> None:
        payload = {"channel": channel, "text": bk.fallback_text(text) or "Rebound", "blocks": blocks,
                   "unfurl_links": False}
        outbox.enqueue(self.store, key, "chat.postMessage", payload, run_id=run.id, team=run.team)

    # -- the rep's name, asked once ----------------------------------------------------------------

    def prefill(self, user_id: str) -> Prefill | None:
        """A bare /graceful-no starts with the name the rep signed their last reply with, so it is
        asked once and changed on the review card. Asking (rather than Slack's users.info) needs
        no users:read scope and no extra Web API call, and the rep chooses how they sign."""
        last = run_store.list_runs(self.store, playbook=PLAYBOOK, user_id=user_id, status=run_store.SUBMITTED, limit=1)
        name = last[0].answers.get("your_name") if last else None
        if not isinstance(name, str) or not name.strip():
            return None
        note = self.renderer.render("graceful-no/name_prefilled.md.j2", {"your_name": name})
        return Prefill(answers={"your_name": name}, note=note)

    # -- the debrief offer -------------------------------------------------------------------------

    def debrief_prefill(self, run: Run) -> dict[str, Any]:
        """The debrief answers a graceful no gives: the account as the deal, the reason where
        the two lists agree, and the customer's words as a first "what happened"."""
        ctx = self.conversations.template_context(run)
        prefill: dict[str, Any] = {"deal": run.answers.get("account")}
        reason = debrief_reason(run.answers.get("reason_category"))
        if reason:
            prefill["primary_reason"] = reason
        what = self.renderer.render("graceful-no/debrief_prefill.md.j2", ctx, plain=True)
        prefill["what_happened"] = bk.clip(what, 3000)
        return {key: value for key, value in prefill.items() if value}

    def offer_debrief(self, run: Run) -> None:
        """Chat after-summary hook: the rep said yes to a debrief, so offer to start it here."""
        if run.playbook != PLAYBOOK or not run.answers.get("offer_debrief"):
            return
        ctx = self.conversations.template_context(run)
        text = self.renderer.render("graceful-no/debrief_offer.md.j2",
                                    {**ctx, "mapped_reason": debrief_reason(run.answers.get("reason_category"))})
        self._post(f"gn-debrief-offer:{run.id}", run.meta.get("dm") or run.user_id, text,
                   messages.debrief_offer_blocks(run.id, text), run)

    def on_start_debrief(self, action: ActionInput, context: ids.ActionValue) -> None:
        run = self.conversations.load(context.run_id, action.user_id)  # Forbidden for anyone but the rep
        if run.playbook != PLAYBOOK or run.status != run_store.SUBMITTED:
            raise ActionRefused("stale", "not a submitted graceful no")
        offer_key = f"gn-debrief-offer:{run.id}"
        if outbox.get(self.store, offer_key) is not None:  # retire the button: one debrief per click
            done = self.renderer.render("graceful-no/debrief_offer_done.md.j2", {"account": run.answers.get("account")})
            outbox.enqueue(self.store, f"{offer_key}:done", "chat.update",
                           {"text": bk.fallback_text(done), "blocks": sm.note_blocks(done), "_update_of": offer_key},
                           run_id=run.id, team=run.team)
        prefill = self.debrief_prefill(run)
        started = self.conversations.start("debrief", action.user_id, source="slack", prefill_answers=prefill,
                                           meta={"from_run": run.id, "from_playbook": PLAYBOOK,
                                                 **({"dm": run.meta["dm"]} if run.meta.get("dm") else {})})
        if started.resumed_existing is not None:
            existing = started.resumed_existing
            playbook = self.conversations.playbook("debrief")
            text = self.screens.say("resume_offer", playbook=playbook.model_dump(), answered=len(existing.answers),
                                 started_at=existing.started_at[:10])
            self._post(f"gn-debrief-resume:{run.id}:{existing.id}", run.meta.get("dm") or run.user_id, text,
                       sm.resume_blocks(existing.id, text), run)
            return
        debrief = started.turn.run
        labels = {"deal": "the deal", "primary_reason": "the main reason", "what_happened": "what they said"}
        note = self.renderer.render("graceful-no/debrief_started.md.j2", {
            "deal": debrief.answers.get("deal"), "filled": [labels[s] for s in labels if s in debrief.answers]})
        self._post(f"gn-debrief-started:{debrief.id}", debrief.meta.get("dm") or debrief.user_id, note,
                   sm.note_blocks(note), debrief)
        self.screens.begin(started.turn)
