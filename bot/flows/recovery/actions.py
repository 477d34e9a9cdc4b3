"""What /recover does in Slack beyond its questions: the lost amount prefilled from the latest
debrief, the ranked action plan posted after the summary (with a ⋯ menu per opportunity for
progress) and `/recover weights | import | threshold | plan`. The work is in ``service``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from bot import ids
from bot.conversation.inputs import ActionInput, Prefill, Reply
from bot.domain.errors import DomainError
from bot.domain.recovery import parse_threshold, parse_weights
from bot.errors import ActionRefused, NotFound
from bot.files.teams import Teams
from bot.flows.hooks import SubcommandHandler
from bot.flows.recovery import PLAYBOOK, messages
from bot.flows.recovery.service import Recovery
from bot.render.blocks import fallback_text as blocks_fallback
from bot.render.slack_messages import note_blocks
from bot.render.templates import Renderer
from bot.store import outbox
from bot.store import recovery as rs
from bot.store.db import Store
from bot.store.runs import Run

MAX_IMPORT_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class _UnitAsOpportunity:
    """What a progress click needs of a unit of an account map, in an opportunity's names."""

    id: str
    name: str
    amount: dict[str, Any] | None
    status: str


class RecoveryActions:
    def __init__(self, recovery: Recovery, store: Store, teams: Teams, renderer: Renderer):
        self.recovery = recovery
        self.store = store
        self.teams = teams
        self.renderer = renderer

    def say(self, template: str, **context: Any) -> str:
        return self.renderer.render(f"recover/{template}.md.j2", context)

    # -- starting: the loss from the latest debrief -------------------------------------------

    def prefill(self, user_id: str) -> Prefill | None:
        debrief = self.recovery.latest_unplanned_debrief(user_id)
        if debrief is None:
            return None
        answers = self.recovery.debrief_answers(debrief)
        note = self.say("prefilled", deal=debrief.answers.get("deal"), lost=answers.get("lost_amount"),
                        retained=answers.get("retained_amount"), submitted_at=debrief.submitted_at)
        return Prefill(answers=answers, meta={"from_debrief": debrief.id}, note=note)

    # -- after the summary: the action plan message ----------------------------------------------

    def post_plan(self, run: Run) -> None:
        """Chat after-summary hook: post the ranked plan in the DM and remember which message it is."""
        if run.playbook != PLAYBOOK or rs.get_plan(self.store, run.id) is None:
            return
        self._post_plan_message(run.id, run.user_id, run.meta.get("dm") or run.user_id, f"recover-plan:{run.id}")

    def _post_plan_message(self, plan_run_id: str, user_id: str, channel: str, key: str) -> None:
        view = self.recovery.view(user_id)
        text, blocks = messages.plan_blocks(view, self.renderer, plan_run_id)
        payload = {"channel": channel, "text": text, "blocks": blocks, "unfurl_links": False}
        plan = rs.get_plan(self.store, plan_run_id)
        outbox.enqueue(self.store, key, "chat.postMessage", payload, run_id=plan_run_id, team=plan.team if plan else None)
        rs.set_plan_message(self.store, plan_run_id, key)

    # -- progress clicks -------------------------------------------------------------------------

    def on_progress(self, action: ActionInput, context: ids.ActionValue) -> None:
        """⋯ menu of an opportunity in a plan message: won / lost / moved / still open."""
        plan = rs.get_plan(self.store, context.run_id)
        step = context.step_id or ""
        if plan is None or not step.startswith(("o", "u")) or not step[1:].isdigit():
            raise NotFound("recovery plan", context.run_id)
        status = action.selected if isinstance(action.selected, str) else action.value
        if step.startswith("u"):  # a department of a lost account's map
            opportunity, changed = self.recovery.set_unit_status(action.user_id, int(step[1:]), status or "")
            opportunity = _UnitAsOpportunity(f"u{opportunity.id}", opportunity.name, opportunity.value, opportunity.status)
        else:
            opportunity, changed = self.recovery.set_status(action.user_id, int(step[1:]), status or "")
        if not changed:
            return  # a double click, or the status it already had
        stamp = action.action_ts or secrets.token_hex(6)
        if plan.message_key:
            view = self.recovery.view(action.user_id)
            text, blocks = messages.plan_blocks(view, self.renderer, plan.run_id)
            outbox.enqueue(self.store, f"{plan.message_key}:update:{opportunity.id}:{stamp}", "chat.update",
                           {"text": text, "blocks": blocks, "_update_of": plan.message_key},
                           run_id=plan.run_id, team=plan.team)
        if opportunity.status == "won":
            view = self.recovery.view(action.user_id)
            note = self.say("won", name=opportunity.name, amount=opportunity.amount,
                            progress=view.progress.to_dict() if view.progress else None)
            outbox.enqueue(self.store, f"recover-won:{opportunity.id}:{stamp}", "chat.postMessage",
                           {"channel": action.user_id, "text": blocks_fallback(note), "blocks": note_blocks(note),
                            "unfurl_links": False}, run_id=plan.run_id, team=plan.team)

    # -- subcommands -------------------------------------------------------------------------------

    def guarded(self, handler: SubcommandHandler) -> SubcommandHandler:
        """A subcommand run in one transaction, a refusal told to the person instead of raised."""
        return lambda user_id, rest: self._guard(handler, user_id, rest)

    def _guard(self, handler: SubcommandHandler, user_id: str, rest: str) -> Reply:
        try:
            with self.store.transaction():
                return handler(user_id, rest)
        except ActionRefused as exc:
            return Reply(self.say("refused", message=exc.message))
        except DomainError as exc:
            return Reply(self.say("refused", message=getattr(exc, "message", None) or str(exc)))

    def weights_command(self, user_id: str, rest: str) -> Reply:
        words = rest.strip()
        first, _, after = words.partition(" ")
        verb = first.lower()
        team = self.recovery.team_of(user_id)
        if team is None:
            raise ActionRefused("no_team", "You're not on a team in Rebound's teams file yet; ask your manager to add you.")
        changed = None
        if verb in ("", "show", "help"):
            pass
        elif verb in ("reset", "clear"):
            self.recovery.clear_own_weights(user_id)
            changed = "cleared"
        elif verb == "lock":
            weights = parse_weights(after, self.recovery.factors(team.id)) if after.strip() else None
            self.recovery.lock_weights(user_id, weights)
            changed = "locked"
        elif verb == "unlock":
            self.recovery.unlock_weights(user_id)
            changed = "unlocked"
        else:
            self.recovery.set_own_weights(user_id, parse_weights(words, self.recovery.factors(team.id)))
            changed = "saved"
        info = self.recovery.weights(team.id, user_id)
        managed = [t.id for t in self.teams.managed_by(user_id)]
        return Reply(self.say("weights", team=team.name, info={
            "source": info.source, "members": info.members, "locked_by": info.locked_by, "own": info.own,
            "percents": info.percents(), "own_percents": info.own_percents()}, changed=changed, is_manager=team.id in managed))

    def import_command(self, user_id: str, rest: str) -> Reply:
        if not rest.strip():
            return Reply(self.say("import", outcome=None))
        outcome = self.recovery.import_csv(user_id, rest)
        return Reply(self.say("import", outcome={
            "added": outcome.added, "updated": outcome.updated, "ignored_columns": list(outcome.ignored_columns),
            "errors": [str(error) for error in outcome.errors[:MAX_IMPORT_ERRORS_SHOWN]],
            "more_errors": max(len(outcome.errors) - MAX_IMPORT_ERRORS_SHOWN, 0),
            "currencies": list(outcome.currencies)}))

    def threshold_command(self, user_id: str, rest: str) -> Reply:
        team = self.recovery.team_of(user_id)
        if not rest.strip():
            return Reply(self.say("threshold", share=self.recovery.threshold(team.id if team else None), teams=None))
        share = parse_threshold(rest)
        teams = self.recovery.set_threshold(user_id, share)
        return Reply(self.say("threshold", share=share, teams=[t.name for t in teams]))

    def rate_command(self, user_id: str, rest: str) -> Reply:
        """`/recover rate` with words after it (a bare one opens the rating window instead)."""
        return Reply(self.say("rate_hint"))

    def plan_command(self, user_id: str, rest: str) -> Reply:
        plan = rs.latest_plan(self.store, user_id)
        if plan is None:
            return Reply(self.say("no_plan"))
        key = f"recover-plan:{plan.run_id}:again:{secrets.token_hex(6)}"
        self._post_plan_message(plan.run_id, user_id, user_id, key)
        return Reply(self.say("plan_posted"))
