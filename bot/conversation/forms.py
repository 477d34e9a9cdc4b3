"""Form pages as Slack modals: opening one, submitting a page, Back, "Add another", closing.

A page is answered through :meth:`Conversations.answer_page`, so its answers are parsed by the
engine and committed like DM answers, with their history: closing the modal halfway loses
nothing, and the run resumes at that page. The DM keeps one message standing for the form
(:meth:`Screens.show` draws it) with an "Open the form" / "Resume the form" button.

``submit`` runs inside Slack's 3-second view_submission acknowledgement and must stay there:
its answer *is* the acknowledgement (errors beside the fields, or the next page). It only
reads and writes SQLite and queues DM posts in the outbox; it never calls Slack.

Opening a modal needs the ``trigger_id`` of the click or command, valid for 3 seconds, so
``views.open`` cannot wait in the outbox: the Slack layer hands in ``calls.open_view`` (a direct call),
and when Slack refuses (``expired_trigger_id``) the DM gets an "Open the form" button instead.
Back and "Add another" update the open view through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot import ids
from bot.conversation.conversations import Conversations, Turn
from bot.conversation.inputs import ActionInput, ViewAck, ViewInput
from bot.conversation.screens import Screens
from bot.conversation.slack_calls import SlackCalls
from bot.engine import answers as answer_parsing
from bot.engine import forms, runner
from bot.engine.model import Form, Playbook, Step
from bot.errors import ActionRefused, Forbidden, NotFound
from bot.render import modals
from bot.render import slack_messages as sm
from bot.store import outbox
from bot.store import runs as run_store
from bot.store.runs import Run

log = logging.getLogger("rebound.forms")

# A note under a page's inputs, drawn from the page's answers so far (team weights as percentages):
# note(playbook id, form id, answers) -> mrkdwn already escaped, or None.
PageNote = Callable[[str, str, Mapping[str, Any]], "str | None"]


class Forms:
    def __init__(self, conversations: Conversations, screens: Screens, *, calls: SlackCalls | None = None,
                 wake: Callable[[], None] = lambda: None, notes: Mapping[str, PageNote] | None = None):
        self.conversations = conversations
        self.screens = screens
        self.store = conversations.store
        self.calls = calls or SlackCalls()  # views.open, handed in by the Slack layer
        self.wake = wake
        self.notes: Mapping[str, PageNote] = notes or {}  # playbook id -> note

    # -- drawing a page -------------------------------------------------------------------

    def page(self, run: Run, form: Form, *, counts: Mapping[str, int] | None = None,
             drafts: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The modal of ``form`` for ``run``: stored answers (or what was typed and not yet saved,
        ``drafts`` by block id) as initial values."""
        playbook = self.conversations.playbook(run.playbook)
        state = self.conversations.state_of(run)
        ctx = self.conversations.template_context(run)
        render = self.screens.renderer.render_string
        parts: list[modals.FieldInput | modals.ListGroup] = []
        shown: dict[str, int] = {}
        drafts = drafts or {}
        for step in forms.page_steps(playbook, state, form):
            stored = state.answers.get(step.id) if step.id not in state.skipped else None
            help_text = render(step.help, ctx, plain=True) if step.help else None
            if step.type != "list":
                block_id = modals.step_block(step.id)
                initial = drafts[block_id] if block_id in drafts else _initial(step, stored)
                if initial is None and step.default is not None:
                    initial = _initial(step, step.default if step.type != "yes_no" else step.default in (True, "yes"))
                parts.append(_input(step, block_id, render(step.ask, ctx, plain=True), help_text,
                                    optional=not step.required, initial=initial))
                continue
            count = forms.list_items_shown(step, stored)
            count = max(count, (counts or {}).get(step.id, 0))
            if step.validation.max_items is not None:
                count = min(count, step.validation.max_items)
            shown[step.id] = count
            items = []
            fields = _fields_shown(step, ctx)
            for index in range(count):
                row = stored[index] if isinstance(stored, list) and index < len(stored) else {}
                group = []
                for list_field, placeholder in fields:
                    block_id = modals.item_block(step.id, index, list_field.id)
                    initial = drafts[block_id] if block_id in drafts else _initial(list_field, row.get(list_field.id))
                    label = f"{list_field.label} ({index + 1})" if count > 1 else list_field.label
                    group.append(_input(list_field, block_id, label, None, optional=True, initial=initial,
                                        placeholder=placeholder))
                items.append(group)
            room = step.validation.max_items is None or count < step.validation.max_items
            room = room and forms.MAX_VIEW_BLOCKS - self._blocks(playbook, state, form, shown) >= len(step.fields)
            title = f"*{render(step.ask, ctx)}*" + (f"\n{render(step.help, ctx)}" if step.help else "")
            parts.append(modals.ListGroup(step.id, title, items, can_add=room))
        note = self.notes.get(playbook.id)
        page = modals.Page(
            run_id=run.id, form_id=form.id, title=form.title,
            intro=render(form.intro, ctx) if form.intro else None, parts=parts, counts=shown,
            can_go_back=forms.previous_page(playbook, state, form) is not None,
            has_next=forms.page_after(playbook, state, form) is not None,
            notes=[text for text in [note(playbook.id, form.id, state.answers) if note else None] if text],
        )
        return modals.page_view(page)

    @staticmethod
    def _blocks(playbook: Playbook, state: runner.RunState, form: Form, counts: Mapping[str, int]) -> int:
        return forms.PAGE_FRAME_BLOCKS + 1 + sum(forms.blocks_needed(step, counts.get(step.id, 1))
                                                 for step in forms.page_steps(playbook, state, form))

    # -- opening ---------------------------------------------------------------------------

    def form_on_screen(self, run: Run) -> Form | None:
        if not run.active:
            return None
        turn = self.conversations.turn(run)
        return turn.playbook.form_of(turn.question.id) if turn.question is not None else None

    def open(self, run_id: str, user_id: str, trigger_id: str | None) -> bool:
        """Open the run's form page as a modal. Call after the request's transaction
        committed. When Slack refuses the trigger, the DM gets a fresh "Open the form" button."""
        try:
            run = self.conversations.load(run_id, user_id)
        except (NotFound, Forbidden):
            return False
        form = self.form_on_screen(run)  # any of the DM's form buttons opens the page the run is at
        if form is None:
            return False
        view_id = self.calls.open_view(trigger_id, self.page(run, form)) if trigger_id else None
        with self.store.transaction():
            if view_id:
                run_store.update_meta(self.store, run.id, {"form_view": view_id})
            else:
                log.info("could not open form %s of run %s; offering the DM button", form.id, run.id)
                text = self.screens.say("form_expired")
                self.screens.show(self.conversations.turn(run_store.get_run(self.store, run.id)),
                                  retire=(text, sm.note_blocks(text)))
        if not view_id:
            self.wake()
        return bool(view_id)

    # -- a page submitted ------------------------------------------------------------------

    def submit(self, view: ViewInput) -> ViewAck:
        """A page's Next or Save. Synchronous on purpose: the acknowledgement carries the errors or
        the next page, so this only parses, commits and queues (well inside Slack's 3 seconds)."""
        found = self._page_run(view.user_id, view.private_metadata)
        if found is None:
            return ViewAck("clear")
        run, playbook, form, counts = found
        raw = self._raw(playbook, form, self.conversations.state_of(run), modals.read_state(view.state_values), counts)
        with self.store.transaction():
            try:
                turn, result = self.conversations.answer_page(run.id, view.user_id, form.id, raw)
            except ActionRefused as exc:
                log.info("refused form page %s of run %s: %s", form.id, run.id, exc.reason)
                return ViewAck("clear")
            if not result.ok:
                return ViewAck("errors", errors={_block_of(key): message[:1000]
                                                 for key, message in result.errors.items()})
            for warning in result.warnings:
                self.screens.note(view.user_id, self.screens.say("warning", message=warning), turn.run)
            following = forms.page_after(playbook, turn.state, form)
            if following is not None:
                turn = self._go_to(run.id, view.user_id, playbook, following)
                return ViewAck("update", view=self.page(turn.run, following))
            turn = self.conversations.move_to(run.id, view.user_id, None)
            done = f"✅ {form.title}: saved."
            self.screens.show(turn, retire=(done, sm.note_blocks(done)))
        self.wake()
        return ViewAck("clear")

    def closed(self, view: ViewInput) -> None:
        """The modal was closed (view_closed): keep what parsed on the open page, and offer
        "Resume the form" in the DM."""
        found = self._page_run(view.user_id, view.private_metadata)
        if found is None:
            return
        run, playbook, form, counts = found
        raw = self._raw(playbook, form, self.conversations.state_of(run), modals.read_state(view.state_values), counts)
        with self.store.transaction():
            try:
                turn, _ = self.conversations.answer_page(run.id, view.user_id, form.id, raw, partial=True)
            except ActionRefused:
                return
            if self.form_on_screen(turn.run) is None:
                return
            self.screens.show(turn, retire=(f"📝 {form.title}", sm.note_blocks(f"📝 {form.title}: closed for now.")),
                              again=f"closed:{view.view_id or ''}")
        self.wake()

    # -- clicks inside a page --------------------------------------------------------------

    def action(self, action: ActionInput, context: ids.ActionValue) -> None:
        """Back or "Add another" in a page: the open view is updated through the outbox."""
        kind = ids.base_action(action.action_id)
        found = self._page_run(action.user_id, action.view_metadata)
        if found is None or not action.view_id:
            return
        run, playbook, form, counts = found
        state = self.conversations.state_of(run)
        drafts = modals.read_state(action.state_values)
        if kind == ids.FORM_ADD and context.step_id:
            counts = {**counts, context.step_id: counts.get(context.step_id, 1) + 1}
            view = self.page(run, form, counts=counts, drafts=drafts)
        elif kind == ids.FORM_BACK:
            previous = forms.previous_page(playbook, state, form)
            if previous is None:
                return
            # What was typed on this page and parses is kept, as if the page had been closed.
            raw = self._raw(playbook, form, state, drafts, counts)
            self.conversations.answer_page(run.id, action.user_id, form.id, raw, partial=True)
            run = run_store.get_run(self.store, run.id)
            turn = self._go_to(run.id, action.user_id, playbook, previous)
            view = self.page(turn.run, previous)
        else:
            return
        payload: dict[str, Any] = {"view_id": action.view_id, "view": view}
        if action.view_hash:
            payload["hash"] = action.view_hash  # Slack refuses the update if the view changed meanwhile
        outbox.enqueue(self.store, f"form:{run.id}:{action.view_id}:{action.action_ts or ''}:{kind}", "views.update",
                       payload, run_id=run.id, team=run.team)

    def _go_to(self, run_id: str, user_id: str, playbook: Playbook, page: Form) -> Turn:
        """Put the run on ``page``; the DM's one form message stands for every page, so only the
        record of what is on screen changes."""
        run = run_store.get_run(self.store, run_id)
        self.conversations.move_to(run_id, user_id,
                                   forms.page_steps(playbook, self.conversations.state_of(run), page)[0].id)
        run_store.update_meta(self.store, run_id, {"screen": f"form:{page.id}"})
        return self.conversations.turn(run_store.get_run(self.store, run_id))

    # -- reading Slack's values ------------------------------------------------------------

    def _page_run(self, user_id: str, metadata: str | None) -> tuple[Run, Playbook, Form, dict[str, int]] | None:
        read = modals.read_metadata(metadata)
        if read is None:
            return None
        run_id, form_id, counts = read
        try:
            run = self.conversations.load(run_id, user_id)
            playbook = self.conversations.playbook(run.playbook)
            form = playbook.form(form_id)
        except (NotFound, Forbidden, KeyError):
            log.info("ignored a form page of an unknown or foreign run")
            return None
        if not run.active:
            return None
        return run, playbook, form, counts

    @staticmethod
    def _raw(playbook: Playbook, form: Form, state: runner.RunState, values: Mapping[str, Any],
             counts: Mapping[str, int]) -> dict[str, Any]:
        """Step id -> raw answer from a page's inputs (a list: its items, field id -> raw)."""
        raw: dict[str, Any] = {}
        for step in forms.page_steps(playbook, state, form):
            if step.type != "list":
                value = values.get(modals.step_block(step.id))
                raw[step.id] = value
                continue
            items = []
            for index in range(max(counts.get(step.id, 0), 1)):
                items.append({f.id: values.get(modals.item_block(step.id, index, f.id)) for f in step.fields})
            raw[step.id] = items
        return raw


def _block_of(key: forms.FieldKey) -> str:
    if key.item is None:
        return modals.step_block(key.step_id)
    return modals.item_block(key.step_id, key.item, key.field_id or "")


def _fields_shown(step: Step, context: Mapping[str, Any]) -> list[tuple[Any, str | None]]:
    """A list step's fields on the page, each with its placeholder: a ``ratings`` field only when
    it has something to rate (a team without factors of its own sees no empty input for them)."""
    shown = []
    for list_field in step.fields:
        if list_field.type != "ratings":
            shown.append((list_field, None))
            continue
        names = answer_parsing.rating_names(list_field, context)
        if names:
            shown.append((list_field, "e.g. " + ", ".join(f"{label.lower()} 3" for _, label in names)))
    return shown


def _input(step: Any, block_id: str, label: str, hint: str | None, *, optional: bool, initial: Any,
           placeholder: str | None = None) -> modals.FieldInput:
    rules = step.validation
    return modals.FieldInput(
        block_id=block_id, label=label, kind=step.type, optional=optional, hint=hint,
        options=[(o.label, o.value, o.hint) for o in step.options], initial=initial,
        max_length=rules.max_length, minimum=rules.min if step.type in ("number", "percent") else None,
        maximum=rules.max if step.type in ("number", "percent") else None, placeholder=placeholder,
    )


def _initial(step: Step | Any, value: Any) -> Any:
    """A stored value in the shape its input shows it (the inverse of reading Slack's state)."""
    if value is None:
        return None
    kind = step.type
    if kind == "currency" and isinstance(value, Mapping):
        amount = value.get("amount")
        return f"{modals._number_text(amount)} {value.get('currency', '')}".strip() if amount is not None else None
    if kind == "yes_no":
        return "yes" if value is True or value == "yes" else "no"
    if kind in ("number", "percent"):
        return modals._number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "multi_choice":
        return list(value) if isinstance(value, list) else None
    if kind == "ratings":
        return answer_parsing.format_answer(step, value)
    return str(value)
