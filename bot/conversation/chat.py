"""The conversation as Slack DM messages, routed: slash commands, typed answers and clicks.

Listeners call these methods after acknowledging. Each method changes state and queues its
Web API calls in the outbox in one transaction, so a Slack retry or a double click changes
state once, and a crash never leaves a half-sent conversation. The outbox sender (a
background worker, or ``drain()`` in tests) does the talking. What a run shows is
:mod:`bot.conversation.screens`; the App Home is :mod:`bot.conversation.home`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot import ids, logs
from bot.conversation.conversations import Conversations, Turn
from bot.conversation.forms import Forms
from bot.conversation.modals import FlowModals
from bot.conversation.inputs import ActionInput, Prefill, Reply, ViewAck, ViewInput
from bot.conversation.screens import Screens, dm_of, multi_selection, offer_once, require_screen
from bot.conversation.submissions import Submissions
from bot.conversation.words import bare_command, looks_like_command
from bot.engine import answers as answer_parsing
from bot.errors import ActionRefused, AnswerRejected, Forbidden, NotFound
from bot.files.teams import Teams
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.store import runs as run_store
from bot.store.runs import Run

log = logging.getLogger("rebound.chat")

MAX_TYPED_ANSWER = 20_000  # characters; a paste longer than this is refused before parsing

# A flow's button (a manager's "Mark reviewed", a pilot's outcome): handler(action, context). It runs
# inside the transaction that claimed the click, and checks itself who may act.
ActionHandler = Callable[[ActionInput, ids.ActionValue], None]
# Words after a command that start something other than the playbook (`/recover weights`):
# handler(user_id, rest of text) -> Reply.
SubcommandHandler = Callable[[str, str], Reply]
# A bare slash command prefilled from what a flow already knows (/recover from the latest debrief):
# provider(user_id) -> Prefill or None. Words after the command win.
PrefillProvider = Callable[[str], Prefill | None]
# A message a flow posts in the DM after a run's summary (the ranked recovery plan, an offer to
# debrief): hook(run), called inside the submit transaction, after the summary is queued.
AfterSummary = Callable[[Run], None]
# A flow's modal: view(user_id, the clicked button's value or None, words after the verb) -> the view,
# or a Reply saying why it can't open; handler(submitted view) -> how to acknowledge it.
ModalView = Callable[[str, "ids.ActionValue | None", str], "dict[str, Any] | Reply"]
ViewHandler = Callable[[ViewInput], ViewAck]
# Something a flow already knows to offer before a new run starts (/debrief for a deal the CRM sent):
# offer(user_id, words typed) -> Reply, or None to start the run as usual.
CommandOffer = Callable[[str, str], Reply | None]


class Chat:
    def __init__(self, conversations: Conversations, submissions: Submissions, screens: Screens, teams: Teams, *,
                 wake: Callable[[], None] = lambda: None,
                 actions: Mapping[str, ActionHandler] | None = None,
                 subcommands: Mapping[tuple[str, str], SubcommandHandler] | None = None,
                 prefills: Mapping[str, PrefillProvider] | None = None,
                 after_summary: Sequence[AfterSummary] = (), forms: Forms | None = None,
                 modals: Mapping[str, Any] | None = None,
                 plain_actions: Mapping[str, Callable[[ActionInput], None]] | None = None,
                 offers: Mapping[str, CommandOffer] | None = None):
        self.conversations = conversations
        self.submissions = submissions
        self.screens = screens
        self.renderer = screens.renderer
        self.teams = teams
        self.store = conversations.store
        self.wake = wake
        self.actions: Mapping[str, ActionHandler] = actions or {}  # action kind -> handler
        self.subcommands: Mapping[tuple[str, str], SubcommandHandler] = subcommands or {}  # (command, word) -> handler
        self.prefills: Mapping[str, PrefillProvider] = prefills or {}  # playbook id -> provider
        self.after_summary: Sequence[AfterSummary] = after_summary
        self.forms: Forms | None = forms  # form pages as modals (bot.conversation.forms)
        self.flow_modals = FlowModals(self.store, screens, forms, modals or {}, wake)
        self.modal_commands = self.flow_modals.by_command
        self.modal_buttons = self.flow_modals.by_button
        self.plain_actions: Mapping[str, Callable[[ActionInput], None]] = plain_actions or {}  # action kind -> handler
        self.offers: Mapping[str, CommandOffer] = offers or {}  # playbook id -> offer

    def say(self, name: str, **context: Any) -> str:
        return self.screens.say(name, **context)

    # -- entry points -----------------------------------------------------------------------

    def command(self, command: str, user_id: str, text: str, trigger_id: str | None = None, *,
                offers: bool = True) -> Reply:
        """A slash command: help, resume offer, or a new run whose first question goes to the DM
        (or whose first form page opens as a modal, from the command's ``trigger_id``).
        ``offers=False`` skips the flows' offers (the person already chose "a different deal")."""
        playbook = self.conversations.playbook_for_command(command)
        words = (text or "").strip()
        if words.lower() in ("help", "?"):
            return Reply(self.say("help", playbook=playbook.model_dump(), command=command))
        first_word, rest = (words.split(maxsplit=1) + ["", ""])[:2]  # `/recover import` then a pasted file
        modal = self.modal_commands.get((command, first_word.lower()))
        if modal is not None and not rest.strip() and trigger_id:
            opened = self.flow_modals.open(modal, user_id, None, "", trigger_id)
            if opened is not None:
                return opened
        sub = self.subcommands.get((command, first_word.lower()))
        if sub is not None:
            reply = sub(user_id, rest.strip())
            self.wake()
            return reply
        if self.teams.team_of(user_id) is None:
            return Reply(self.say("no_team", playbook=playbook.model_dump()))
        if len(words) > MAX_TYPED_ANSWER:
            return Reply(self.say("too_long", limit=MAX_TYPED_ANSWER))
        offer = self.offers.get(playbook.id) if offers else None
        offered = offer(user_id, words) if offer is not None else None
        if offered is not None:
            return offered
        with self.store.transaction():
            offer, run_id = self._open(playbook, user_id, words)
        if offer is not None:
            return offer
        self.wake()
        if trigger_id and self.forms is not None:  # after the commit: views.open waits on Slack
            self.forms.open(run_id, user_id, trigger_id)
        return Reply(self.say("opened", playbook=playbook.model_dump()))

    def _open(self, playbook, user_id: str, words: str) -> tuple[Reply | None, str]:
        """Start the run and show its first question in the DM: (None, the new run's id), or the
        Resume offer and the active run's id when one is active. Call inside a transaction."""
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
            return Reply(text_, offer_once(sm.resume_blocks(run.id, text_))), run.id
        self.screens.begin(started.turn, prefill=words, note=prefill.note if prefill else None)
        return None, started.turn.run.id

    def start(self, action: ActionInput) -> None:
        """An App Home start button: the run opens in the DM as the bare slash command would (with
        its prefill), or the Resume offer is posted there. A retried or double click starts once."""
        playbook = self.conversations.playbooks.get(action.value or "")
        if playbook is None:
            log.info("ignored start of an unknown playbook")
            return
        with self.store.transaction():
            if action.delivery_key and not run_store.claim_delivery(self.store, action.delivery_key):
                logs.bind(duplicate=True)
                return
            if self.teams.team_of(action.user_id) is None:
                self.screens.note(action.user_id, self.say("no_team", playbook=playbook.model_dump()))
            else:
                offer, _ = self._open(playbook, action.user_id, "")
                if offer is not None:
                    self.screens.post(f"home_resume:{action.user_id}:{action.action_ts or secrets.token_hex(6)}",
                                      action.user_id, offer.text, offer.blocks)
        self.wake()

    def dm(self, user_id: str, channel: str, text: str, event_id: str | None) -> None:
        """A message the person typed in our DM: the answer to the question on screen."""
        with self.store.transaction():
            if event_id and not run_store.claim_delivery(self.store, f"event:{event_id}"):
                logs.bind(duplicate=True)
                return  # Slack's retry of an event already handled
            run = self._focused_run(user_id)
            logs.bind(run_id=run.id if run else None)
            if run is None:
                self.screens.note(user_id, self.say("nothing_open", commands=self._commands()))
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

    def _answer(self, run: Run, user_id: str, raw: Any, *, step_id: str | None = None,
                clicked: ActionInput | None = None) -> None:
        before = self.conversations.turn(run)
        if before.question is None:
            self.screens.note(user_id, self.say("at_review"), run)
            return
        form = before.playbook.form_of(before.question.id)
        if form is not None:  # a form page is answered in its modal, never by typing in the DM
            self.screens.note(user_id, self.say("form_in_dm", title=form.title), run)
            return
        if isinstance(raw, str) and len(raw) > MAX_TYPED_ANSWER:
            self.screens.note(user_id, self.say("too_long", limit=MAX_TYPED_ANSWER), run)
            return
        if step_id is None and isinstance(raw, str) and self._typed_command(before, user_id, raw):
            return
        try:
            turn = self.conversations.answer(run.id, user_id, raw, step_id=step_id)
        except AnswerRejected as exc:
            self.screens.note(user_id, self.say("reask", message=exc.message, expected=answer_parsing.expected(before.question)), run)
            return
        for warning in turn.warnings:
            self.screens.note(user_id, self.say("warning", message=warning), turn.run)
        self.screens.show(turn, retire=self.screens.answered_line(turn, turn.answered, turn.value), clicked=clicked)

    def _typed_command(self, before: Turn, user_id: str, raw: str) -> bool:
        """A typed ``skip`` or ``back`` works like its button; a short reply that starts with a
        command word ("edit 2") is held and asked about, and stored only when sent again."""
        run = before.run
        word = bare_command(raw)
        held = run.meta.get("held_answer")
        if held is not None:
            run_store.update_meta(self.store, run.id, {"held_answer": None})
            if held == raw.strip():
                return False  # sent twice: the person means it as the answer
        if word == "skip":
            if before.question.required:
                self.screens.note(user_id, self.say("cannot_skip"), run)
                return True
            turn = self.conversations.skip(run.id, user_id)
            self.screens.show(turn, retire=self.screens.answered_line(before, before.question.id, None))
            return True
        if word == "back":
            try:
                turn = self.conversations.back(run.id, user_id)
            except ActionRefused as exc:
                self.screens.note(user_id, exc.message, run)
                return True
            self.screens.show(turn, retire=(before.question.ask, sm.note_blocks("↩ Went back to an earlier question.")))
            return True
        if word == "help":
            playbook = before.playbook
            self.screens.note(user_id, self.say("help", playbook=playbook.model_dump(), command=playbook.command), run)
            return True
        if word is not None or looks_like_command(raw):
            run_store.update_meta(self.store, run.id, {"held_answer": raw.strip()})
            self.screens.note(user_id, self.say("command_in_answer", text=raw.strip(), word=word,
                                                optional=not before.question.required), run)
            return True
        return False

    def action(self, action: ActionInput) -> None:
        """A button, select or picker in our messages. Forged, stale and double clicks change nothing."""
        kind = ids.base_action(action.action_id)
        if kind == ids.MULTI_TOGGLE:
            return  # the selection is read from the message state when Done is clicked
        if kind == ids.START:
            self.start(action)
            return
        if kind in self.plain_actions:  # App Home buttons whose value is not a run (a team's settings)
            self.plain_actions[kind](action)
            self.wake()
            return
        logs.bind(action=kind)
        context = ids.ActionValue.decode(action.block_id) or ids.ActionValue.decode(action.value)
        if context is None:
            log.info("ignored action without a Rebound context action_id=%s", kind)
            return
        logs.bind(run_id=context.run_id)
        with self.store.transaction():
            if action.delivery_key and not run_store.claim_delivery(self.store, action.delivery_key):
                logs.bind(duplicate=True)
                return
            if kind in self.modal_buttons:
                pass  # opened below, after the commit
            elif kind in (ids.FORM_BACK, ids.FORM_ADD):
                if self.forms is not None:
                    self.forms.action(action, context)
            elif kind != ids.FORM_OPEN:  # a form is opened below, after the commit
                self._act(kind, context, action)
        self.wake()
        if kind in self.modal_buttons:
            reply = self.flow_modals.open(self.modal_buttons[kind], action.user_id, context, "", action.trigger_id)
            if reply is not None:
                with self.store.transaction():
                    self.screens.note(action.user_id, reply.text)
                self.wake()
            return
        if kind in (ids.FORM_OPEN, ids.RESUME, ids.OPEN_RUN) and action.trigger_id and self.forms is not None:
            # views.open answers the click's trigger (valid 3 seconds): outside the transaction.
            self.forms.open(context.run_id, action.user_id, action.trigger_id)

    def _act(self, kind: str, context: ids.ActionValue, action: ActionInput) -> None:
        extra = self.actions.get(kind)
        if extra is not None:
            try:
                extra(action, context)
            except (ActionRefused, Forbidden, NotFound) as exc:
                log.info("refused %s action: %s", kind, exc)
                if isinstance(exc, Forbidden):
                    self.screens.note(action.user_id, self.say("not_yours"))
            return
        try:
            run = self.conversations.load(context.run_id, action.user_id)
        except NotFound:
            log.info("ignored action for unknown run")
            return
        except Forbidden:
            log.warning("refused action on another user's run user=%s run=%s", action.user_id, context.run_id)
            self.screens.note(action.user_id, self.say("not_yours"))
            return
        try:
            self._dispatch(kind, run, context, action)
        except ActionRefused as exc:
            if exc.reason not in ("stale", "submitted", "cancelled", "malformed"):
                self.screens.note(action.user_id, exc.message, run)
            else:
                log.info("ignored %s action on run %s: %s", kind, run.id, exc.reason)

    def _dispatch(self, kind: str, run: Run, context: ids.ActionValue, action: ActionInput) -> None:
        user_id = action.user_id
        on_screen = context.step_id
        if kind in (ids.ANSWER, ids.SELECT, ids.DATE, ids.USER, ids.MULTI_DONE, ids.BACK, ids.SKIP):
            require_screen(run, on_screen)
        if kind in (ids.ANSWER, ids.SELECT, ids.DATE, ids.USER):
            raw = action.value if kind == ids.ANSWER else action.selected
            if not isinstance(raw, str):  # Slack always sends the value; this payload was not Slack's
                raise ActionRefused("malformed", "no value")
            self._answer(run, user_id, raw, step_id=on_screen, clicked=action)
        elif kind == ids.MULTI_DONE:
            self._answer(run, user_id, multi_selection(action), step_id=on_screen, clicked=action)
        elif kind == ids.BACK:
            before = self.conversations.turn(run)
            turn = self.conversations.back(run.id, user_id)
            self.screens.show(turn, retire=(before.question.ask if before.question else "Review",
                                     sm.note_blocks("↩ Went back to an earlier question.")), clicked=action)
        elif kind == ids.SKIP:
            before = self.conversations.turn(run)
            step_id = before.question.id if before.question else None
            turn = self.conversations.skip(run.id, user_id)
            self.screens.show(turn, retire=self.screens.answered_line(before, step_id, None) if step_id else None,
                              clicked=action)
        elif kind == ids.EDIT:
            if run.meta.get("screen") != "review" or not on_screen:
                raise ActionRefused("stale", "stale edit")
            turn = self.conversations.edit(run.id, user_id, on_screen)
            self.screens.show(turn, retire=("Editing", sm.note_blocks("✏️ Editing an answer…")), clicked=action)
        elif kind == ids.SUBMIT:
            self._submit(run, user_id, action)
        elif kind == ids.CANCEL:
            if not run.active:
                raise ActionRefused(run.status, "already over")
            self.conversations.cancel(run.id, user_id)
            text = self.say("cancelled", playbook=self.conversations.playbook(run.playbook).model_dump())
            self.screens.retire(run, text, sm.note_blocks(text), self.screens.next_seq(run), action)
        elif kind in (ids.RESUME, ids.OPEN_RUN):
            if not run.active:
                raise ActionRefused(run.status, "already over")
            self.screens.show(self.conversations.turn(run), retire=None, again=context.value or "")
        elif kind == ids.START_OVER:
            if not run.active:  # a second click: the first one already started over
                raise ActionRefused(run.status, "already over")
            started = self.conversations.start(run.playbook, user_id, source="slack", start_over=True)
            self.screens.begin(started.turn)
        else:
            log.info("ignored unknown action %s", kind)

    def _submit(self, run: Run, user_id: str, clicked: ActionInput | None = None) -> None:
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
        self.screens.retire(run, done, sm.note_blocks(done), self.screens.next_seq(run), clicked)
        self.screens.post(f"summary:{run.id}", dm_of(run, user_id), summary, bk.text_blocks(summary)[: bk.MAX_MESSAGE_BLOCKS], run)
        for hook in self.after_summary:
            hook(result.run)

    def _commands(self) -> list[str]:
        return sorted(p.command for p in self.conversations.playbooks.values())

    # -- errors -------------------------------------------------------------------------------

    def apologise(self, user_id: str, reference: str) -> None:
        """Something unexpected failed: tell the person briefly, with a reference for the logs."""
        with self.store.transaction():
            self.screens.note(user_id, self.say("error", reference=reference))
        self.wake()

