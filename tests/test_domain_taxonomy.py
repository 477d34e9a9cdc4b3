"""The loss-reason taxonomy, the coaching map and routing (bot/domain/taxonomy.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.domain import taxonomy
from bot.domain.errors import UnknownKey, UnknownReason

PLAYBOOKS = Path(__file__).resolve().parent.parent / "playbooks"


def _options(playbook: str, step_id: str) -> list[dict]:
    data = yaml.safe_load((PLAYBOOKS / playbook).read_text(encoding="utf-8"))
    return next(step["options"] for step in data["steps"] if step["id"] == step_id)


def test_loss_reasons_are_in_the_documented_order():
    assert taxonomy.LOSS_REASON_KEYS == (
        "price", "competitor", "incumbent_stayed", "no_decision", "budget_gone", "timing",
        "product_gap", "relationship", "pilot_failed", "other", "unknown",
    )


def test_loss_reasons_match_the_debrief_playbook_options():
    options = _options("debrief.yml", "primary_reason")
    assert [(o["value"], o["label"], o.get("hint", "")) for o in options] == [
        (r.key, r.label, r.hint) for r in taxonomy.LOSS_REASONS
    ]


def test_graceful_no_reasons_match_the_graceful_no_playbook_options():
    options = _options("graceful-no.yml", "reason_category")
    assert taxonomy.GRACEFUL_NO_KEYS == ("timing", "budget", "priority_changed", "confidence", "fit", "competitor", "other")
    assert [(o["value"], o["label"], o.get("hint", "")) for o in options] == [
        (r.key, r.label, r.hint) for r in taxonomy.GRACEFUL_NO_REASONS
    ]


def test_every_loss_reason_has_coaching_questions_and_routing():
    for key in taxonomy.LOSS_REASON_KEYS:
        assert key in taxonomy.COACHING_MAP
        assert 2 <= len(taxonomy.MANAGER_QUESTIONS[key]) <= 3
        assert set(taxonomy.ROUTING[key]) <= set(taxonomy.OWNERS)
    assert set(taxonomy.COACHING_MAP) == set(taxonomy.MANAGER_QUESTIONS) == set(taxonomy.ROUTING) == set(taxonomy.LOSS_REASON_KEYS)


def test_coaching_focus_price_is_the_documented_skill():
    assert taxonomy.coaching_focus("price") == "negotiating, closing, building value before price"


def test_coaching_focus_no_decision_and_timing_share_one_skill():
    assert taxonomy.coaching_focus("no_decision", ["timing"]) == "establishing urgency and compelling reasons"


def test_coaching_focus_secondary_reasons_add_distinct_skills_in_order():
    assert taxonomy.coaching_focus("budget_gone", ["relationship", "budget_gone", "other"]) == (
        "qualifying budget and economic buyer early; also multi-threading, working the wider account"
    )


def test_coaching_focus_other_alone_is_none():
    assert taxonomy.coaching_focus("other") is None
    assert taxonomy.coaching_focus("other", ["competitor"]) == "presenting, communicating differentiation"


def test_coaching_focus_missing_primary_is_none():
    assert taxonomy.coaching_focus(None, None) is None


def test_coaching_focus_unknown_key_raises_with_fields():
    with pytest.raises(UnknownReason) as caught:
        taxonomy.coaching_focus("price", ["bad_luck"])
    assert caught.value.kind == "loss reason"
    assert caught.value.key == "bad_luck"
    assert caught.value.known == taxonomy.LOSS_REASON_KEYS


def test_manager_questions_returns_a_fresh_list():
    questions = taxonomy.manager_questions("pilot_failed")
    assert questions[0] == "Did we agree success criteria with the customer before the pilot started?"
    questions.append("mutated")
    assert len(taxonomy.manager_questions("pilot_failed")) == 3


def test_manager_questions_missing_reason_is_empty():
    assert taxonomy.manager_questions(None) == []


def test_manager_questions_unknown_reason_raises():
    with pytest.raises(UnknownReason):
        taxonomy.manager_questions("weather")


def test_lesson_owners_product_gap_goes_to_product_and_manager():
    assert taxonomy.lesson_owners("product_gap") == ("product", "manager")


def test_lesson_owners_merge_secondary_reasons_in_owner_order():
    assert taxonomy.lesson_owners("timing", ["competitor", "product_gap"]) == ("product", "enablement", "manager")


def test_graceful_no_reason_unknown_key_raises():
    assert taxonomy.graceful_no_reason("fit").label == "Fit"
    with pytest.raises(UnknownKey) as caught:
        taxonomy.graceful_no_reason("price")
    assert caught.value.kind == "graceful-no reason"
