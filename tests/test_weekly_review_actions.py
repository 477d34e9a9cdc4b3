"""The weekly count of reviews that agreed a coaching action, on its own: a deal's latest review
notes agree one when their action is not blank; the week counts those deals (a team figure)."""

from __future__ import annotations

import pytest

from bot.domain import weekly
from bot.domain.weekly_report import build_report

WEEK = "2026-W47"


def fact(run_id: str, *, reviewed_by: str | None = None, coaching_action: str | None = None) -> dict:
    return {"run_id": run_id, "user_id": "U1", "deal": run_id, "primary_reason": "price", "amount_cents": 100,
            "currency": "USD", "submitted_at": "2026-11-17", "reviewed_by": reviewed_by,
            "coaching_action": coaching_action}


@pytest.mark.parametrize(("action", "agreed"), [
    ("Anchor on value before price", True), ("x", True), ("  ", False), ("", False), (None, False), ("\n\t", False)])
def test_a_deal_agrees_an_action_when_its_latest_notes_name_one(action, agreed):
    assert weekly.deal_from_fact(fact("r1", reviewed_by="M", coaching_action=action)).agreed_action is agreed


def test_a_deal_without_notes_agrees_none():
    facts = {k: v for k, v in fact("r1").items() if k != "coaching_action"}
    assert weekly.deal_from_fact(facts).agreed_action is False


def report(facts: list[dict]):
    return build_report(WEEK, facts, week_totals=[], reasons=[], competitors=[], sellers=[], retained=[])


def test_the_week_counts_reviews_and_those_with_an_agreed_action():
    facts = [fact("a", reviewed_by="M", coaching_action="Multi-thread"),
             fact("b", reviewed_by="M", coaching_action="Qualify budget early"),
             fact("c", reviewed_by="M", coaching_action=" "),
             fact("d", reviewed_by="M"),
             fact("e")]
    got = report(facts)
    assert (got.count, got.reviewed, got.agreed_actions) == (5, 4, 2)


def test_no_reviews_count_zero_actions():
    got = report([fact("a"), fact("b")])
    assert (got.reviewed, got.agreed_actions) == (0, 0)
    assert report([]).agreed_actions == 0
