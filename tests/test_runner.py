"""The run state machine: branching, back/skip/edit, computed values and the sandbox."""

from datetime import date

import pytest

from bot.engine import runner
from bot.errors import ActionRefused, AnswerRejected
from bot.engine.conditions import SecurityError
from tests.helpers import playbook

TODAY = date(2026, 11, 23)

DEBRIEF = playbook(
    [
        {"id": "deal", "ask": "Which deal?", "type": "text"},
        {"id": "lost", "ask": "How much?", "type": "currency"},
        {
            "id": "reason",
            "ask": "Why?",
            "type": "choice",
            "options": [
                {"value": "price", "label": "Price"},
                {"value": "competitor", "label": "Competitor"},
            ],
        },
        {"id": "competitor", "ask": "Which competitor?", "type": "text", "when": "reason == 'competitor'"},
        {"id": "retained", "ask": "Anything retained?", "type": "currency", "required": False},
        {
            "id": "unrecovered",
            "compute": "money(lost.amount - (retained.amount if retained else 0), lost.currency)",
        },
        {"id": "notes", "ask": "Notes for {{ deal }}?", "type": "long_text", "required": False},
    ]
)


def answer_all(state, *raws):
    for raw in raws:
        state = runner.answer(DEBRIEF, state, raw, today=TODAY).state
    return state


def test_start_points_at_first_question():
    state = runner.start(DEBRIEF)
    assert state.cursor == "deal"
    assert runner.current(DEBRIEF, state).id == "deal"


def test_branch_is_asked_only_when_condition_holds():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "Price")
    assert state.cursor == "retained"
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "Competitor")
    assert state.cursor == "competitor"


def test_computed_value_uses_earlier_answers():
    state = answer_all(runner.start(DEBRIEF), "Acme", "$120k", "price", "$20k")
    ctx = runner.context(DEBRIEF, state)
    assert ctx["unrecovered"] == {"amount": 100000, "currency": "USD"}


def test_computed_value_is_none_until_inputs_are_known():
    state = runner.start(DEBRIEF)
    assert runner.context(DEBRIEF, state)["unrecovered"] is None


def test_invalid_answer_is_rejected_and_state_kept():
    state = answer_all(runner.start(DEBRIEF), "Acme")
    with pytest.raises(AnswerRejected) as err:
        runner.answer(DEBRIEF, state, "lots", today=TODAY)
    assert err.value.step_id == "lost"
    assert state.answers == {"deal": "Acme"}
    assert state.cursor == "lost"


@pytest.mark.parametrize(("move", "reason"), [(runner.skip, "required"), (runner.back, "at_start")],
                         ids=["skip_the_required_first_question", "back_at_the_first_question"])
def test_a_move_the_first_question_does_not_allow_is_refused(move, reason):
    with pytest.raises(ActionRefused) as err:
        move(DEBRIEF, runner.start(DEBRIEF))
    assert err.value.reason == reason


def test_skip_optional_step_moves_on():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "price")
    state = runner.skip(DEBRIEF, state)
    assert "retained" in state.skipped
    assert state.cursor == "notes"


def test_back_reopens_previous_question_and_keeps_answer():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k")
    state = runner.back(DEBRIEF, state)
    assert state.cursor == "lost"
    assert state.answers["lost"] == {"amount": 120000, "currency": "USD"}
    state = runner.answer(DEBRIEF, state, "130k", today=TODAY).state
    assert state.answers["lost"]["amount"] == 130000
    assert state.cursor == "reason"


def test_back_from_review_goes_to_last_question():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "price", "0", "none")
    assert state.cursor is None
    assert runner.back(DEBRIEF, state).cursor == "notes"


def test_edit_earlier_answer_reevaluates_later_branches():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "competitor", "Globex", "0", "n/a")
    assert [q.id for q in runner.visible_questions(DEBRIEF, state)].count("competitor") == 1
    state = runner.edit(DEBRIEF, state, "reason")
    state = runner.answer(DEBRIEF, state, "price", today=TODAY).state
    assert "competitor" not in [q.id for q in runner.visible_questions(DEBRIEF, state)]
    assert state.cursor is None  # everything else was answered: straight back to review
    assert "competitor" not in runner.final_values(DEBRIEF, state)
    # and switching back brings the earlier answer back rather than asking again
    state = runner.answer(DEBRIEF, runner.edit(DEBRIEF, state, "reason"), "competitor", today=TODAY).state
    assert runner.final_values(DEBRIEF, state)["competitor"] == "Globex"


def test_edit_newly_visible_step_is_asked():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "price", "0", "n/a")
    state = runner.answer(DEBRIEF, runner.edit(DEBRIEF, state, "reason"), "competitor", today=TODAY).state
    assert state.cursor == "competitor"


def test_edit_hidden_step_is_refused():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "price")
    with pytest.raises(ActionRefused):
        runner.edit(DEBRIEF, state, "competitor")


def test_submittable_refuses_missing_required_answers():
    state = answer_all(runner.start(DEBRIEF), "Acme")
    with pytest.raises(ActionRefused) as err:
        runner.submittable(DEBRIEF, state)
    assert err.value.reason == "incomplete"
    assert "lost" in err.value.message


def test_review_lists_visible_questions_with_display_text():
    state = answer_all(runner.start(DEBRIEF), "Acme", "120k", "price")
    state = runner.skip(DEBRIEF, state)
    items = {item.step.id: item for item in runner.review(DEBRIEF, state)}
    assert items["reason"].display == "Price"
    assert items["retained"].skipped is True
    assert "competitor" not in items


def test_default_is_used_for_empty_input():
    pb = playbook([{"id": "multiple", "ask": "Coverage multiple?", "type": "number", "default": 3}])
    result = runner.answer(pb, runner.start(pb), "", today=TODAY)
    assert result.value == 3


def test_sandbox_refuses_python_internals_in_when():
    pb = playbook(
        [
            {"id": "a", "ask": "A?", "type": "text"},
            {"id": "b", "ask": "B?", "type": "text", "when": "a.__class__.__mro__"},
        ]
    )
    with pytest.raises(SecurityError):
        runner.answer(pb, runner.start(pb), "x", today=TODAY)


def test_sandbox_refuses_internals_in_compute():
    pb = playbook(
        [
            {"id": "a", "ask": "A?", "type": "text"},
            {"id": "c", "compute": "a.__class__.__subclasses__()"},
        ]
    )
    with pytest.raises(SecurityError):
        runner.start(pb)


def test_when_over_wrong_shape_is_false_not_a_crash():
    pb = playbook(
        [
            {"id": "tags", "ask": "Tags?", "type": "multi_choice", "required": False,
             "options": [{"value": "x", "label": "X"}]},
            {"id": "b", "ask": "B?", "type": "text", "when": "tags > 3"},
        ]
    )
    state = runner.skip(pb, runner.start(pb))
    assert state.cursor is None


def test_walk_results_are_remembered_but_each_caller_gets_its_own_copy():
    state = answer_all(runner.start(DEBRIEF), "Acme", "$120k", "price", "$20k")
    first = runner.context(DEBRIEF, state)
    first["lost"]["amount"] = 1  # a caller scribbling on its copy
    first["extra"] = "x"
    again = runner.context(DEBRIEF, state)
    assert again["lost"] == {"amount": 120000, "currency": "USD"} and "extra" not in again
    assert again["unrecovered"] == {"amount": 100000, "currency": "USD"}


def test_walk_depends_on_the_surroundings_too():
    pb = playbook([
        {"id": "a", "ask": "A?", "type": "text"},
        {"id": "late", "ask": "Late?", "type": "text", "when": "today > '2026-12-01'"},
    ])
    before = runner.RunState(answers={"a": "x"}, env={"today": "2026-11-23"})
    after = runner.RunState(answers={"a": "x"}, env={"today": "2026-12-02"})
    assert [s.id for s in runner.visible_questions(pb, before)] == ["a"]
    assert [s.id for s in runner.visible_questions(pb, after)] == ["a", "late"]


# -- functions the wiring hands the engine -------------------------------------------------------

def test_provided_function_is_callable_and_not_an_answer_name():
    from bot.engine import conditions

    conditions.provide_functions({"double_it": lambda x: x * 2})
    assert conditions.evaluate("double_it(n)", {"n": 21}) == 42
    assert conditions.names_in("double_it(n) > 3") == {"n"}
    assert {"recovery_plan", "suggest_reason", "double_it", "add_days"} <= conditions.function_names()


def test_provided_function_may_not_replace_a_built_in_helper():
    from bot.engine import conditions

    with pytest.raises(ValueError, match="add_days"):
        conditions.provide_functions({"add_days": lambda start, days: start})
    assert conditions.evaluate("add_days('2027-01-30', 2)", {}) == "2027-02-01"

