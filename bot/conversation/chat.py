"""The conversation as Slack DM messages: one question per message, answered ones updated in
place, a review card, and the summary on submit.

Listeners call these methods after acknowledging. Each method changes state and queues its
Web API calls in the outbox in one transaction, so a Slack retry or a double click changes
state once, and a crash never leaves a half-sent conversation. The outbox sender (a
background worker, or ``drain()`` in tests) does the talking.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import ids, logs
from bot.conversation.conversations import Conversations, Turn
from bot.engine import answers as answer_parsing
from bot.engine import runner
from bot.errors import ActionRefused, AnswerRejected, Forbidden, NotFound
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.render.templates import Renderer
from bot.store import outbox
from bot.store import runs as run_store
from bot.store.runs import Run
from bot.conversation.submissions import Submissions
from bot.files.teams import Teams

log = logging.getLogger("rebound.chat")

MAX_TYPED_ANSWER = 20_000  # characters; a paste longer than this is refused before parsing


@dataclass
class Reply:
    """What the listener acknowledges with (an ephemeral message in the channel)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Prefill:
    """Answers a flow gives a run it starts from what it already knows (the loss from the latest
    debrief), the run's meta, and a note (mrkdwn, already escaped) shown after the intro."""

    answers: dict[str, Any]
    meta: dict[str, Any] | None = None
    note: str | None = None


@dataclass
class ActionInput:
    """One block action, reduced to what Rebound reads from it."""

    user_id: str
    action_id: str
    block_id: str | None
    value: str | None = None
    selected: Any = None  # selected option value / date / user / list of values
    state_values: Mapping[str, Any] = field(default_factory=dict)
    action_ts: str | None = None
    channel_id: str | None = None


class Chat:
    def __init__(self, conversations: Conversations, submissions: Submissions, renderer: Renderer, teams: Teams,
                 wake: Callable[[], None] = lambda: None):
        self.conversations = conversations
        self.submissions = submissions
        self.renderer = renderer
        self.teams = teams
        self.store = conversations.store
        self.wake = wake
        # Flows register their own buttons here (a manager's "Mark reviewed", a pilot's outcome):
        # action kind -> handler(action, context). Handlers run inside a transaction, after the
        # delivery is claimed, and check themselves who may act.
        self.extra_actions: dict[str, Callable[[ActionInput, ids.ActionValue], None]] = {}
        # Words after a command that start something other than the playbook (`/recover weights`):
        # (command, first word) -> handler(user_id, rest of text) -> Reply.
        self.subcommands: dict[tuple[str, str], Callable[[str, str], Reply]] = {}
        # A bare slash command prefilled from what a flow already knows (/recover from the latest
        # debrief): playbook id -> provider(user_id) -> Prefill or None. Words after the command win.
        self.prefills: dict[str, Callable[[str], Prefill | None]] = {}
        # Messages a flow posts in the DM after a run's summary (the ranked recovery plan, an offer to
        # debrief): hook(run), called inside the submit transaction, after the summary is queued.
        self.after_summary: list[Callable[[Run], None]] = []
        # App Home sections a flow adds (recovery progress, check-backs):
        # provider(user_id) -> [(title, [(mrkdwn line, run id or None)])].
        self.home_sections: list[Callable[[str], list[tuple[str, list[tuple[str, str | None]]]]]] = []
        # Extra text on a playbook's review card (a pilot plan's open items, before Submit):
        # playbook id -> note(run, template context) -> mrkdwn already escaped, or None.
        self.review_notes: dict[str, Callable[[Run, dict[str, Any]], str | None]] = {}

    # -- text ------------------------------------------------------------------------------

    def say(self, name: str, **context: Any) -> str:
        """A line the bot says, from ``prompts/slack/<name>.md.j2`` (escaped for mrkdwn)."""
        return self.renderer.render(f"slack/{name}.md.j2", context)

    def _post(self, key: str, channel: str, text: str, blocks: list[dict[str, Any]], run: Run | None = None) -> None:
        payload = {"channel": channel, "text": bk.fallback_text(text) or "Rebound", "blocks": blocks,
                   "unfurl_links": False, "unfurl_media": False}
        outbox.enqueue(self.store, key, "chat.postMessage", payload, run_id=run.id if run else None,
                       team=run.team if run else None)

    def _update(self, key: str, of_key: str, text: str, blocks: list[dict[str, Any]], run: Run) -> None:
        """Replace a message posted earlier through the outbox; the sender fills in its channel and ts."""
        payload = {"text": bk.fallback_text(text) or "Rebound", "blocks": blocks, "_update_of": of_key}
        outbox.enqueue(self.store, key, "chat.update", payload, run_id=run.id, team=run.team)

    def _note(self, user_id: str, text: str, run: Run | None = None) -> None:
        self._post(f"note:{user_id}:{secrets.token_hex(6)}", self._dm(run, user_id), text, sm.note_blocks(text), run)

    @staticmethod
    def _dm(run: Run | None, user_id: str) -> str:
        # Posting to a user id lands in the app's DM with them; Slack answers with the D... channel.
        return (run.meta.get("dm") if run else None) or user_id

    # -- showing a run ----------------------------------------------------------------------

    def _seq(self, run: Run) -> int:
        return int(run.meta.get("seq", 0)) + 1

    def _retire_screen(self, run: Run, text: str, blocks: list[dict[str, Any]], seq: int) -> None:
        """Turn the message on screen into a transcript line (no buttons left to click twice)."""
        shown = run.meta.get("screen_key")
        if shown:
            self._update(f"{shown}:done:{seq}", shown, text, blocks, run)

    def _show(self, turn: Turn, *, retire: tuple[str, list[dict[str, Any]]] | None = None,
              again: str | None = None) -> None:
        """Post what comes next (a question or the review card) and remember which message it is.

        ``again`` (Resume, naming the offer clicked) posts the screen on record once more
        without moving on, under a key fixed by that screen and that offer: a double click
        on one Resume button posts it once.
        """
        run = turn.run
        seq = self._seq(run)
        if retire is not None:
            self._retire_screen(run, retire[0], retire[1], seq)
        key = f"screen:{run.id}:{seq}"
        if again is not None:
            seq = int(run.meta.get("seq", 0))
            key = f"screen:{run.id}:{seq}:again:{again}"
        ctx = self.conversations.template_context(run)
        if turn.question is None:
            items = self.conversations.review(run)
            rows = [(i.step.id, self._label(i.step, ctx, mrkdwn=True), i.display, i.skipped) for i in items]
            missing = [self._label(step, ctx) for step in self.conversations.missing(run)]
            blocks = sm.review_blocks(run.id, turn.playbook.title, rows, missing)
            note = self.review_notes[run.playbook](run, ctx) if run.playbook in self.review_notes else None
            if note:  # review_blocks leaves room for one more block; the note goes just above Submit
                blocks[-1:-1] = bk.text_blocks(note)[:1]
            text = f"Review your {turn.playbook.title.lower()}"
            screen = "review"
        else:
            blocks, text = self._question(turn, ctx)
            screen = turn.question.id
        self._post(key, self._dm(run, run.user_id), text, blocks, run)
        run_store.update_meta(self.store, run.id, {"seq": seq, "screen_key": key, "screen": screen})

    def _label(self, step, ctx, *, mrkdwn: bool = False) -> str:
        """A question as a label: escaped for a mrkdwn field, or plain for text that is escaped later."""
        return bk.clip(self.renderer.render_string(step.ask, ctx, plain=not mrkdwn), 200)

    def _question(self, turn: Turn, ctx: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        step = turn.question
        questions = runner.visible_questions(turn.playbook, turn.state)
        position = next((i for i, q in enumerate(questions, 1) if q.id == step.id), 1)
        current = None
        if step.id in turn.state.answers and step.id not in turn.state.skipped:
            current = answer_parsing.format_answer(step, turn.state.answers[step.id])
        view = sm.QuestionView(
            run_id=turn.run.id, step=step, ask=self.renderer.render_string(step.ask, ctx),
            help=self.renderer.render_string(step.help, ctx) if step.help else None, position=position,
            total=len(questions), expected=answer_parsing.expected(step), current=current, can_go_back=position > 1,
        )
        # The notification text is mrkdwn too: an answer quoted in the question stays escaped.
        return sm.question_blocks(view), view.ask

    def _answered_line(self, turn_before: Turn, step_id: str, value: Any) -> tuple[str, list[dict[str, Any]]]:
        step = turn_before.playbook.step(step_id)
        ctx = self.conversations.template_context(turn_before.run)
        ask = self.renderer.render_string(step.ask, ctx)
        display = answer_parsing.format_answer(step, value) if value is not None else ""
        return ask, sm.answered_blocks(ask, display, skipped=value is None)

    # -- entry points -----------------------------------------------------------------------

    def command(self, command: str, user_id: str, text: str) -> Reply:
        """A slash command: help, resume offer, or a new run whose first question goes to the DM."""
        playbook = self.conversations.playbook_for_command(command)
        words = (text or "").strip()
        if words.lower() in ("help", "?"):
            return Reply(self.say("help", playbook=playbook.model_dump(), command=command))
        first_word, rest = (words.split(maxsplit=1) + ["", ""])[:2]  # `/recover import` then a pasted file
        sub = self.subcommands.get((command, first_word.lower()))
        if sub is not None:
            reply = sub(user_id, rest.strip())
            self.wake()
            return reply
        if self.teams.team_of(user_id) is None:
            return Reply(self.say("no_team", playbook=playbook.model_dump()))
        if len(words) > MAX_TYPED_ANSWER:
            return Reply(self.say("too_long", limit=MAX_TYPED_ANSWER))
        with self.store.transaction():
            provider = self.prefills.get(playbook.id)
            prefill = provider(user_id) if provider is not None and not words else None
            started = self.conversations.start(playbook.id, user_id, source="slack",
                                               prefill_answers=prefill.answers if prefill else None,
                                               meta=prefill.meta if prefill else None)
            logs.bind(run_id=(started.resumed_existing or started.turn.run).id)
            if started.resumed_existing is not None:
                run = started.resumed_existing
                text_ = self.say("resume_offer", playbook=playbook.model_dump(), answered=len(run.answers),
                                 started_at=run.started_at[:10])
                return Reply(text_, _offer_once(sm.resume_blocks(run.id, text_)))
            self._begin(started.turn, prefill=words, note=prefill.note if prefill else None)
        self.wake()
        return Reply(self.say("opened", playbook=playbook.model_dump()))

    def begin(self, turn: Turn) -> None:
        """Show a run a flow started (an edit prefilled from a plan, a debrief offered after a pilot):
        its intro, then its first question or review card. Call inside the flow's transaction."""
        self._begin(turn)

    def _begin(self, turn: Turn, *, prefill: str = "", note: str | None = None) -> None:
        """Intro (and a flow's note), then the first question (answered by the command's text when it fits)."""
        run = turn.run
        intro = self.renderer.render_string(turn.playbook.intro, self.conversations.template_context(run))
        self._post(f"intro:{run.id}", self._dm(run, run.user_id), intro, sm.note_blocks(intro), run)
        if note:
            self._post(f"intro-note:{run.id}", self._dm(run, run.user_id), note, sm.note_blocks(note), run)
        if prefill and turn.question is not None:
            first = turn.question
            try:
                turn = self.conversations.answer(run.id, run.user_id, prefill, step_id=first.id)
                ask, line = self._answered_line(turn, first.id, turn.value)
                self._post(f"prefill:{run.id}", self._dm(run, run.user_id), ask, line, run)
            except AnswerRejected as exc:
                self._note(run.user_id, self.say("prefill_rejected", text=prefill, message=exc.message), run)
        self._show(turn)

    def dm(self, user_id: str, channel: str, text: str, event_id: str | None) -> None:
        """A message the person typed in our DM: the answer to the question on screen."""
        with self.store.transaction():
            if event_id and not run_store.claim_delivery(self.store, f"event:{event_id}"):
                logs.bind(duplicate=True)
                return  # Slack's retry of an event already handled
            run = self._focused_run(user_id)
            logs.bind(run_id=run.id if run else None)
            if run is None:
                self._note(user_id, self.say("nothing_open", commands=self._commands()))
                self.wake()
                return
            if run.meta.get("dm") != channel and channel:
                run_store.update_meta(self.store, run.id, {"dm": channel})
                run = run_store.get_run(self.store, run.id)
            self._answer(run, user_id, text)
        self.wake()

    def _focused_run(self, user_id: str) -> Run | None:
        active = run_store.list_runs(self.store, user_id=user_id, status="active", with_answers=False)
        active = [run for run in active if run.source == "slack"]
        if not active:
            return None
        chosen = max(active, key=lambda run: run.updated_at)
        return run_store.get_run(self.store, chosen.id)

    def _answer(self, run: Run, user_id: str, raw: Any, *, step_id: str | None = None) -> None:
        before = self.conversations.turn(run)
        if before.question is None:
            self._note(user_id, self.say("at_review"), run)
            return
        if isinstance(raw, str) and len(raw) > MAX_TYPED_ANSWER:
            self._note(user_id, self.say("too_long", limit=MAX_TYPED_ANSWER), run)
            return
        try:
            turn = self.conversations.answer(run.id, user_id, raw, step_id=step_id)
        except AnswerRejected as exc:
            self._note(user_id, self.say("reask", message=exc.message, expected=answer_parsing.expected(before.question)), run)
            return
        for warning in turn.warnings:
            self._note(user_id, self.say("warning", message=warning), turn.run)
        self._show(turn, retire=self._answered_line(turn, turn.answered, turn.value))

    def action(self, action: ActionInput) -> None:
        """A button, select or picker in our messages. Forged, stale and double clicks change nothing."""
        kind = ids.base_action(action.action_id)
        if kind == ids.MULTI_TOGGLE:
            return  # the selection is read from the message state when Done is clicked
        logs.bind(action=kind)
        context = ids.ActionValue.decode(action.block_id) or ids.ActionValue.decode(action.value)
        if context is None:
            log.info("ignored action without a Rebound context action_id=%s", kind)
            return
        logs.bind(run_id=context.run_id)
        with self.store.transaction():
            if action.action_ts and not run_store.claim_delivery(
                    self.store, f"action:{action.user_id}:{action.action_ts}:{action.action_id}"):
                logs.bind(duplicate=True)
                return
            extra = self.extra_actions.get(kind)
            if extra is not None:
                try:
                    extra(action, context)
                except (ActionRefused, Forbidden, NotFound) as exc:
                    log.info("refused %s action: %s", kind, exc)
                    if isinstance(exc, Forbidden):
                        self._note(action.user_id, self.say("not_yours"))
                self.wake()
                return
            try:
                run = self.conversations.load(context.run_id, action.user_id)
            except NotFound:
                log.info("ignored action for unknown run")
                return
            except Forbidden:
                log.warning("refused action on another user's run user=%s run=%s", action.user_id, context.run_id)
                self._note(action.user_id, self.say("not_yours"))
                self.wake()
                return
            try:
                self._dispatch(kind, run, context, action)
            except ActionRefused as exc:
                if exc.reason not in ("stale", "submitted", "cancelled", "malformed"):
                    self._note(action.user_id, exc.message, run)
                else:
                    log.info("ignored %s action on run %s: %s", kind, run.id, exc.reason)
        self.wake()

    def _dispatch(self, kind: str, run: Run, context: ids.ActionValue, action: ActionInput) -> None:
        user_id = action.user_id
        on_screen = context.step_id
        if kind in (ids.ANSWER, ids.SELECT, ids.DATE, ids.USER, ids.MULTI_DONE, ids.BACK, ids.SKIP):
            self._require_screen(run, on_screen)
        if kind in (ids.ANSWER, ids.SELECT, ids.DATE, ids.USER):
            raw = action.value if kind == ids.ANSWER else action.selected
            if not isinstance(raw, str):  # Slack always sends the value; this payload was not Slack's
                raise ActionRefused("malformed", "no value")
            self._answer(run, user_id, raw, step_id=on_screen)
        elif kind == ids.MULTI_DONE:
            self._answer(run, user_id, self._multi_selection(action), step_id=on_screen)
        elif kind == ids.BACK:
            before = self.conversations.turn(run)
            turn = self.conversations.back(run.id, user_id)
            self._show(turn, retire=(before.question.ask if before.question else "Review",
                                     sm.note_blocks("↩ Went back to an earlier question.")))
        elif kind == ids.SKIP:
            before = self.conversations.turn(run)
            step_id = before.question.id if before.question else None
            turn = self.conversations.skip(run.id, user_id)
            self._show(turn, retire=self._answered_line(before, step_id, None) if step_id else None)
        elif kind == ids.EDIT:
            if run.meta.get("screen") != "review" or not on_screen:
                raise ActionRefused("stale", "stale edit")
            turn = self.conversations.edit(run.id, user_id, on_screen)
            self._show(turn, retire=("Editing", sm.note_blocks("✏️ Editing an answer…")))
        elif kind == ids.SUBMIT:
            self._submit(run, user_id)
        elif kind == ids.CANCEL:
            if not run.active:
                raise ActionRefused(run.status, "already over")
            self.conversations.cancel(run.id, user_id)
            text = self.say("cancelled", playbook=self.conversations.playbook(run.playbook).model_dump())
            self._retire_screen(run, text, sm.note_blocks(text), self._seq(run))
        elif kind in (ids.RESUME, ids.OPEN_RUN):
            if not run.active:
                raise ActionRefused(run.status, "already over")
            self._show(self.conversations.turn(run), retire=None, again=context.value or "")
        elif kind == ids.START_OVER:
            if not run.active:  # a second click: the first one already started over
                raise ActionRefused(run.status, "already over")
            started = self.conversations.start(run.playbook, user_id, source="slack", start_over=True)
            self._begin(started.turn)
        else:
            log.info("ignored unknown action %s", kind)

    @staticmethod
    def _require_screen(run: Run, step_id: str | None) -> None:
        """A click on a message that is no longer the one on screen (double click, old message) is stale."""
        if not run.active:
            raise ActionRefused(run.status, "over")
        if step_id is None or run.meta.get("screen") != step_id:
            raise ActionRefused("stale", "stale click")

    @staticmethod
    def _multi_selection(action: ActionInput) -> list[str]:
        for block in action.state_values.values():
            if not isinstance(block, Mapping):
                continue
            for element_id, element in block.items():
                if ids.base_action(str(element_id)) == ids.MULTI_TOGGLE and isinstance(element, Mapping):
                    selected = element.get("selected_options") or []
                    return [o.get("value") for o in selected if isinstance(o, Mapping) and isinstance(o.get("value"), str)]
        return []

    def _submit(self, run: Run, user_id: str) -> None:
        if run.meta.get("screen") != "review":
            raise ActionRefused("stale", "not at review")
        result = self.submissions.submit(run.id, user_id)
        if result.already:
            raise ActionRefused("submitted", "already submitted")
        playbook = self.conversations.playbook(run.playbook)
        ctx = self.conversations.template_context(result.run)
        summary = self.renderer.render(playbook.on_submit.summary, ctx)
        done = self.say("submitted", playbook=playbook.model_dump(),
                        shared=[d.to for d in result.deliveries if d.channel],
                        not_shared=[d.skipped_reason for d in result.deliveries if d.skipped_reason])
        self._retire_screen(run, done, sm.note_blocks(done), self._seq(run))
        self._post(f"summary:{run.id}", self._dm(run, user_id), summary, bk.text_blocks(summary)[: bk.MAX_MESSAGE_BLOCKS], run)
        for hook in self.after_summary:
            hook(result.run)

    def _commands(self) -> list[str]:
        return sorted(p.command for p in self.conversations.playbooks.values())

    # -- App Home ---------------------------------------------------------------------------

    def home(self, user_id: str, event_id: str | None) -> None:
        """Publish the App Home: my active runs, my recent runs, and for managers their team's."""
        with self.store.transaction():
            if event_id and not run_store.claim_delivery(self.store, f"event:{event_id}"):
                logs.bind(duplicate=True)
                return
            sections = [("Your conversations in progress", [
                (self._run_line(run), run.id) for run in
                run_store.list_runs(self.store, user_id=user_id, status="active", limit=10)]),
                ("Your recent submissions", [
                (self._run_line(run), None) for run in
                run_store.list_runs(self.store, user_id=user_id, status="submitted", limit=5)])]
            for provider in self.home_sections:
                sections.extend(provider(user_id))
            for team in self.teams.managed_by(user_id):
                rows = [(self._run_line(run, with_owner=True), None) for run in
                        run_store.list_runs(self.store, team=team.id, status="submitted", limit=10)]
                sections.append((f"{team.name}: recent submissions", rows))
            if self.teams.is_head(user_id):
                rows = [(self._run_line(run, with_owner=True), None) for run in
                        run_store.list_runs(self.store, status="submitted", limit=10)]
                sections.append(("All teams: recent submissions", rows))
            view = sm.home_view(sections)
            view["blocks"] = _offer_once(view["blocks"])
            outbox.enqueue(self.store, f"home:{user_id}:{event_id or secrets.token_hex(6)}", "views.publish",
                           {"user_id": user_id, "view": view})
        self.wake()

    def _run_line(self, run: Run, *, with_owner: bool = False) -> str:
        playbook = self.conversations.playbooks.get(run.playbook)
        title = playbook.title if playbook else run.playbook
        first = ""
        if playbook is not None and playbook.questions:
            step = playbook.questions[0]
            if step.id in run.answers:
                first = answer_parsing.format_answer(step, run.answers[step.id])
        when = (run.submitted_at or run.started_at)[:10]
        owner = f" · {self.renderer.render_string('{{ u | mention }}', {'u': run.user_id})}" if with_owner else ""
        label = self.renderer.render_string("{{ t }}", {"t": bk.clip(first, 80)}) if first else ""
        return f"*{title}*{' — ' + label if label else ''}{owner} · {when}"

    # -- errors -------------------------------------------------------------------------------

    def apologise(self, user_id: str, reference: str) -> None:
        """Something unexpected failed: tell the person briefly, with a reference for the logs."""
        with self.store.transaction():
            self._note(user_id, self.say("error", reference=reference))
        self.wake()


def _offer_once(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each Resume offer its own id (in the block id, which Slack sends back with the
    click), so two clicks on one offer are one resume while a later offer still works."""
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if ids.base_action(str(element.get("action_id", ""))) in (ids.RESUME, ids.OPEN_RUN):
                target = ids.ActionValue.decode(element.get("value"))
                if target is not None:
                    block["block_id"] = ids.ActionValue(target.run_id, value=secrets.token_hex(4)).encode()
                break
    return blocks
