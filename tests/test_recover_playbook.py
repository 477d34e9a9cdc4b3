"""The /recover playbook's arithmetic, hand-checked through the real engine and template, and
the `same_currency_as` rule that refuses mixed currencies in the conversation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.engine import runner
from bot.engine.loader import load_playbooks
from bot.errors import AnswerRejected
from bot.render.templates import Renderer
from bot.services import template_globals
from tests.helpers import playbook as make_playbook

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def recover():
    return load_playbooks(PROJECT_ROOT / "playbooks")["recover"]


@pytest.fixture(scope="module")
def renderer():
    return Renderer(PROJECT_ROOT / "prompts", extra_globals=template_globals())


def run(playbook, answers: dict[str, Any], *, multiple: float = 3.0, currency: str = "USD",
        stop_at: str | None = None) -> runner.RunState:
    """Answer in order; an optional step missing from ``answers`` is skipped. Stops at the review,
    at ``stop_at``, or at a required step with no answer given."""
    state = runner.start(playbook, {"today": TODAY.isoformat(),
                                    "settings": {"coverage_multiple": multiple, "currency": currency}})
    for _ in range(len(playbook.steps)):
        step = runner.current(playbook, state)
        if step is None or step.id == stop_at or (step.required and step.id not in answers):
            break
        if step.id in answers:
            state = runner.answer(playbook, state, answers[step.id], today=TODAY, default_currency=currency).state
        else:
            state = runner.skip(playbook, state)
    return state


def summary(renderer, playbook, state) -> str:
    ctx = runner.context(playbook, state)
    ctx.update(display=runner.display_values(playbook, state), run={"user_id": "U0REP1"})
    return renderer.render("recover/summary.md.j2", ctx, plain=True)


def values(playbook, state) -> dict[str, Any]:
    return runner.final_values(playbook, state)


def test_northwind_example_hand_checked(recover, renderer):
    state = run(recover, {"lost_amount": "$120k", "retained_amount": "$35k", "quota": "$600k",
                          "current_pipeline": "$1.9M", "win_rate": "25%"})
    got = values(recover, state)
    # 120,000 - 35,000 = 85,000; 1 / 25% = 4x; 4 x 85,000 = 340,000
    assert got["unrecovered"] == {"amount": 85000, "currency": "USD"}
    assert got["multiple_used"] == 4
    assert got["pipeline_to_add"] == {"amount": 340000, "currency": "USD"}
    # 4 x 600,000 + 340,000 = 2,740,000 needed; 1,900,000 open does not cover it
    assert got["plan"]["pipeline_needed_total"] == {"amount": 2740000, "currency": "USD"}
    assert got["covered"] is False
    text = summary(renderer, recover, state)
    assert "Add USD 340,000 of new pipeline" in text
    assert ("USD 2,400,000 for the quota (4 × USD 600,000) + USD 340,000 for the loss = *USD 2,740,000* of pipeline "
            "needed") in text
    assert "2.77x coverage" in text  # 1,900,000 / (600,000 + 85,000)
    assert "Pipeline shortfall (quota and loss): USD 840,000." in text  # 2,740,000 - 1,900,000


def test_team_multiple_is_the_default(recover, renderer):
    state = run(recover, {"lost_amount": "50k", "retained_amount": "0"}, multiple=3.5)
    got = values(recover, state)
    assert got["multiple_used"] == 3.5 and got["pipeline_to_add"] == {"amount": 175000, "currency": "USD"}
    assert "your team's multiple" in summary(renderer, recover, state)
    step = recover.step("coverage_multiple")
    assert not step.required and step.default is None  # skipping keeps the team's


def test_own_multiple_wins_over_the_team_and_a_win_rate_over_both(recover):
    assert values(recover, run(recover, {"lost_amount": "10k", "retained_amount": "0", "coverage_multiple": "5"}))[
        "pipeline_to_add"]["amount"] == 50000
    state = run(recover, {"lost_amount": "60k", "retained_amount": "0", "win_rate": "30%"})
    # exact 100 / 30 = 3.333...; 60,000 x 3.333... = 200,000 (no drift from rounding the multiple)
    assert values(recover, state)["pipeline_to_add"] == {"amount": 200000, "currency": "USD"}
    assert values(recover, state)["multiple_used"] == 3.33


def test_retained_more_than_lost_leaves_nothing_to_replace(recover, renderer):
    state = run(recover, {"lost_amount": "50k", "retained_amount": "80k", "current_pipeline": "10k"})
    got = values(recover, state)
    assert got["unrecovered"]["amount"] == 0 and got["pipeline_to_add"]["amount"] == 0
    assert got["covered"] is True
    text = summary(renderer, recover, state)
    assert "you kept more than was lost" in text and "Add USD" not in text


def test_zero_quota_is_fine(recover, renderer):
    state = run(recover, {"lost_amount": "10k", "retained_amount": "0", "quota": "0", "current_pipeline": "45k"})
    got = values(recover, state)
    # 3 x 0 + 3 x 10,000 = 30,000 needed; 45,000 / (0 + 10,000) = 4.5x
    assert got["plan"]["pipeline_needed_total"]["amount"] == 30000
    assert got["plan"]["current_coverage"] == 4.5 and got["covered"] is True
    assert "Covered." in summary(renderer, recover, state)


def test_zero_quota_and_nothing_lost_has_no_coverage_ratio(recover, renderer):
    state = run(recover, {"lost_amount": "0", "retained_amount": "0", "quota": "0", "current_pipeline": "5k"})
    assert values(recover, state)["plan"]["current_coverage"] is None
    text = summary(renderer, recover, state)
    assert "Nothing to replace" in text and "coverage against" not in text


def test_pipeline_without_quota_is_compared_with_the_loss_alone(recover, renderer):
    state = run(recover, {"lost_amount": "10k", "retained_amount": "0", "current_pipeline": "20k"})
    assert values(recover, state)["covered"] is False  # 3 x 10,000 = 30,000 > 20,000
    assert "*Pipeline shortfall (loss only): USD 10,000* of the USD 30,000 this loss calls for" in summary(
        renderer, recover, state)


def test_mixed_currencies_are_refused_with_a_friendly_message(recover):
    state = run(recover, {"lost_amount": "€100k"})
    with pytest.raises(AnswerRejected) as caught:
        runner.answer(recover, state, "$20k", today=TODAY)
    assert caught.value.step_id == "retained_amount"
    assert "Please give it in EUR, like the lost amount" in caught.value.message
    assert "never convert" in caught.value.message


def test_an_amount_without_a_currency_takes_the_lost_amounts(recover):
    state = run(recover, {"lost_amount": "€100k", "retained_amount": "20k", "quota": "500k"}, currency="USD")
    got = values(recover, state)
    assert got["plan"]["retained"] == {"amount": 20000, "currency": "EUR"}
    assert got["unrecovered"] == {"amount": 80000, "currency": "EUR"}


def test_opportunities_in_another_currency_are_refused_per_item(recover):
    state = run(recover, {"lost_amount": "$10k", "retained_amount": "0"}, stop_at="opportunities")
    assert runner.current(recover, state).id == "opportunities"
    with pytest.raises(AnswerRejected) as caught:
        runner.answer(recover, state, "Acme | $5k\nGlobex | €5k", today=TODAY)
    assert "Item 2, Amount: Please give it in USD" in caught.value.message


def test_opportunities_need_only_a_name_and_an_amount(recover):
    state = run(recover, {"lost_amount": "$10k", "retained_amount": "0",
                          "opportunities": "Acme – expansion | 40k\nGlobex | 20k | 50% | 2027-01-31 | 4 | 3 | 2"})
    got = values(recover, state)
    assert got["opportunities"][0] == {"name": "Acme – expansion", "amount": {"amount": 40000, "currency": "USD"},
                                       "probability": None, "close_date": None, "strategic_fit": None,
                                       "relationship": None, "effort": None, "factors": None}
    assert got["opportunities_total"] == {"amount": 60000, "currency": "USD"}


# -- the rule itself, on a small playbook ---------------------------------------------------------


def test_same_currency_as_must_name_an_earlier_currency_step(tmp_path):
    from bot.engine.loader import collect_playbooks

    text = """\
id: sample
title: Sample
description: Sample
version: 1
command: /sample
intro: Hi
steps:
  - id: when
    ask: When?
    type: date
  - id: first
    ask: First?
    type: currency
    validation:
      same_currency_as: later
  - id: second
    ask: Second?
    type: currency
    validation:
      same_currency_as: when
  - id: later
    ask: Later?
    type: currency
on_submit:
  summary: sample/summary.md.j2
"""
    (tmp_path / "sample.yml").write_text(text)
    _, problems = collect_playbooks(tmp_path)
    messages = [(p.line, p.message) for p in problems]
    assert (15, "same_currency_as must name an earlier currency step, got 'later'") in messages
    assert (20, "same_currency_as names 'when', which is not a currency step") in messages


def test_same_currency_as_before_the_reference_is_answered_accepts_any_currency():
    playbook = make_playbook([
        {"id": "a", "ask": "A?", "type": "currency", "required": False},
        {"id": "b", "ask": "B?", "type": "currency", "validation": {"same_currency_as": "a"}},
    ])
    state = runner.skip(playbook, runner.start(playbook))
    assert runner.answer(playbook, state, "£5", today=TODAY).value == {"amount": 5, "currency": "GBP"}
