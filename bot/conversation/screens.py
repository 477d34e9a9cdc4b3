"""What a run shows in the rep's DM: its intro, the question on screen, the review card, and the
transcript line an answered screen turns into.

Every post goes through the outbox inside the caller's transaction, under a key fixed by the
run and its screen number, so a retry or a double click posts once. Flows use :meth:`Screens.begin`
to show a run they started themselves (an edit prefilled from a pilot, a debrief offered after a
graceful no) and :meth:`Screens.say` for the bot's shared lines.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from bot import ids
from bot.conversation.conversations import Conversations, Turn
from bot.conversation.inputs import ActionInput
from bot.engine import answers as answer_parsing
from bot.engine import forms, runner
from bot.errors import ActionRefused, AnswerRejected
from bot.render import blocks as bk
from bot.render import modals
from bot.render import slack_messages as sm
from bot.render.templates import Renderer
from bot.outbox.sender import RESPONSE_URL, UPDATE_OF
from bot.store import outbox
from bot.store import runs as run_store
from bot.store.runs import Run

# Extra text on a playbook's review card (a pilot plan's open items, before Submit):
# note(run, template context) -> mrkdwn already escaped, or None.
ReviewNote = Callable[[Run, dict[str, Any]], "str | None"]


class Screens:
    def __init__(self, conversations: Conversations, renderer: Renderer,
                 review_notes: Mapping[str, ReviewNote] | None = None):
        self.conversations = conversations
        self.renderer = renderer
        self.store = conversations.store
        self.review_notes: Mapping[str, ReviewNote] = review_notes or {}  # playbook id -> note

    # -- text and posts ----------------------------------------------------------------------

    def say(self, name: str, **context: Any) -> str:
        """A line the bot says, from ``prompts/slack/<name>.md.j2`` (escaped for mrkdwn)."""
        return self.renderer.render(f"slack/{name}.md.j2", context)

    def post(self, key: str, channel: str, text: str, blocks: list[dict[str, Any]], run: Run | None = None) -> None:
        payload = {"channel": channel, "text": bk.fallback_text(text) or "Rebound", "blocks": blocks,
                   "unfurl_links": False, "unfurl_media": False}
        outbox.enqueue(self.store, key, "chat.postMessage", payload, run_id=run.id if run else None,
                       team=run.team if run else None)

    def update(self, key: str, of_key: str, text: str, blocks: list[dict[str, Any]], run: Run, *,
               cosmetic: bool = False, clicked: dict[str, str] | None = None) -> None:
        """Replace a message posted earlier through the outbox; the sender fills in its channel and ts.

        ``cosmetic``: the update only tidies up, so it holds up nothing queued after it and may be
        dropped while chat.update is saturated. ``clicked``: the click's response_url and message
        ts, used first when the click was on this very message.
        """
        payload = {"text": bk.fallback_text(text) or "Rebound", "blocks": blocks, UPDATE_OF: of_key}
        if cosmetic:
            payload[outbox.COSMETIC] = True
        if clicked:
            payload[RESPONSE_URL] = clicked
        outbox.enqueue(self.store, key, "chat.update", payload, run_id=run.id, team=run.team)

    def note(self, user_id: str, text: str, run: Run | None = None) -> None:
        self.post(f"note:{user_id}:{secrets.token_hex(6)}", dm_of(run, user_id), text, sm.note_blocks(text), run)

    # -- showing a run ----------------------------------------------------------------------

    @staticmethod
    def next_seq(run: Run) -> int:
        return int(run.meta.get("seq", 0)) + 1

    def retire(self, run: Run, text: str, blocks: list[dict[str, Any]], seq: int,
               clicked: ActionInput | None = None) -> None:
        """Turn the message on screen into a transcript line (no buttons left to click twice).

        Cosmetic: the next question never waits for it (chat.update is Tier 3, about 50 a
        minute for the whole workspace). When the click came from that very message, its
        response_url replaces it without a Tier 3 call.
        """
        shown = run.meta.get("screen_key")
        if shown:
            self.update(f"{shown}:done:{seq}", shown, text, blocks, run, cosmetic=True,
                        clicked=self._clicked_message(clicked))

    @staticmethod
    def _clicked_message(clicked: ActionInput | None) -> dict[str, str] | None:
        """The click's response_url and the ts of the message it sits in. The sender uses the URL
        only if that ts is the message being updated (an older copy of a screen has its own)."""
        if clicked is None or not clicked.response_url or not clicked.message_ts:
            return None
        return {"url": clicked.response_url, "ts": clicked.message_ts}

    def show(self, turn: Turn, *, retire: tuple[str, list[dict[str, Any]]] | None = None,
             again: str | None = None, clicked: ActionInput | None = None) -> None:
        """Post what comes next (a question or the review card) and remember which message it is.

        ``again`` (Resume, naming the offer clicked) posts the screen on record once more
        without moving on, under a key fixed by that screen and that offer: a double click
        on one Resume button posts it once.
        """
        run = turn.run
        seq = self.next_seq(run)
        if retire is not None:
            self.retire(run, retire[0], retire[1], seq, clicked)
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
        elif turn.playbook.form_of(turn.question.id) is not None:
            blocks, text = self._form_offer(turn, ctx, again)
            screen = f"form:{turn.playbook.form_of(turn.question.id).id}"
        else:
            blocks, text = self._question(turn, ctx)
            screen = turn.question.id
        self.post(key, dm_of(run, run.user_id), text, blocks, run)
        run_store.update_meta(self.store, run.id, {"seq": seq, "screen_key": key, "screen": screen})

    def _form_offer(self, turn: Turn, ctx: dict[str, Any], again: str | None) -> tuple[list[dict[str, Any]], str]:
        """A form page stands in the DM as one message with a button that opens it as a modal."""
        form = turn.playbook.form_of(turn.question.id)
        started = any(step_id in turn.state.answers or step_id in turn.state.skipped for step_id in form.steps)
        resume = started or again is not None
        text = self.say("form_offer", title=form.title, resume=resume,
                        asks=[self._label(step, ctx) for step in forms.page_steps(turn.playbook, turn.state, form)])
        label = "Resume the form" if resume else "Open the form"
        return modals.offer_blocks(turn.run.id, form.id, text, label), text

    def _label(self, step, ctx, *, mrkdwn: bool = False) -> str:
        """A question as a label: escaped for a mrkdwn field, or plain for text that is escaped later."""
        return bk.clip(self.renderer.render_string(step.ask, ctx, plain=not mrkdwn), 200)

    def _question(self, turn: Turn, ctx: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        step = turn.question
        progress = runner.progress(turn.playbook, turn.state, step)
        first = runner.visible_questions(turn.playbook, turn.state)[0].id == step.id
        current = None
        if step.id in turn.state.answers and step.id not in turn.state.skipped:
            current = answer_parsing.format_answer(step, turn.state.answers[step.id])
        view = sm.QuestionView(
            run_id=turn.run.id, step=step, ask=self.renderer.render_string(step.ask, ctx),
            help=self.renderer.render_string(step.help, ctx) if step.help else None, position=progress.position,
            total=progress.total, expected=answer_parsing.expected(step), current=current, can_go_back=not first,
            core=progress.core, suggestion=self.conversations.suggestion(turn),
        )
        # The notification text is mrkdwn too: an answer quoted in the question stays escaped.
        return sm.question_blocks(view), view.ask

    def answered_line(self, turn_before: Turn, step_id: str, value: Any) -> tuple[str, list[dict[str, Any]]]:
        step = turn_before.playbook.step(step_id)
        ctx = self.conversations.template_context(turn_before.run)
        ask = self.renderer.render_string(step.ask, ctx)
        display = answer_parsing.format_answer(step, value) if value is not None else ""
        return ask, sm.answered_blocks(ask, display, skipped=value is None)

    def begin(self, turn: Turn, *, prefill: str = "", note: str | None = None) -> None:
        """Intro (and a flow's note), then the first question (answered by the command's text when
        it fits) or the review card. Call inside the caller's transaction."""
        run = turn.run
        intro = self.renderer.render_string(turn.playbook.intro, self.conversations.template_context(run))
        self.post(f"intro:{run.id}", dm_of(run, run.user_id), intro, sm.note_blocks(intro), run)
        if note:
            self.post(f"intro-note:{run.id}", dm_of(run, run.user_id), note, sm.note_blocks(note), run)
        if prefill and turn.question is not None:
            first = turn.question
            try:
                turn = self.conversations.answer(run.id, run.user_id, prefill, step_id=first.id)
                ask, line = self.answered_line(turn, first.id, turn.value)
                self.post(f"prefill:{run.id}", dm_of(run, run.user_id), ask, line, run)
            except AnswerRejected as exc:
                self.note(run.user_id, self.say("prefill_rejected", text=prefill, message=exc.message), run)
        self.show(turn)


def dm_of(run: Run | None, user_id: str) -> str:
    # Posting to a user id lands in the app's DM with them; Slack answers with the D... channel.
    return (run.meta.get("dm") if run else None) or user_id


def offer_once(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def require_screen(run: Run, step_id: str | None) -> None:
    """A click on a message that is no longer the one on screen (double click, old message) is stale."""
    if not run.active:
        raise ActionRefused(run.status, "over")
    if step_id is None or run.meta.get("screen") != step_id:
        raise ActionRefused("stale", "stale click")


def multi_selection(action: ActionInput) -> list[str]:
    """The options ticked in a multi-choice question's checkboxes, read from the message state."""
    for block in action.state_values.values():
        if not isinstance(block, Mapping):
            continue
        for element_id, element in block.items():
            if ids.base_action(str(element_id)) == ids.MULTI_TOGGLE and isinstance(element, Mapping):
                selected = element.get("selected_options") or []
                return [o.get("value") for o in selected if isinstance(o, Mapping) and isinstance(o.get("value"), str)]
    return []
