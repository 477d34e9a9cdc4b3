"""A pilot from its submitted plan to the end date: versions, the agreement file, the team
card, `/pilot-plan edit|cancel|outcome|list`, and the outcome form on the end date.

Every method runs inside the caller's transaction (a submit, a click, a reminder) and only
queues Web API calls in the outbox, under natural keys, so a retry or a second instance
changes nothing twice. Recording the outcome lives in :mod:`bot.flows.pilots.outcomes`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date
from typing import Any

from bot import clock, ids
from bot.conversation.inputs import ActionInput, Reply
from bot.conversation.submissions import Submitted
from bot.engine.model import Playbook
from bot.errors import Forbidden, NotFound
from bot.jobs.schedule import reminder_due_at
from bot.flows.pilots import PLAYBOOK
from bot.flows.pilots import agreement as docs
from bot.flows.pilots import messages
from bot.flows.hooks import FlowTools
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.store import outbox, reminders
from bot.store import pilots as pilot_store
from bot.store import runs as run_store
from bot.store.outbox import to_iso_floor
from bot.store.pilots import Pilot
from bot.store.runs import Run

log = logging.getLogger("rebound.pilots")

OUTCOME_KIND = "pilot_outcome"
# The outcome is asked for in the afternoon of the end date (team's time zone): the last
# day's data is in, and the people who decide are still at work.
OUTCOME_PROMPT_AT = "15:00"
SUBCOMMANDS = ("edit", "cancel", "outcome", "list")


class PilotFlow:
    def __init__(self, tools: FlowTools):
        self.tools = tools
        self.store = tools.store
        self.conversations = tools.conversations
        self.renderer = tools.renderer
        self.playbook = tools.playbooks[PLAYBOOK]

    # -- small helpers ----------------------------------------------------------------------

    def say(self, what: str, **context: Any) -> str:
        """A line from prompts/pilot-plan/notes.md.j2 (escaped for mrkdwn)."""
        return self.renderer.render("pilot-plan/notes.md.j2", {"what": what, **context})

    def context(self, run: Run, pilot: Pilot | None = None) -> dict[str, Any]:
        """The run's template context plus ``agreement`` (its version and what it replaced)."""
        ctx = self.conversations.template_context(run)
        pilot = pilot or pilot_store.for_run(self.store, run.id)
        if pilot is not None:
            history = pilot_store.versions(self.store, pilot.id)
            version = next((v.version for v in history if v.run_id == run.id), pilot.version)
            ctx["agreement"] = docs.version_info(history, version)
            ctx["pilot"] = {"id": pilot.id, "status": pilot.status, "end_date": pilot.end_date,
                            "version": pilot.version}
        return ctx

    def current_run(self, pilot: Pilot) -> Run:
        return run_store.get_run(self.store, pilot.current_run_id)

    def owned(self, run_id: str, user_id: str) -> Pilot:
        """The pilot a button names, if ``user_id`` is the rep who owns it."""
        pilot = pilot_store.for_run(self.store, run_id)
        if pilot is None:
            raise NotFound("pilot", run_id)
        if pilot.user_id != user_id:
            raise Forbidden(user_id, run_id)
        return pilot

    def post(self, key: str, channel: str, text: str, blocks: list[dict[str, Any]], run: Run) -> None:
        payload = {"channel": channel, "text": bk.fallback_text(text) or "Rebound", "blocks": blocks,
                   "unfurl_links": False, "unfurl_media": False}
        outbox.enqueue(self.store, key, "chat.postMessage", payload, run_id=run.id, team=run.team)

    def retire(self, of_key: str | None, text: str, run: Run, *, blocks: list[dict[str, Any]] | None = None) -> None:
        """Replace a form with a transcript line, so its buttons can't be clicked again."""
        if not of_key:
            return
        payload = {"text": bk.fallback_text(text) or "Rebound", "blocks": blocks or bk.text_blocks(text),
                   "_update_of": of_key}
        outbox.enqueue(self.store, f"{of_key}:done", "chat.update", payload, run_id=run.id, team=run.team)

    def note(self, run: Run, text: str) -> None:
        self.post(f"pilot_note:{run.id}:{secrets.token_hex(6)}", run.user_id, text, bk.text_blocks(text), run)

    def to_team(self, run: Run, text: str, key: str) -> None:
        self.tools.submissions.post_text(run, "team_channel", text, key=key)

    def dm_channel(self, run: Run) -> str:
        """The D... id of the rep's DM (files need a channel id): remembered, or from a post already sent."""
        sent = outbox.result_for(self.store, run.meta["screen_key"]) if run.meta.get("screen_key") else None
        return run.meta.get("dm") or (sent or {}).get("channel") or run.user_id

    def team_zone(self, run: Run) -> str:
        team = self.tools.teams.get(run.team) if run.team else None
        return team.timezone if team else "UTC"

    # -- submit ---------------------------------------------------------------------------

    def on_submit(self, run: Run, playbook: Playbook, ctx: dict[str, Any], deliver: bool, result: Submitted) -> None:
        """A plan submitted: a new pilot, or the next version of the one being edited."""
        if playbook.id != PLAYBOOK:
            return
        previous = None
        if run.meta.get("pilot_id"):
            try:
                previous = pilot_store.get(self.store, run.meta["pilot_id"])
            except NotFound:
                previous = None  # the pilot was deleted meanwhile: this plan starts a new one
        if previous is not None:
            old_run = self.current_run(previous)
            extended_to = previous.end_date if previous.status == pilot_store.EXTENDED else None
            pilot = pilot_store.add_version(
                self.store, previous.id, run_id=run.id, submitted_by=run.user_id,
                facts=docs.facts_from(ctx, extended_to=extended_to),
                changed=docs.changed_steps(playbook, old_run.answers, run.answers))
            self.supersede(old_run.id, run.id)
        else:
            pilot = pilot_store.create(self.store, run_id=run.id, team=run.team, user_id=run.user_id,
                                       facts=docs.facts_from(ctx))
            self.supersede(None, run.id)
        if not deliver:
            return
        if not pilot.live:  # closed or cancelled while this edit was open: keep the version, remind nobody
            reminders.cancel_for_run(self.store, run.id)
            return
        self.schedule_outcome_prompt(pilot, run, date.fromisoformat(pilot.end_date))
        ctx = self.context(run, pilot)
        self.send_agreement(run, ctx)
        self.post_card(run, ctx)

    def supersede(self, old_run_id: str | None, new_run_id: str) -> None:
        """A new version's reminders replace the old one's. One whose moment has passed is sent
        only if the previous version's was still waiting to go out (a catch-up after downtime):
        not again when it was sent, and not for a plan written after that moment."""
        now = to_iso_floor(clock.now())
        prefix = f"reminder:{new_run_id}:"
        for reminder in reminders.upcoming(self.store, run_id=new_run_id, kind="playbook_reminder"):
            if reminder.due_at > now:
                continue
            before = reminders.get(self.store, f"reminder:{old_run_id}:{reminder.key[len(prefix):]}") if old_run_id else None
            if before is None or before.status != "pending":
                pilot_store.cancel_reminder(self.store, reminder.key)
        if old_run_id:
            reminders.cancel_for_run(self.store, old_run_id)

    def schedule_outcome_prompt(self, pilot: Pilot, run: Run, on: date) -> None:
        """Ask for outcome number ``outcome_round + 1`` on ``on`` (the end date, or an extension's)."""
        round_ = pilot.outcome_round + 1
        reminders.schedule(
            self.store, f"reminder:{run.id}:outcome:{round_}", OUTCOME_KIND,
            reminder_due_at(on, OUTCOME_PROMPT_AT, self.team_zone(run)),
            {"run_id": run.id, "pilot_id": pilot.id, "round": round_}, run_id=run.id, team=run.team,
            user_id=run.user_id,
        )

    def send_agreement(self, run: Run, ctx: dict[str, Any]) -> None:
        """The agreement as two files in the rep's DM: Markdown for documents, plain text for email."""
        markdown, text = docs.render_documents(self.renderer, ctx)
        version = ctx["agreement"]["version"]
        stem = docs.file_stem(ctx["account"], version)
        title = f"Pilot agreement: {ctx['account']} (version {version})"
        payload = {
            "channel": self.dm_channel(run),
            "initial_comment": self.say("agreement_comment", **ctx),
            "file_uploads": [
                {"content": markdown, "filename": f"{stem}.md", "title": title},
                {"content": text, "filename": f"{stem}.txt", "title": f"{title}, plain text"},
            ],
        }
        outbox.enqueue(self.store, f"pilot_agreement:{run.id}", "files.upload_v2", payload, run_id=run.id,
                       team=run.team)

    def post_card(self, run: Run, ctx: dict[str, Any]) -> None:
        card = self.renderer.render("pilot-plan/team_card.md.j2", ctx)
        blocks = messages.team_card(run.id, card, self.say("card_footer", **ctx))
        for channel in self.tools.submissions.destinations("team_channel", run):
            self.post(f"pilot_card:{run.id}:{channel}", channel, card, blocks, run)

    def review_note(self, run: Run, ctx: dict[str, Any]) -> str | None:
        return self.renderer.render("pilot-plan/review_note.md.j2", ctx) or None

    # -- /pilot-plan edit | cancel | outcome | list ---------------------------------------------

    def choose(self, user_id: str, text: str, verb: str) -> tuple[Pilot | None, Reply | None]:
        """The rep's live pilot named by ``text`` (part of the account), or the only one."""
        live = pilot_store.list_pilots(self.store, user_id=user_id, statuses=pilot_store.LIVE)
        if not live:
            return None, Reply(self.say("no_live"))
        wanted = " ".join(text.split()).casefold()
        matches = [p for p in live if wanted in p.account.casefold()] if wanted else live
        exact = [p for p in matches if p.account.casefold() == wanted]
        if len(exact) == 1 or len(matches) == 1:
            return (exact or matches)[0], None
        accounts = [p.account for p in live]
        return None, Reply(self.say("which", verb=verb, accounts=accounts, text=text, matched=bool(matches)))

    def subcommand(self, verb: str):
        def handle(user_id: str, text: str) -> Reply:
            if verb == "list":
                return self.list_pilots(user_id)
            pilot, reply = self.choose(user_id, text, verb)
            if reply is not None:
                return reply
            return {"edit": self.start_edit, "cancel": self.cancel, "outcome": self.ask_outcome_now}[verb](
                user_id, pilot)

        return handle

    def list_pilots(self, user_id: str) -> Reply:
        rows = pilot_store.list_pilots(self.store, user_id=user_id, statuses=pilot_store.LIVE)
        return Reply(self.say("list", pilots=[vars(p) for p in rows]))

    def start_edit(self, user_id: str, pilot: Pilot) -> Reply:
        """A new run prefilled from the latest version; submitting it makes the next version."""
        run = self.current_run(pilot)
        with self.store.transaction():
            started = self.conversations.start(
                PLAYBOOK, user_id, source="slack", meta={"pilot_id": pilot.id, "edit_of": run.id},
                prefill_answers=docs.edit_prefill(self.playbook, run.answers))
            if started.resumed_existing is not None:
                text = self.say("edit_busy", account=pilot.account)
                return Reply(text, sm.resume_blocks(started.resumed_existing.id, text))
            turn = started.turn
            skipped = set(run.skipped)  # questions skipped last time stay skipped: straight to the review
            while turn.question is not None and turn.question.id in skipped and not turn.question.required:
                turn = self.conversations.skip(turn.run.id, user_id)
            self.tools.screens.begin(turn)
        return Reply(self.say("edit_opened", account=pilot.account, version=pilot.version))

    def cancel(self, user_id: str, pilot: Pilot) -> Reply:
        run = self.current_run(pilot)
        with self.store.transaction():
            if pilot_store.cancel(self.store, pilot.id):
                self.stop_reminders(pilot)
                self.to_team(run, self.say("cancelled_team", account=pilot.account, user_id=user_id),
                             key=f"pilot_cancelled:{pilot.id}")
        return Reply(self.say("cancelled", account=pilot.account))

    def stop_reminders(self, pilot: Pilot) -> None:
        for version in pilot_store.versions(self.store, pilot.id):
            reminders.cancel_for_run(self.store, version.run_id)

    def ask_outcome_now(self, user_id: str, pilot: Pilot) -> Reply:
        if pilot.outcome_round and pilot.action is None:  # recorded; waiting for "what happens now?"
            return Reply(self.say("action_pending", account=pilot.account))
        with self.store.transaction():
            self.post_outcome_form(pilot, key=f"pilot_form:{pilot.id}:{pilot.outcome_round + 1}:{secrets.token_hex(4)}")
        return Reply(self.say("form_sent", account=pilot.account))

    def on_edit_click(self, action: ActionInput, context: ids.ActionValue) -> None:
        pilot = self.owned(context.run_id, action.user_id)
        reply = self.start_edit(action.user_id, pilot) if pilot.live else Reply(
            self.say("not_live", account=pilot.account, status=pilot.status))
        run = self.current_run(pilot)
        if reply.blocks or not pilot.live:
            self.post(f"pilot_note:{run.id}:{secrets.token_hex(6)}", action.user_id, reply.text,
                      reply.blocks or bk.text_blocks(reply.text), run)

    # -- the end date ---------------------------------------------------------------------------

    def on_outcome_due(self, reminder) -> None:
        """The dispatcher's handler for ``pilot_outcome``: the form, unless the pilot moved on."""
        payload = reminder.payload
        try:
            pilot = pilot_store.get(self.store, payload["pilot_id"])
        except NotFound:
            return
        if not pilot.live or pilot.current_run_id != payload["run_id"] or pilot.outcome_round + 1 != payload["round"]:
            log.info("outcome prompt no longer needed key=%s status=%s", reminder.key, pilot.status)
            return
        self.post_outcome_form(pilot, key=f"{reminder.key}:form")

    def post_outcome_form(self, pilot: Pilot, *, key: str) -> None:
        run = self.current_run(pilot)
        ctx = self.context(run, pilot)
        round_ = pilot.outcome_round + 1
        intro = self.renderer.render("pilot-plan/outcome_form.md.j2", {**ctx, "round": round_})
        # The header block is plain text; the notification text is mrkdwn, so it gets the escaped rendering.
        title = self.renderer.render("pilot-plan/outcome_title.md.j2", ctx, plain=True)
        notification = self.renderer.render("pilot-plan/outcome_title.md.j2", ctx)
        blocks = messages.outcome_form(run.id, round_, title, intro)
        self.post(key, run.user_id, notification, blocks, run)
        forms = [*pilot.meta.get("form_keys", []), key]
        pilot_store.update_meta(self.store, pilot.id, {"form_keys": forms[-10:]})
