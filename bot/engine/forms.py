"""Forms: the pages Slack shows as a modal, worked out from the run state (pure).

A form groups consecutive questions; the terminal and the DM still ask them one by one, so
a step keeps one definition and one parser. Here: which page a run is on, which of its steps
are asked (their ``when``), the pages before and after, and answering a whole page at once
through :mod:`bot.engine.runner`, so a page's answers are parsed exactly as typed ones are.

Answering a page is all or nothing: every field is parsed, every error is reported (keyed by
the field), and the state only changes when none failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.engine import answers, runner
from bot.engine.model import Form, Playbook, Step
from bot.errors import ActionRefused, AnswerRejected

# Slack's limit of blocks in a modal, and the blocks a page spends besides its inputs
# (the intro, and the Back button's actions block).
MAX_VIEW_BLOCKS = 100
PAGE_FRAME_BLOCKS = 2
# A list step spends a title block and an "Add another" actions block besides its items.
LIST_FRAME_BLOCKS = 2
DEFAULT_LIST_ITEMS = 1  # items shown for an empty list, before "Add another"


@dataclass(frozen=True)
class FieldKey:
    """Where an error belongs: a step's input, or one field of one list item (0-based)."""

    step_id: str
    item: int | None = None
    field_id: str | None = None


@dataclass
class PageResult:
    """The state after a page (unchanged when anything failed), errors by field, warnings."""

    state: runner.RunState
    errors: dict[FieldKey, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    saved: dict[str, Any] = field(default_factory=dict)  # step id -> value, for the steps answered
    skipped: list[str] = field(default_factory=list)  # optional steps left empty

    @property
    def ok(self) -> bool:
        return not self.errors


def page_steps(playbook: Playbook, state: runner.RunState, form: Form) -> list[Step]:
    """The form's questions that are asked now (their ``when`` is true), in order."""
    wanted = set(form.steps)
    return [step for step in runner.visible_questions(playbook, state) if step.id in wanted]


def _neighbour(playbook: Playbook, state: runner.RunState, form: Form, direction: int) -> Form | None:
    questions = runner.visible_questions(playbook, state)
    positions = [i for i, step in enumerate(questions) if step.id in form.steps]
    if not positions:
        return None
    index = (positions[0] - 1) if direction < 0 else (positions[-1] + 1)
    if not 0 <= index < len(questions):
        return None
    return playbook.form_of(questions[index].id)


def previous_page(playbook: Playbook, state: runner.RunState, form: Form) -> Form | None:
    """The form just before this one, when the question before its first is in a form (Back)."""
    return _neighbour(playbook, state, form, -1)


def next_page(playbook: Playbook, state: runner.RunState, form: Form) -> Form | None:
    """The form just after this one, when the question after its last is in a form (Next)."""
    return _neighbour(playbook, state, form, +1)


def page_after(playbook: Playbook, state: runner.RunState, form: Form) -> Form | None:
    """The page Next leads to once ``form`` is answered: the following page while it still has a
    question without an answer, else the page of the first unanswered question elsewhere (an edit
    from the review goes back to the review); None when that question is in the DM or all is done."""
    def open_steps(page: Form) -> list[Step]:
        return [s for s in page_steps(playbook, state, page) if s.id not in state.answers and s.id not in state.skipped]

    following = next_page(playbook, state, form)
    if following is not None and open_steps(following):
        return following
    for step in runner.visible_questions(playbook, state):
        if step.id in form.steps or step.id in state.answers or step.id in state.skipped:
            continue
        page = playbook.form_of(step.id)
        return page if page is not None and page_steps(playbook, state, page) else None
    return None


def blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, dict)):
        return not raw
    return False


def answer_page(playbook: Playbook, state: runner.RunState, form: Form, raw: Mapping[str, Any], *,
                today: date, default_currency: str = "USD", partial: bool = False) -> PageResult:
    """Answer every asked step of ``form`` from ``raw`` (step id -> what was typed or picked; a list
    step takes a list of items, each field id -> raw). An optional step left empty is skipped.

    Steps are answered in order through the runner, so a later field sees an earlier one on the
    same page (an end date checked against the start date above it). ``partial`` keeps what parsed
    and drops the rest (saving a page the person closed or left with Back); otherwise any error
    leaves the state unchanged.
    """
    result = PageResult(state)
    current = state
    for step in page_steps(playbook, state, form):
        value = raw.get(step.id)
        if step.type == "list":
            value = [item for item in (value or []) if not all(blank(v) for v in item.values())]
        if blank(value) and step.default is None:
            if not step.required:
                current = runner.skip(playbook, runner.edit(playbook, current, step.id))
                result.skipped.append(step.id)
                continue
            if partial:
                continue
            # Slack refuses an empty required input itself; a list's items are optional inputs.
            key = FieldKey(step.id, 0, step.fields[0].id) if step.type == "list" else FieldKey(step.id)
            result.errors[key] = _needed(step)
            continue
        if step.type == "list":
            item_errors = _list_field_errors(step, value, runner.context(playbook, current), today, default_currency)
            if item_errors:
                result.errors.update(item_errors)
                continue
        try:
            answered = runner.answer(playbook, runner.edit(playbook, current, step.id), value, today=today,
                                     default_currency=default_currency)
        except AnswerRejected as exc:
            key = FieldKey(step.id, 0, step.fields[0].id) if step.type == "list" else FieldKey(step.id)
            result.errors[key] = exc.message
            continue
        current = answered.state
        result.saved[step.id] = answered.value
        result.warnings.extend(answered.warnings)
    if result.errors and not partial:
        return PageResult(state, result.errors)
    result.state = replace(current, cursor=state.cursor)
    return result


def _needed(step: Step) -> str:
    if step.type == "list":
        return "Please add at least one item."
    return "This one is needed, so it can't be left empty."


def _list_field_errors(step: Step, items: list[Mapping[str, Any]], earlier: Mapping[str, Any], today: date,
                       default_currency: str) -> dict[FieldKey, str]:
    """Each item's fields parsed alone, so an error lands beside the field that is wrong; the
    whole list (its item counts) is then checked by the step's own parser."""
    errors: dict[FieldKey, str] = {}
    for index, item in enumerate(items):
        for list_field in step.fields:
            value = item.get(list_field.id)
            if blank(value):
                if list_field.required:
                    errors[FieldKey(step.id, index, list_field.id)] = "Please fill this in."
                continue
            try:
                answers.parse_answer(list_field, value, today=today, earlier=earlier, default_currency=default_currency)
            except AnswerRejected as exc:
                errors[FieldKey(step.id, index, list_field.id)] = exc.message
    return errors


def list_items_shown(step: Step, stored: Any, extra: int = 0) -> int:
    """How many item groups a list step shows: its answers (at least one, or its minimum), plus
    the ones "Add another" asked for, never more than its maximum."""
    count = max(len(stored) if isinstance(stored, list) else 0, step.validation.min_items or 0,
                DEFAULT_LIST_ITEMS) + extra
    if step.validation.max_items is not None:
        count = min(count, step.validation.max_items)
    return count


def blocks_needed(step: Step, items: int) -> int:
    """Blocks a step spends on a page: one input, or a list's items times its fields plus its frame."""
    if step.type == "list":
        return LIST_FRAME_BLOCKS + items * len(step.fields)
    return 1


def smallest_page_blocks(playbook: Playbook, form: Form) -> int:
    """The blocks of ``form``'s page with every step asked and each list at its fewest items."""
    total = PAGE_FRAME_BLOCKS
    for step_id in form.steps:
        step = playbook.step(step_id)
        items = max(step.validation.min_items or 0, DEFAULT_LIST_ITEMS) if step.type == "list" else 0
        total += blocks_needed(step, items)
    return total
