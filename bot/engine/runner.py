"""The run state machine: pure functions from (playbook, state, input) to a new state.

A run's position is derived, not stored step by step: the next question is the first
visible one that is neither answered nor skipped, so editing an earlier answer naturally
re-evaluates every ``when`` after it. ``cursor`` only records which question is on screen
(after ``back`` or ``edit`` that can be an answered one).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from jinja2.exceptions import UndefinedError

from bot.engine import answers, conditions
from bot.engine.model import Playbook, Step
from bot.errors import ActionRefused, AnswerRejected

EMPTY_BY_TYPE = {"multi_choice": [], "list": []}


@dataclass(frozen=True)
class RunState:
    """What the engine needs of a run: its answers, the skipped steps and the current question."""

    answers: Mapping[str, Any] = field(default_factory=dict)
    skipped: frozenset[str] = frozenset()
    cursor: str | None = None
    # The run's surroundings expressions may read: ``today`` (ISO date in the team's time zone)
    # and ``settings`` (the team's coverage multiple, currency, longest pilot...).
    env: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answered:
    """The result of answering: the new state, what was stored and any soft warnings."""

    state: RunState
    step_id: str
    value: Any
    warnings: list[str]


@dataclass(frozen=True)
class ReviewItem:
    step: Step
    value: Any
    display: str
    skipped: bool


def _empty(step: Step) -> Any:
    return list(EMPTY_BY_TYPE[step.type]) if step.type in EMPTY_BY_TYPE else None


def walk(playbook: Playbook, state: RunState) -> tuple[list[Step], dict[str, Any]]:
    """Visible steps in order and the evaluation context (answers of visible steps + computed values).

    Every name in the playbook is present in the context (unanswered ones as None or []),
    so ``when: primary_reason == 'competitor'`` works before the step is reached.

    One turn in Slack walks the same state several times (the question, its context, the
    review), and evaluating every ``when`` was over half of a request's CPU, so results are
    remembered per playbook and state; callers get their own copies.
    """
    key = _state_key(state)
    with _walks_lock:
        entry = _walks.get(id(playbook))
        remembered = entry[1].get(key) if entry is not None and entry[0] is playbook else None
    if remembered is not None:
        return list(remembered[0]), copy.deepcopy(remembered[1])
    visible, context = _walk(playbook, state)
    with _walks_lock:
        entry = _walks.get(id(playbook))
        if entry is None or entry[0] is not playbook:
            entry = _walks[id(playbook)] = (playbook, OrderedDict())
            while len(_walks) > MAX_PLAYBOOKS_REMEMBERED:
                _walks.popitem(last=False)
        entry[1][key] = (tuple(visible), copy.deepcopy(context))
        while len(entry[1]) > MAX_STATES_REMEMBERED:
            entry[1].popitem(last=False)
    return visible, context


MAX_PLAYBOOKS_REMEMBERED = 64
MAX_STATES_REMEMBERED = 256
_walks: OrderedDict[int, tuple[Playbook, OrderedDict[str, tuple[tuple[Step, ...], dict[str, Any]]]]] = OrderedDict()
_walks_lock = threading.Lock()


def _state_key(state: RunState) -> str:
    return json.dumps([state.answers, sorted(state.skipped), state.env], sort_keys=True, default=str)


def _walk(playbook: Playbook, state: RunState) -> tuple[list[Step], dict[str, Any]]:
    context: dict[str, Any] = {"today": None, "settings": {}}
    context.update(state.env)
    context.update({step.id: _empty(step) for step in playbook.steps})
    visible: list[Step] = []
    for step in playbook.steps:
        if step.when is not None and not _safe_truthy(step.when, context):
            continue
        visible.append(step)
        if step.compute is not None:
            context[step.id] = _safe_compute(step.compute, context)
        elif step.id in state.answers and step.id not in state.skipped:
            context[step.id] = state.answers[step.id]
    return visible, context


def _safe_truthy(expression: str, context: Mapping[str, Any]) -> bool:
    # A `when` over answers of the wrong shape (None where a list was expected) means "no";
    # a sandbox violation is a playbook mistake and is raised.
    try:
        return conditions.truthy(expression, context)
    except conditions.SecurityError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, UndefinedError):
        return False


def _safe_compute(expression: str, context: Mapping[str, Any]) -> Any:
    # A computed value over unanswered steps is simply not known yet.
    try:
        return conditions.evaluate(expression, context)
    except conditions.SecurityError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, UndefinedError):
        return None


def context(playbook: Playbook, state: RunState) -> dict[str, Any]:
    return walk(playbook, state)[1]


def visible_questions(playbook: Playbook, state: RunState) -> list[Step]:
    return [step for step in walk(playbook, state)[0] if step.is_question]


def next_question(playbook: Playbook, state: RunState) -> Step | None:
    for step in visible_questions(playbook, state):
        if step.id not in state.answers and step.id not in state.skipped:
            return step
    return None


def current(playbook: Playbook, state: RunState) -> Step | None:
    """The question on screen, or None when the run is at review."""
    if state.cursor is None:
        return None
    visible = {step.id: step for step in visible_questions(playbook, state)}
    return visible.get(state.cursor) or next_question(playbook, state)


def _advance(playbook: Playbook, state: RunState) -> RunState:
    step = next_question(playbook, state)
    return replace(state, cursor=step.id if step else None)


def start(playbook: Playbook, env: Mapping[str, Any] | None = None) -> RunState:
    return _advance(playbook, RunState(env=dict(env or {})))


def answer(
    playbook: Playbook,
    state: RunState,
    raw: Any,
    *,
    today: date,
    default_currency: str = "USD",
) -> Answered:
    """Parse ``raw`` for the current question. Raises ``AnswerRejected`` (state unchanged) if it doesn't fit."""
    step = current(playbook, state)
    if step is None:
        raise ActionRefused("at_review", "All questions are answered. Review your answers, then submit.")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        offered = suggestion(playbook, state, step)
        raw = offered if offered is not None else raw
    earlier = walk(playbook, state)[1]
    value = answers.parse_answer(step, raw, today=today, earlier=earlier, default_currency=default_currency)
    warnings = answers.answer_warnings(step, value, earlier=earlier)
    new_answers = dict(state.answers)
    new_answers[step.id] = value
    new_state = RunState(answers=new_answers, skipped=state.skipped - {step.id}, cursor=step.id, env=state.env)
    return Answered(_advance(playbook, new_state), step.id, value, warnings)


def suggestion(playbook: Playbook, state: RunState, step: Step) -> Any:
    """What an empty answer stands for: the step's ``default``, else its ``suggest:`` over earlier
    answers ("Usually Pepper Potts"), else None. The person sees it offered, so Enter accepts it."""
    if step.default is not None:
        return step.default
    if step.suggest is None:
        return None
    offered = _safe_compute(step.suggest, walk(playbook, state)[1])
    if offered is None or isinstance(offered, (dict, list)) or (isinstance(offered, str) and not offered.strip()):
        return None
    return offered


@dataclass(frozen=True)
class Progress:
    """Where a question sits: the core questions are counted on their own (``[2/5]``), then the
    optional ones (``optional 1/11``), so the counter never jumps when a `when:` opens more."""

    core: bool
    position: int
    total: int


def is_core(step: Step) -> bool:
    return step.required and step.section == "core"


def progress(playbook: Playbook, state: RunState, step: Step) -> Progress:
    core = is_core(step)
    group = [q for q in visible_questions(playbook, state) if is_core(q) == core]
    position = next((i for i, q in enumerate(group, 1) if q.id == step.id), 1)
    return Progress(core, position, len(group))


def skip(playbook: Playbook, state: RunState) -> RunState:
    step = current(playbook, state)
    if step is None:
        raise ActionRefused("at_review", "There is no question to skip: you are at the review.")
    if step.required:
        raise ActionRefused("required", "This one is needed, so it can't be skipped.")
    new_answers = {k: v for k, v in state.answers.items() if k != step.id}
    return _advance(playbook, RunState(answers=new_answers, skipped=state.skipped | {step.id}, cursor=step.id,
                                       env=state.env))


def back(playbook: Playbook, state: RunState) -> RunState:
    questions = visible_questions(playbook, state)
    if not questions:
        raise ActionRefused("at_start", "This is the first question.")
    step = current(playbook, state)
    if step is None:
        return replace(state, cursor=questions[-1].id)
    index = [q.id for q in questions].index(step.id)
    if index == 0:
        raise ActionRefused("at_start", "This is the first question.")
    return replace(state, cursor=questions[index - 1].id)


def edit(playbook: Playbook, state: RunState, step_id: str) -> RunState:
    if step_id not in {q.id for q in visible_questions(playbook, state)}:
        raise ActionRefused("not_editable", "That question isn't part of this conversation any more.")
    return replace(state, cursor=step_id)


def review(playbook: Playbook, state: RunState) -> list[ReviewItem]:
    items = []
    ctx = context(playbook, state)
    for step in visible_questions(playbook, state):
        value = ctx.get(step.id)
        answered = step.id in state.answers and step.id not in state.skipped
        items.append(
            ReviewItem(step, value if answered else None, answers.format_answer(step, value) if answered else "—",
                       step.id in state.skipped)
        )
    return items


def missing_required(playbook: Playbook, state: RunState) -> list[Step]:
    return [
        step
        for step in visible_questions(playbook, state)
        if step.required and (step.id not in state.answers or step.id in state.skipped)
    ]


def submittable(playbook: Playbook, state: RunState) -> dict[str, Any]:
    """The final answers (visible steps only) and computed values; refuses when required ones are missing."""
    missing = missing_required(playbook, state)
    if missing:
        raise ActionRefused("incomplete", "Some needed questions have no answer yet: " + ", ".join(s.id for s in missing))
    return final_values(playbook, state)


def final_values(playbook: Playbook, state: RunState) -> dict[str, Any]:
    visible, ctx = walk(playbook, state)
    return {step.id: ctx.get(step.id) for step in visible}



def display_values(playbook: Playbook, state: RunState) -> dict[str, str]:
    """Human text of each visible answer, for templates (``display.primary_reason`` is its label)."""
    visible, ctx = walk(playbook, state)
    shown = {}
    for step in visible:
        value = ctx.get(step.id)
        if step.is_question and (step.id not in state.answers or step.id in state.skipped):
            shown[step.id] = ""
        else:
            shown[step.id] = answers.format_answer(step, value) if step.type else ("" if value is None else str(value))
    return shown


__all__ = [
    "ActionRefused",
    "AnswerRejected",
    "Answered",
    "ReviewItem",
    "RunState",
    "answer",
    "back",
    "context",
    "current",
    "display_values",
    "edit",
    "final_values",
    "missing_required",
    "next_question",
    "review",
    "skip",
    "start",
    "submittable",
    "visible_questions",
    "walk",
]
