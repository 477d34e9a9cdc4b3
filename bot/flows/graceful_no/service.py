"""The /graceful-no flow beyond its questions: after the summary, a button that starts a
/debrief prefilled with what the customer said; upcoming check-backs in App Home and in the
team's weekly summary. The check-back itself is a playbook reminder (on_submit.reminders),
and nothing is ever sent to the customer: the draft reply is the rep's to copy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import clock, ids
from bot.conversation.chat import ActionInput
from bot.domain.errors import UnknownKey
from bot.domain.graceful import debrief_reason
from bot.domain.taxonomy import graceful_no_reason
from bot.errors import ActionRefused
from bot.flows.recovery.service import utc_start
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.flows.hooks import SummarySection
from bot.store import outbox
from bot.store import recovery as rs
from bot.store import runs as run_store
from bot.store.runs import Run
from bot.files.teams import Team

PLAYBOOK = "graceful-no"
START_DEBRIEF = "rb_gn_debrief"
HOME_DAYS = 120  # check-backs shown in App Home


class GracefulNoFlow:
    def __init__(self, services):
        self.services = services
        self.store = services.store
        self.renderer = services.renderer
        self.conversations = services.conversations
        self.chat = services.chat

    def _post(self, key: str, channel: str, text: str, blocks: list[dict[str, Any]], run: Run) -> None:
        payload = {"channel": channel, "text": bk.fallback_text(text) or "Rebound", "blocks": blocks,
                   "unfurl_links": False}
        outbox.enqueue(self.store, key, "chat.postMessage", payload, run_id=run.id, team=run.team)

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
        value = ids.ActionValue(run.id, "debrief").encode()
        blocks = [bk.section(text), {"type": "actions", "block_id": ids.ActionValue(run.id, "debrief", "offer").encode(),
                                     "elements": [sm.button("Start the debrief", START_DEBRIEF, value, "primary")]}]
        self._post(f"gn-debrief-offer:{run.id}", run.meta.get("dm") or run.user_id, text, blocks, run)

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
            text = self.chat.say("resume_offer", playbook=playbook.model_dump(), answered=len(existing.answers),
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
        self.chat.begin(started.turn)

    # -- upcoming check-backs ------------------------------------------------------------------------

    def _checkbacks(self, **where: Any) -> list[dict[str, Any]]:
        rows = rs.checkbacks(self.store, playbook=PLAYBOOK, **where)
        found = []
        for row in rows:
            answers = row["answers"]
            team = self.services.teams.get(row["team"]) if row["team"] else None
            local_day = _local_day(row["due_at"], team.timezone if team else None)
            try:
                reason = graceful_no_reason(answers.get("reason_category")).label
            except UnknownKey:  # an old run's category that has left the list: show it as given
                reason = str(answers.get("reason_category") or "")
            found.append({"run_id": row["run_id"], "user_id": row["user_id"], "due": local_day,
                          "account": answers.get("account"), "contact_name": answers.get("contact_name"),
                          "reason": reason})
        return found

    def summary_section(self, team: Team, week_start, next_monday) -> SummarySection | None:
        start = utc_start(next_monday, team.timezone)
        end = utc_start(next_monday + timedelta(days=7), team.timezone)
        checkbacks = self._checkbacks(team=team.id, start=start, end=end)
        if not checkbacks:
            return None
        return SummarySection(key="checkbacks", title="Graceful-no check-backs next week",
                              template="graceful-no/weekly_checkbacks.md.j2", context={"checkbacks": checkbacks},
                              order=70)

    def home_sections(self, user_id: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        now = clock.now()
        checkbacks = self._checkbacks(user_id=user_id, start=now.replace(microsecond=0).isoformat(),
                                      end=(now + timedelta(days=HOME_DAYS)).replace(microsecond=0).isoformat())
        if not checkbacks:
            return []
        text = self.renderer.render("graceful-no/home.md.j2", {"checkbacks": checkbacks[:10]})
        return [("Check-backs coming up", [(line, None) for line in text.splitlines() if line.strip()])]


def _local_day(due_at: str, tz: str | None) -> str:
    """The calendar day a stored UTC due time falls on for the team."""
    return datetime.fromisoformat(due_at).astimezone(ZoneInfo(tz or "UTC")).date().isoformat()


def register(services) -> None:
    flow = GracefulNoFlow(services)
    services.chat.after_summary.append(flow.offer_debrief)
    services.chat.extra_actions[START_DEBRIEF] = flow.on_start_debrief
    services.chat.home_sections.append(flow.home_sections)
    services.summary_sections.append(flow.summary_section)
