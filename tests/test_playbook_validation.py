"""Playbook mistakes are reported with file, line and a plain message; nothing half-loads."""

import textwrap

import pytest
from pydantic import ValidationError

from bot.engine.loader import collect_playbooks, load_playbooks
from bot.engine.model import Playbook, Reminder, Step
from bot.errors import PlaybookError
from bot.files.teams import Team

HEADER = """\
id: sample
title: Sample
description: A sample
version: 1
command: /sample
intro: Hello
on_submit:
  summary: sample/summary.md.j2
steps:
"""


def write(tmp_path, steps: str, name: str = "sample.yml", header: str = HEADER):
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(steps))
    return path


def problems_for(tmp_path, steps: str, **kw):
    write(tmp_path, steps, **kw)
    playbooks, problems = collect_playbooks(tmp_path)
    return playbooks, problems


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_valid_playbook_loads(tmp_path):
    playbooks, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: text
    """)
    assert problems == []
    assert playbooks["sample"].steps[0].id == "deal"


def test_unknown_type_names_line_and_choices(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: txt
    """)
    problem = only(problems)
    assert problem.line == 12
    assert "'txt'" in problem.message and "long_text" in problem.message
    assert problem.where.startswith("steps[0] (deal).type")
    assert problem.file.endswith("sample.yml")


class Contains(str):
    """Compares equal to a message that contains it (a table row's expected message)."""

    def __eq__(self, message: object) -> bool:
        return isinstance(message, str) and str(self) in message

    def __ne__(self, message: object) -> bool:
        return not self == message

    __hash__ = str.__hash__


class StartsWith(Contains):
    def __eq__(self, message: object) -> bool:
        return isinstance(message, str) and message.startswith(str(self))

    __hash__ = str.__hash__


def mistake(steps: str, line: int, message: str, id: str, name: str = "sample.yml"):
    """One mistake in the steps of ``name``: the line it is reported on (steps start on line
    10) and the message."""
    return pytest.param(steps, name, line, message, id=id)


MISTAKES = [
    mistake("""\
      - id: deal
        ask: Which deal?
        type: text
      - id: deal
        ask: Again?
        type: text
    """, 13, "duplicate step id 'deal' (first used on line 10)", "duplicate_step_id"),
    mistake("""\
      - id: competitor
        ask: Which competitor?
        type: text
        when: reason == 'competitor'
      - id: reason
        ask: Why?
        type: text
    """, 13, Contains("names 'reason', which comes later"), "when_naming_a_later_step"),
    mistake("""\
      - id: deal
        ask: Which deal?
        type: text
        when: stage == 'late'
    """, 13, Contains("names 'stage', which is not a step in this playbook"), "when_naming_an_unknown_step"),
    mistake("""\
      - id: deal
        ask: "Which deal lost on {{ reason }}?"
        type: text
      - id: reason
        ask: Why?
        type: text
    """, 11, "`ask` uses 'reason', which comes later", "ask_using_a_later_step"),
    mistake("""\
      - id: deal
        ask: "Which deal, {{ nobody }}?"
        type: text
    """, 11, "`ask` uses 'nobody', which is not a step in this playbook", "ask_using_an_unknown_name"),
    mistake("""\
      - id: deal
        ask: Which deal?
        type: text
      - id: more
        compute: deal ==
    """, 14, StartsWith("`compute` does not compile"), "expression_that_does_not_compile"),
    mistake("""\
      - id: deal
        ask: "Which deal {{ ?"
        type: text
    """, 11, Contains("`ask` template does not compile"), "ask_template_that_does_not_compile"),
    mistake("""\
      - id: reason
        ask: Why?
        type: choice
        options:
          - {value: price, label: Price}
          - {value: price, label: Too expensive}
    """, 15, "duplicate option value 'price'", "duplicate_option_values"),
    mistake("""\
      - id: deal
        ask: Which deal?
        type: text
        requried: false
    """, 13, "unknown field `requried` (check the spelling)", "unknown_field_is_a_typo"),
    mistake("""\
      - id: reason
        ask: Why?
        type: choice
    """, 10, Contains("needs `options`"), "choice_without_options"),
    mistake("""\
      - id: multiple
        ask: Coverage multiple?
        type: number
        default: lots
    """, 13, StartsWith("the default does not fit the step"), "default_that_does_not_fit"),
    mistake("""\
      - id: deal
        ask: Which deal?
        type: text
    """, 1, Contains("must match the file name 'other'"), "id_must_match_file_name", name="other.yml"),
]


@pytest.mark.parametrize(("steps", "name", "line", "message"), MISTAKES)
def test_one_mistake_is_reported_with_its_line_and_message(tmp_path, steps, name, line, message):
    problem = only(problems_for(tmp_path, steps, name=name)[1])
    assert (problem.line, problem.message) == (line, message)


def test_yaml_syntax_error_has_line(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: [unclosed
        type: text
    """)
    problem = only(problems)
    assert problem.message.startswith("not valid YAML")
    assert problem.line is not None and problem.line >= 11


def test_every_problem_is_reported_at_once_and_nothing_loads(tmp_path):
    write(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: txt
      - id: deal
        ask: Again?
        type: text
    """)
    write(tmp_path, "  - id: x\n    ask: X\n    type: text\n    when: later\n", name="second.yml",
          header=HEADER.replace("id: sample", "id: second").replace("/sample", "/second"))
    with pytest.raises(PlaybookError) as err:
        load_playbooks(tmp_path)
    assert len(err.value.problems) == 2
    files = {p.file.rsplit("/", 1)[-1] for p in err.value.problems}
    assert files == {"sample.yml", "second.yml"}


def test_two_playbooks_with_one_command(tmp_path):
    step = "  - id: x\n    ask: X\n    type: text\n"
    write(tmp_path, step)
    write(tmp_path, step, name="twin.yml", header=HEADER.replace("id: sample", "id: twin"))
    _, problems = collect_playbooks(tmp_path)
    assert "/sample is already the command of 'sample'" in only(problems).message


def test_shipped_playbooks_are_valid():
    from bot.config import PROJECT_ROOT

    playbooks, problems = collect_playbooks(PROJECT_ROOT / "playbooks")
    assert problems == []
    assert {"debrief", "graceful-no", "pilot-plan", "recover"} <= set(playbooks)
    commands = {p.command for p in playbooks.values()}
    assert commands >= {"/debrief", "/graceful-no", "/pilot-plan", "/recover"}


def test_debrief_core_is_at_most_six_required_steps():
    from bot.config import PROJECT_ROOT

    playbooks, _ = collect_playbooks(PROJECT_ROOT / "playbooks")
    debrief = playbooks["debrief"]
    core_required = [s for s in debrief.questions if s.section == "core" and s.required and s.when is None]
    assert 1 <= len(core_required) <= 6
    reason = next(s for s in debrief.questions if s.type == "choice" and any(o.value == "unknown" for o in s.options))
    assert {o.value for o in reason.options} >= {"price", "competitor", "no_decision", "unknown", "other"}
    assert any(s.type == "multi_choice" for s in debrief.questions)  # secondary reasons


@pytest.mark.parametrize(("model", "data", "message"), [
    pytest.param(Playbook, {"id": "Bad Id"}, "id 'Bad Id' must be lower case letters, digits, - or _", id="playbook_id"),
    pytest.param(Playbook, {"command": "/Debrief"},
                 "command '/Debrief' must look like /debrief (lower case, at most 32 characters)", id="command"),
    pytest.param(Step, {"id": "Deal"}, "id 'Deal' must be snake_case (a-z, 0-9, _), starting with a letter", id="step_id"),
    pytest.param(Reminder, {"at": "9:00"}, "`at` must be HH:MM (24-hour), got '9:00'", id="reminder_at"),
    pytest.param(Team, {"id": "West"}, "team id 'West' must be lower case letters, digits, - or _", id="team_id"),
])
def test_a_malformed_id_or_time_says_what_to_write(model, data, message):
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    assert message in [error["msg"].removeprefix("Value error, ") for error in err.value.errors()]
