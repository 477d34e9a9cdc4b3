"""The deepened debrief: core questions in about 90 seconds, branching to the competitor or the
missing capability where the reason calls for it, and the facts the weekly numbers use."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import PROJECT_ROOT
from bot.engine import runner
from bot.engine.loader import load_playbooks
from bot.flows.debrief.facts import fact_of, week_of
from bot.store.runs import Run

TODAY = date(2026, 11, 18)


@pytest.fixture(scope="module")
def debrief():
    return load_playbooks(PROJECT_ROOT / "playbooks")["debrief"]


def walk(playbook, answers: dict) -> tuple[list[str], dict]:
    """Answer in order; return the question ids asked and the final values."""
    state = runner.start(playbook, {"today": TODAY.isoformat()})
    asked = []
    while (step := runner.current(playbook, state)) is not None:
        asked.append(step.id)
        if step.id in answers:
            state = runner.answer(playbook, state, answers[step.id], today=TODAY).state
        else:
            state = runner.skip(playbook, state)
    return asked, runner.submittable(playbook, state)


CORE = {"deal": "Acme", "amount": "$50k", "what_happened": "They went another way.", "avoidable": "no",
        "add_detail": "no"}


def test_core_is_short_and_the_version_was_bumped(debrief):
    asked, _ = walk(debrief, {**CORE, "primary_reason": "price"})
    assert asked == ["deal", "amount", "primary_reason", "what_happened", "avoidable", "add_detail"]
    assert debrief.version >= 2


def test_competitor_and_gap_are_asked_only_when_the_reason_calls_for_them(debrief):
    asked, values = walk(debrief, {**CORE, "primary_reason": "competitor", "competitor": "Samsara"})
    assert "competitor" in asked and "gap_capability" not in asked
    assert values["competitor_name"] == "Samsara" and values["to_product"] is False
    asked, values = walk(debrief, {**CORE, "primary_reason": "product_gap", "gap_capability": "SSO"})
    assert "gap_capability" in asked and values["gap_named"] == "SSO" and values["to_product"] is True


def test_a_secondary_product_gap_asks_which_capability(debrief):
    answers = {**CORE, "primary_reason": "price", "add_detail": "yes", "secondary_reasons": "Product gap",
               "secondary_gap": "Offline mode", "account": "Acme Corp"}
    asked, values = walk(debrief, answers)
    assert "secondary_gap" in asked and "secondary_competitor" not in asked
    assert (values["gap_named"], values["to_product"], values["account"]) == ("Offline mode", True, "Acme Corp")


def test_no_per_debrief_posts_to_product_enablement_or_managers(debrief):
    assert [post.to for post in debrief.on_submit.posts] == ["team_channel"]


def test_fact_of_a_lost_renewal(debrief):
    answers = {**CORE, "primary_reason": "competitor", "competitor": " Samsara ", "add_detail": "yes",
               "lost_renewal": "yes", "retained_amount": "$20k", "enablement_lesson": "Battlecard please",
               "avoidable": "yes"}
    _, values = walk(debrief, answers)
    run = Run(id="r1", playbook="debrief", playbook_version=2, user_id="U1", team="west", status="submitted",
              cursor=None, skipped=[], source="slack", meta={}, started_at="2026-11-18T06:00:00+00:00",
              updated_at="2026-11-18T06:30:00+00:00", submitted_at="2026-11-16T06:30:00+00:00", cancelled_at=None)
    fact = fact_of(run, values, "America/Los_Angeles")
    assert fact["week"] == "2026-W46"  # Sunday evening in Los Angeles
    assert (fact["amount_cents"], fact["currency"], fact["retained_cents"], fact["unrecovered_cents"]) == (
        5_000_000, "USD", 2_000_000, 3_000_000)
    assert (fact["competitor"], fact["avoidable"], fact["to_enablement"], fact["to_product"]) == (
        "Samsara", True, True, False)
    assert fact["detail"] == {"what_happened": "They went another way.", "enablement_lesson": "Battlecard please"}
    assert week_of("2026-11-16T06:30:00+00:00", None) == "2026-W47"
