"""Recording how a pilot ended: the outcome and what was measured, the action agreed for it,
the cost of the mistake when the deal is lost or only partly saved, and the debrief offer.

Each handler is an ``ActionHook`` handler (bot.flows.hooks): it runs inside the transaction that
claimed the click, checks that the clicker owns the pilot, and refuses a stale or repeated
click through the outcome round (a form answered once is never answered twice).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from bot import clock, ids
from bot.conversation.inputs import ActionInput, Reply, ViewAck, ViewInput
from bot.domain.costs import mistake_cost
from bot.domain.errors import CurrencyMismatch, DomainError
from bot.engine.answers import parse_answer
from bot.engine.model import ListField, Step, Validation
from bot.errors import ActionRefused, AnswerRejected
from bot.flows.pilots import LOSING_ACTIONS, OUTCOME_LABELS, OUTCOMES
from bot.flows.pilots import agreement as docs
from bot.flows.pilots import messages
from bot.flows.pilots.service import PilotFlow
from bot.render import blocks as bk
from bot.render import modals
from bot.store import pilots as pilot_store
from bot.store.pilots import Pilot, PilotOutcome
from bot.store import runs as run_store
from bot.store.runs import Run

log = logging.getLogger("rebound.pilots")

# The cost form is parsed like any answer, so "40", "1.5k" and "$500" read the same as in a conversation.
HOURS = Step(id="hours", ask="Hours spent", type="list", fields=[
    ListField(id="who", label="Name"),
    ListField(id="hours", label="Hours", type="number", validation=Validation(min=0)),
    ListField(id="hourly_cost", label="Hourly cost", type="currency", validation=Validation(min=0)),
], validation=Validation(min_items=1, max_items=30))
RECOVERED = Step(id="recovered", ask="Deal value recovered", type="currency", validation=Validation(min=0))


def _round(context: ids.ActionValue, tag: str) -> int:
    name, _, number = (context.step_id or "").partition(":")
    if name != tag or not number.isdigit():
        raise ActionRefused("stale", f"not a {tag} button")
    return int(number)


class OutcomeRecorder:
    def __init__(self, flow: PilotFlow):
        self.flow = flow
        self.store = flow.store
        self.tools = flow.tools

    # -- which outcome happened -------------------------------------------------------------

    def outcome_view(self, user_id: str, clicked: ids.ActionValue | None, rest: str) -> dict[str, Any] | Reply:
        """The modal behind "Record the outcome": the measured value of each criterion, and which outcome."""
        if clicked is None:
            raise ActionRefused("stale", "no pilot named")
        round_ = _round(clicked, "outcome")
        pilot = self.flow.owned(clicked.run_id, user_id)
        if not pilot.live or pilot.outcome_round + 1 != round_:
            return Reply(self.flow.say("outcome_recorded_already", account=pilot.account))
        run = run_store.get_run(self.store, clicked.run_id)
        ctx = self.flow.context(run, pilot)
        title = self.flow.renderer.render("pilot-plan/outcome_title.md.j2", ctx, plain=True)
        return messages.outcome_modal(run.id, round_, title, ctx.get("criteria") or [], OUTCOMES)

    def on_outcome(self, view: ViewInput) -> ViewAck:
        context = ids.ActionValue.decode(view.private_metadata)
        if context is None:
            return ViewAck("clear")
        outcome = modals.read_state_by_block(view.state_values).get(messages.OUTCOME_BLOCK)
        if outcome not in OUTCOME_LABELS:
            return ViewAck("errors", errors={messages.OUTCOME_BLOCK: "Please pick what happened."})
        try:
            self._record_outcome(view.user_id, ids.ActionValue(context.run_id, context.step_id, outcome),
                                 view.state_values)
        except ActionRefused as exc:
            log.info("outcome not recorded: %s", exc.reason)
        return ViewAck("clear")

    def _record_outcome(self, user_id: str, context: ids.ActionValue, state_values: Any) -> None:
        round_ = _round(context, "outcome")
        outcome = context.value
        if outcome not in OUTCOME_LABELS:
            raise ActionRefused("stale", "unknown outcome")
        pilot = self.flow.owned(context.run_id, user_id)
        if not pilot.live or pilot.outcome_round + 1 != round_:
            raise ActionRefused("stale", "this outcome was recorded already")
        if pilot.current_run_id != context.run_id:  # the plan was edited after this form was sent
            self.flow.note(self.flow.current_run(pilot), self.flow.say("form_outdated", account=pilot.account))
            self.flow.post_outcome_form(pilot, key=f"pilot_form:{pilot.id}:{round_}:v{pilot.version}")
            return
        run = self.flow.current_run(pilot)
        ctx = self.flow.context(run, pilot)
        measurements = [
            {"metric": c.get("metric"), "target": c.get("target"), "baseline": c.get("baseline"),
             "measured_by": c.get("measured_by"),
             "measured": messages.typed_value(state_values, messages.MEASURE_BLOCK.format(index))}
            for index, c in enumerate(ctx.get("criteria") or [])
        ]
        agreed = ctx.get(f"{outcome}_action")
        decider = ctx.get(f"{outcome}_decider")
        if not pilot_store.record_outcome(self.store, pilot.id, round=round_, run_id=run.id, outcome=outcome,
                                          agreed_action=agreed, decided_by=decider, measurements=measurements,
                                          recorded_by=user_id):
            raise ActionRefused("stale", "this outcome was recorded already")
        recorded = pilot_store.outcomes(self.store, pilot.id)[-1]
        line = self.flow.say("outcome_line", outcome_label=OUTCOME_LABELS[outcome], measurements=measurements)
        for key in pilot.meta.get("form_keys", []):
            self.flow.retire(key, line, run)
        if agreed:
            self.decide(pilot, run, recorded, agreed)
            return
        # Nothing was agreed for this outcome (an open item): the rep says what happens now.
        text = self.flow.say("no_action_agreed", **ctx, outcome_label=OUTCOME_LABELS[outcome])
        choices = [(option.value, option.label) for option in self.flow.playbook.step(f"{outcome}_action").options]
        key = f"pilot_action_form:{pilot.id}:{round_}"
        self.flow.post(key, run.user_id, text, messages.action_choice(run.id, round_, text, choices), run)
        pilot_store.update_meta(self.store, pilot.id, {"action_key": key})

    def on_action(self, action: ActionInput, context: ids.ActionValue) -> None:
        """The rep's answer to "nothing was agreed for this outcome: what happens now?"."""
        round_ = _round(context, "action")
        pilot = self.flow.owned(context.run_id, action.user_id)
        recorded = next((o for o in pilot_store.outcomes(self.store, pilot.id) if o.round == round_), None)
        choices = {option.value for option in self.flow.playbook.step("all_met_action").options}
        if recorded is None or recorded.action is not None or context.value not in choices or not pilot.live:
            raise ActionRefused("stale", "this outcome has its action already")
        run = self.flow.current_run(pilot)
        label = docs.option_label(self.flow.playbook, "all_met_action", context.value)
        self.flow.retire(pilot.meta.get("action_key"), self.flow.say("action_line", action_label=label), run)
        self.decide(pilot, run, recorded, context.value)

    def decide(self, pilot: Pilot, run: Run, recorded: PilotOutcome, action: str) -> None:
        """Act on what was agreed: close the pilot or extend it, tell the rep and the team, and
        when the deal is lost or only partly saved, ask what it cost and offer a debrief."""
        ctx = self.flow.context(run, pilot)
        extension = ctx.get("extension_end") if action == "extend" else None
        new_end = extension if extension and extension > pilot.end_date else None
        status = pilot_store.EXTENDED if action == "extend" else pilot_store.CLOSED
        if not pilot_store.decide(self.store, pilot.id, round=recorded.round, action=action, status=status,
                                  end_date=new_end):
            raise ActionRefused("stale", "decided already")
        pilot = pilot_store.get(self.store, pilot.id)
        self.flow.stop_reminders(pilot)  # whatever is left of this pilot's reminders is moot now
        if new_end:
            self.flow.schedule_outcome_prompt(pilot, run, date.fromisoformat(new_end))
        losing = action in LOSING_ACTIONS
        facts = {**ctx, "outcome_label": OUTCOME_LABELS[recorded.outcome], "outcome": recorded.outcome,
                 "action": action, "action_label": docs.option_label(self.flow.playbook, "all_met_action", action),
                 "agreed": recorded.agreed_action == action, "decider": recorded.decided_by,
                 "measurements": recorded.measurements, "new_end": new_end, "losing": losing,
                 "can_debrief": losing and "debrief" in self.tools.playbooks}
        for_rep = self.flow.renderer.render("pilot-plan/outcome.md.j2", {**facts, "audience": "rep"})
        key = f"pilot_result:{pilot.id}:{recorded.round}"
        self.flow.post(key, run.user_id, for_rep, messages.result(run.id, for_rep, offer_debrief=facts["can_debrief"]),
                       run)
        pilot_store.update_meta(self.store, pilot.id, {"result_key": key, "result_text": for_rep})
        self.flow.to_team(run, self.flow.renderer.render("pilot-plan/outcome.md.j2", {**facts, "audience": "team"}),
                          key=f"pilot_outcome:{pilot.id}:{recorded.round}")
        if losing:
            self.post_cost_form(pilot, run, ctx, recorded.round, action)

    # -- the cost of the mistake ----------------------------------------------------------------

    def post_cost_form(self, pilot: Pilot, run: Run, ctx: dict[str, Any], round_: int, action: str) -> None:
        intro = self.flow.renderer.render("pilot-plan/cost_form.md.j2", {**ctx, "action": action})
        title = self.flow.renderer.render_string("What did the {{ account }} pilot cost?", ctx, plain=True)
        key = f"pilot_cost_form:{pilot.id}:{round_}"
        self.flow.post(key, run.user_id, title, messages.cost_form(run.id, round_, title, intro), run)
        pilot_store.update_meta(self.store, pilot.id, {"cost_form_key": key, "cost_action": action})

    def cost_view(self, user_id: str, clicked: ids.ActionValue | None, rest: str) -> dict[str, Any] | Reply:
        """The modal behind "Record the cost" (a :class:`bot.flows.hooks.ModalHook` view)."""
        if clicked is None:
            raise ActionRefused("stale", "no pilot named")
        round_ = _round(clicked, "cost")
        pilot = self.flow.owned(clicked.run_id, user_id)
        if pilot.cost is not None and pilot.cost.get("round") == round_:
            return Reply(self.flow.say("cost_recorded_already", account=pilot.account))
        run = self.flow.current_run(pilot)
        ctx = self.flow.context(run, pilot)
        title = self.flow.renderer.render_string("What did the {{ account }} pilot cost?", ctx, plain=True)
        people = [person.get("name") for person in ctx.get("our_team") or [] if person.get("name")]
        example = f"{people[0] if people else 'Aisha Karim'} | 40 | 500"
        full_value = self.flow.renderer.render_string("{{ deal_value | money }}", ctx, plain=True)
        recovered = "0" if pilot.meta.get("cost_action") == "stop" else None
        return messages.cost_modal(run.id, round_, title, full_value=full_value, recovered=recovered, example=example)

    def _plain(self, what: str, **context: Any) -> str:
        """A line of notes.md.j2 as plain text: a modal's error is not mrkdwn."""
        return self.flow.renderer.render("pilot-plan/notes.md.j2", {"what": what, **context}, plain=True).strip()

    def on_cost(self, view: ViewInput) -> ViewAck:
        """The cost modal submitted: parsed like any answer ("40", "1.5k", "$500"), refused beside the
        field that is wrong (in the words the DM used), recorded once."""
        context = ids.ActionValue.decode(view.private_metadata)
        if context is None:
            return ViewAck("clear")
        round_ = _round(context, "cost")
        pilot = self.flow.owned(context.run_id, view.user_id)
        if pilot.cost is not None and pilot.cost.get("round") == round_:
            return ViewAck("clear")
        run = self.flow.current_run(pilot)
        full_value = pilot.deal_value or {"amount": 0, "currency": "USD"}
        currency = full_value.get("currency", "USD")
        today = self.flow.conversations.today_for(run)
        errors: dict[str, str] = {}
        people = recovered = None
        try:
            people = parse_answer(HOURS, messages.typed_value(view.state_values, messages.HOURS_BLOCK),
                                  today=today, default_currency=currency)
        except AnswerRejected as exc:
            errors[messages.HOURS_BLOCK] = self._plain("cost_rejected", message=exc.message)
        try:
            recovered = parse_answer(RECOVERED, messages.typed_value(view.state_values, messages.RECOVERED_BLOCK),
                                     today=today, default_currency=currency)
        except AnswerRejected as exc:
            errors[messages.RECOVERED_BLOCK] = self._plain("cost_rejected", message=exc.message)
        if errors:
            return ViewAck("errors", errors=errors)
        try:
            cost = mistake_cost(people, full_value, recovered)
        except CurrencyMismatch as exc:
            message = self._plain("cost_currency", expected=exc.expected, got=exc.got)
            block = messages.RECOVERED_BLOCK if recovered and recovered.get("currency") != currency \
                else messages.HOURS_BLOCK
            return ViewAck("errors", errors={block: message})
        except DomainError as exc:  # e.g. more recovered than the deal was worth
            message = self._plain("cost_rejected", message=getattr(exc, "message", str(exc)))
            return ViewAck("errors", errors={messages.RECOVERED_BLOCK: message})
        record = {**cost.to_dict(), "round": round_, "recorded_by": view.user_id, "recorded_at": clock.now_iso()}
        pilot_store.record_cost(self.store, pilot.id, record)
        ctx = {**self.flow.context(run, pilot), "cost": record}
        self.flow.retire(pilot.meta.get("cost_form_key"),
                         self.flow.renderer.render("pilot-plan/cost.md.j2", {**ctx, "audience": "rep"}), run)
        self.flow.to_team(run, self.flow.renderer.render("pilot-plan/cost.md.j2", {**ctx, "audience": "team"}),
                          key=f"pilot_cost:{pilot.id}:{round_}")
        return ViewAck("clear")

    # -- a debrief prefilled with the pilot's facts -------------------------------------------

    def on_debrief(self, action: ActionInput, context: ids.ActionValue) -> None:
        pilot = self.flow.owned(context.run_id, action.user_id)
        run = self.flow.current_run(pilot)
        if pilot.debrief_run_id:
            self.flow.note(run, self.flow.say("debrief_started_already", account=pilot.account))
            return
        outcomes = pilot_store.outcomes(self.store, pilot.id)
        if not outcomes or outcomes[-1].action not in LOSING_ACTIONS:  # the button is only offered after a loss
            raise ActionRefused("stale", "no lost outcome to debrief")
        ctx = self.flow.context(run, pilot)
        recorded = outcomes[-1]
        story = self.flow.renderer.render("pilot-plan/debrief_facts.md.j2", {
            **ctx, "outcome_label": OUTCOME_LABELS[recorded.outcome], "measurements": recorded.measurements,
            "action_label": docs.option_label(self.flow.playbook, "all_met_action", recorded.action)}, plain=True)
        prefill = {"deal": bk.clip(f"{ctx['account']}: {ctx['deal']}", 120), "amount": ctx.get("deal_value"),
                   "primary_reason": "pilot_failed", "what_happened": bk.clip(story, 3000)}
        started = self.flow.conversations.start("debrief", action.user_id, source="slack", prefill_answers=prefill,
                                                meta={"pilot_id": pilot.id})
        if started.resumed_existing is not None:
            self.flow.note(run, self.flow.say("debrief_busy"))
            return
        self.tools.screens.begin(started.turn)
        pilot_store.link_debrief(self.store, pilot.id, started.turn.run.id)
        text = pilot.meta.get("result_text") or ""
        self.flow.retire(pilot.meta.get("result_key"), text + "\n" + self.flow.say("debrief_opened"), run)

