"""Playbook mistakes are reported with file, line and a plain message; nothing half-loads."""

import textwrap

import pytest

from bot.engine.loader import collect_playbooks, load_playbooks
from bot.errors import PlaybookError

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


def test_duplicate_step_id(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: text
      - id: deal
        ask: Again?
        type: text
    """)
    problem = only(problems)
    assert problem.line == 13
    assert problem.message == "duplicate step id 'deal' (first used on line 10)"


def test_when_naming_a_later_step(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: competitor
        ask: Which competitor?
        type: text
        when: reason == 'competitor'
      - id: reason
        ask: Why?
        type: text
    """)
    problem = only(problems)
    assert problem.line == 13
    assert "names 'reason', which comes later" in problem.message


def test_when_naming_an_unknown_step(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: text
        when: stage == 'late'
    """)
    assert "names 'stage', which is not a step in this playbook" in only(problems).message


def test_expression_that_does_not_compile(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: text
      - id: more
        compute: deal ==
    """)
    problem = only(problems)
    assert problem.line == 14
    assert problem.message.startswith("`compute` does not compile")


def test_ask_template_that_does_not_compile(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: "Which deal {{ ?"
        type: text
    """)
    problem = only(problems)
    assert problem.line == 11
    assert "`ask` template does not compile" in problem.message


def test_duplicate_option_values(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: reason
        ask: Why?
        type: choice
        options:
          - {value: price, label: Price}
          - {value: price, label: Too expensive}
    """)
    problem = only(problems)
    assert problem.line == 15
    assert problem.message == "duplicate option value 'price'"


def test_unknown_field_is_a_typo(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: text
        requried: false
    """)
    problem = only(problems)
    assert problem.line == 13
    assert problem.message == "unknown field `requried` (check the spelling)"


def test_yaml_syntax_error_has_line(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: [unclosed
        type: text
    """)
    problem = only(problems)
    assert problem.message.startswith("not valid YAML")
    assert problem.line is not None and problem.line >= 11


def test_id_must_match_file_name(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: deal
        ask: Which deal?
        type: text
    """, name="other.yml")
    problem = only(problems)
    assert problem.line == 1
    assert "must match the file name 'other'" in problem.message


def test_choice_without_options(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: reason
        ask: Why?
        type: choice
    """)
    problem = only(problems)
    assert problem.line == 10
    assert "needs `options`" in problem.message


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


def test_default_that_does_not_fit(tmp_path):
    _, problems = problems_for(tmp_path, """\
      - id: multiple
        ask: Coverage multiple?
        type: number
        default: lots
    """)
    problem = only(problems)
    assert problem.line == 13
    assert problem.message.startswith("the default does not fit the step")


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
