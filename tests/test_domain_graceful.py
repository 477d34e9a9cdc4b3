"""Reading a customer's no and linting the draft reply (bot/domain/graceful.py)."""

from __future__ import annotations

import pytest

from bot.domain import taxonomy
from bot.domain.graceful import (
    CALLOUT, DEBRIEF_REASON, GUILT, PRESSURE, QUOTA, debrief_reason, lint_reply, suggest_reason,
)


@pytest.mark.parametrize(("words", "expected"), [
    ("The board froze all new software spend until the Epic migration is done.", "budget"),
    ("Honestly it's just not the right time; let's revisit next year.", "timing"),
    ("We had a reorg and the new CFO has other priorities.", "priority_changed"),
    ("We're not convinced it would work at our scale, it feels risky.", "confidence"),
    ("It doesn't support our ERP and the use case is narrower than we thought.", "fit"),
    ("We went with another vendor who already works with our parent company.", "competitor"),
    ("We decided to build it ourselves.", "competitor"),
])
def test_suggest_reason_reads_the_customers_words(words, expected):
    assert suggest_reason(words) == expected


@pytest.mark.parametrize("words", ["", "   ", "They said no.", None, 42])
def test_suggest_reason_without_a_clue_suggests_nothing(words):
    assert suggest_reason(words) is None


def test_suggest_reason_tie_prefers_the_more_actionable_reason():
    # one budget word, one timing word: budget says more about what to do next
    assert suggest_reason("No budget, not now.") == "budget"


def test_every_suggestion_is_a_graceful_no_category():
    assert set(DEBRIEF_REASON) <= set(taxonomy.GRACEFUL_NO_KEYS)
    for reason in DEBRIEF_REASON.values():
        assert reason in taxonomy.LOSS_REASON_KEYS


def test_debrief_reason_maps_only_unambiguous_categories():
    assert debrief_reason("budget") == "budget_gone"
    assert debrief_reason("competitor") == "competitor"
    assert debrief_reason("fit") is None and debrief_reason("confidence") is None
    assert debrief_reason(None) is None


@pytest.mark.parametrize(("text", "rule", "phrase"), [
    ("I understand. But you said in March this was the priority.", CALLOUT, "But you said"),
    ("You promised us a decision by Friday.", CALLOUT, "You promised"),
    ("Can I ask what changed since our last call?", CALLOUT, "what changed"),
    ("As we agreed in the mutual plan, the next step was legal.", CALLOUT, "As we agreed"),
    ("This really matters for my quota.", QUOTA, "quota"),
    ("It's the end of the quarter for us.", QUOTA, "end of the quarter"),
    ("I need this for my number.", QUOTA, "my number"),
    ("I'm disappointed, to be honest.", GUILT, "disappointed"),
    ("After all the work we put in, I hoped for more.", GUILT, "After all the work"),
    ("I really thought you were with us.", GUILT, "I really thought you"),
    ("We wasted six weeks.", GUILT, "wasted"),
    ("Would you reconsider if we matched the price?", PRESSURE, "reconsider"),
    ("This is a one-time offer.", PRESSURE, "one-time offer"),
    ("Are you sure? It's your last chance at this price.", PRESSURE, "Are you sure"),
    ("I can offer a discount.", PRESSURE, "discount"),
])
def test_lint_reply_finds_forbidden_moves(text, rule, phrase):
    findings = lint_reply(text)
    assert (rule, phrase) in [(f.rule, f.phrase) for f in findings]


def test_lint_reply_accepts_typographic_apostrophes_and_any_case():
    assert lint_reply("BUT YOU SAID so") and lint_reply("before it\u2019s too late")


def test_lint_reply_reports_each_phrase_once_in_order_of_appearance():
    findings = lint_reply("You promised. Quota, quota! But you said it twice: you promised.")
    assert [(f.rule, f.phrase) for f in findings] == [
        (CALLOUT, "You promised"), (QUOTA, "Quota"), (CALLOUT, "But you said")]
    assert str(findings[0]).startswith('callout: "You promised"')


@pytest.mark.parametrize("text", [
    "Thank you for letting me know, and for your time these past weeks. I understand and respect the decision.",
    "Budgets are under pressure everywhere, and I completely understand.",
    "Would it be OK if I checked in around April, just to hear how things are going?",
    "Either way, I'd be happy to send you my notes from our conversations.",
    "I appreciate your candour about the fit. Kind regards,",
    None,
])
def test_lint_reply_leaves_a_kind_reply_alone(text):
    assert lint_reply(text) == []
