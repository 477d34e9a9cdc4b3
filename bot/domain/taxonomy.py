"""The fixed lists the playbooks and weekly numbers share: loss reasons, what each one
coaches, who hears about it, and the graceful-no reasons.

Keys are stable (reports count them); labels and hints may change. The labels and hints
match the options in ``playbooks/debrief.yml`` and ``playbooks/graceful-no.yml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.errors import UnknownKey, UnknownReason


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    hint: str


@dataclass(frozen=True)
class LossReason(Reason):
    """A loss reason with what it means for the team: the selling skill it points at (the
    coaching map in domain.md; None when there is nothing to coach from the reason alone), who
    hears about the loss besides the team channel, and what a manager is likely to ask in the
    1:1 or the closed-lost review (shown in the summary)."""

    coaching: str | None = None
    owners: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


# Who hears about a loss besides the team channel. The domain routes product gaps to
# product, pitch/proposal gaps to enablement and selling-skill gaps to the seller's manager;
# competitor losses (what the competitor showed) to product and enablement, relationship
# (single-threaded) losses to enablement. This is the default a teams file may override
# (``routing.by_reason``, see bot.domain.routing).
# Enablement hears about the reasons its material can fix: the value story behind price, the
# battlecards behind competitor and incumbent losses, the pilot templates behind failed
# pilots. The manager hears about every loss: every reason is a coaching conversation, and
# "other"/"unknown" are ones the manager should follow up.
OWNERS: tuple[str, ...] = ("product", "enablement", "manager")

# Ordered as the debrief offers them: the commercial reasons first, "other" and "unknown" last.
LOSS_REASONS: tuple[LossReason, ...] = (
    LossReason("price", "Price", "They wanted it, but not at our price",
               coaching="negotiating, closing, building value before price",
               owners=("enablement", "manager"),
               questions=("When did price first come up, and had they seen the value by then?",
                          "Who were we compared with on price, and on what scope?",
                          "Was there a trade we could have offered instead of a discount?")),
    LossReason("competitor", "Lost to a competitor", "Another vendor was judged better",
               coaching="presenting, communicating differentiation",
               # Product hears what the competitor showed; enablement sharpens the battlecard.
               owners=("product", "enablement", "manager"),
               questions=("What did the competitor show that we didn't?",
                          "When did we learn they were in the deal?",
                          "Which of our differentiators did the buyer actually hear?")),
    LossReason("incumbent_stayed", "Incumbent stayed", "They kept their current vendor or tool",
               coaching="building the switching case, reducing the risk of change",
               owners=("enablement", "manager"),
               questions=("What would switching have cost them, in effort and in risk?",
                          "Did we make the cost of staying put visible?",
                          "Who at the customer wanted to change, and how much say did they have?")),
    LossReason("no_decision", "No decision (status quo)", "They decided to change nothing",
               coaching="establishing urgency and compelling reasons",
               owners=("manager",),
               questions=("What was the customer's compelling reason to act now?",
                          "Who owned the problem, and did they feel its cost?",
                          "Was there a date anything depended on?")),
    LossReason("budget_gone", "Budget gone", "The money was cut or moved elsewhere",
               coaching="qualifying budget and economic buyer early",
               owners=("manager",),
               questions=("When did we meet the economic buyer?",
                          "Was the budget allocated, or only hoped for?",
                          "What took the money instead?")),
    LossReason("timing", "Timing", "Right idea, wrong moment",
               coaching="establishing urgency and compelling reasons",
               owners=("manager",),
               questions=("What changed on their side, and when did we learn it?",
                          "Is there a date worth checking back on?",
                          "Could a smaller first step have fitted their timing?")),
    # A missing capability is product's to fix; the seller's part is finding the must-haves
    # early and qualifying out (or positioning around the gap) before months are spent.
    LossReason("product_gap", "Product gap", "We lacked a capability they needed",
               coaching="discovering must-have requirements early, qualifying out or positioning around gaps",
               owners=("product", "manager"),
               questions=("When did we learn the capability was a must-have?",
                          "Was it truly required, or a proxy for another concern?",
                          "Has product heard about it, with the deal size attached?")),
    LossReason("relationship", "Relationship", "Champion left, trust broke, or we were single-threaded",
               coaching="multi-threading, working the wider account",
               owners=("enablement", "manager"),
               questions=("How many people at the account did we talk to regularly?",
                          "When did the champion's position change, and who replaced them?",
                          "Who else could we have built a relationship with?")),
    LossReason("pilot_failed", "Pilot failed", "The pilot didn't show what they needed to see",
               coaching='pilot setup: agreeing what "works" means up front',
               owners=("enablement", "manager"),
               questions=("Did we agree success criteria with the customer before the pilot started?",
                          "Which criterion was missed, and did we see it coming?",
                          "Who decided the outcome, and were they involved from the start?")),
    # Nothing to coach from the reason alone: it depends on the seller's own account.
    LossReason("other", "Something else", "Tell me in the next question",
               coaching=None,
               owners=("manager",),
               questions=("What would we need to know to put this loss in a category?",
                          "Could we have seen it coming earlier in the cycle?")),
    # Not knowing why is itself the gap: a short, curious call with the customer.
    LossReason("unknown", "I don't know yet", "An unknown reason is a finding too; the weekly summary counts it",
               coaching="asking the customer why, with a short and curious loss review call",
               owners=("manager",),
               questions=("Who at the customer could tell us why, and can we ask them this week?",
                          "What did the last conversations before the loss sound like?")),
)
LOSS_REASON_KEYS: tuple[str, ...] = tuple(reason.key for reason in LOSS_REASONS)
_LOSS_REASONS = {reason.key: reason for reason in LOSS_REASONS}
# The same, by reason key (reports and templates look them up this way).
COACHING_MAP: dict[str, str | None] = {reason.key: reason.coaching for reason in LOSS_REASONS}
MANAGER_QUESTIONS: dict[str, tuple[str, ...]] = {reason.key: reason.questions for reason in LOSS_REASONS}
ROUTING: dict[str, tuple[str, ...]] = {reason.key: reason.owners for reason in LOSS_REASONS}

# The graceful no's own list (playbooks/graceful-no.yml): why the customer said no at the end.
GRACEFUL_NO_REASONS: tuple[Reason, ...] = (
    Reason("timing", "Timing", "Not now; maybe later"),
    Reason("budget", "Budget", "No money for it this cycle"),
    Reason("priority_changed", "Priorities changed", "Something else moved to the top"),
    Reason("confidence", "Confidence", "Not sure it would work for them, or not sure about us"),
    Reason("fit", "Fit", "It isn't the right solution for them"),
    Reason("competitor", "Chose another option", "Another vendor, or building it themselves"),
    Reason("other", "Something else", ""),
)
GRACEFUL_NO_KEYS: tuple[str, ...] = tuple(reason.key for reason in GRACEFUL_NO_REASONS)
_GRACEFUL_NO = {reason.key: reason for reason in GRACEFUL_NO_REASONS}


def loss_reason(key: str) -> Reason:
    """The loss reason for ``key``; anything outside the taxonomy raises ``UnknownReason``."""
    try:
        return _LOSS_REASONS[key]
    except (KeyError, TypeError):
        raise UnknownReason(key, LOSS_REASON_KEYS) from None


def graceful_no_reason(key: str) -> Reason:
    try:
        return _GRACEFUL_NO[key]
    except (KeyError, TypeError):
        raise UnknownKey("graceful-no reason", key, GRACEFUL_NO_KEYS) from None


def _reasons(primary: str | None, secondary: Iterable[str] | None) -> list[str]:
    """Primary first, then secondary, each once; every key checked."""
    keys: list[str] = []
    for key in [primary, *(secondary or ())]:
        if key is None:
            continue
        loss_reason(key)
        if key not in keys:
            keys.append(key)
    return keys


def coaching_focus(primary: str | None, secondary: Iterable[str] | None = ()) -> str | None:
    """The skill worth coaching: the primary reason's, then any distinct one the secondary
    reasons add ("A; also B"). None when no reason points at a skill.

    A missing primary (a summary rendered before the question was answered) gives None.
    """
    skills: list[str] = []
    for key in _reasons(primary, secondary):
        skill = COACHING_MAP[key]
        if skill and skill not in skills:
            skills.append(skill)
    if not skills:
        return None
    return "; also ".join(skills)


def manager_questions(reason: str | None) -> list[str]:
    """Two or three questions a manager is likely to ask about a loss for ``reason``."""
    if reason is None:
        return []
    loss_reason(reason)
    return list(MANAGER_QUESTIONS[reason])


def lesson_owners(primary: str | None, secondary: Iterable[str] | None = ()) -> tuple[str, ...]:
    """Who should hear about a loss with these reasons, in ``OWNERS`` order."""
    wanted = {owner for key in _reasons(primary, secondary) for owner in ROUTING[key]}
    return tuple(owner for owner in OWNERS if owner in wanted)


__all__ = [
    "Reason", "LossReason", "LOSS_REASONS", "LOSS_REASON_KEYS", "COACHING_MAP", "MANAGER_QUESTIONS", "OWNERS", "ROUTING",
    "GRACEFUL_NO_REASONS", "GRACEFUL_NO_KEYS", "loss_reason", "graceful_no_reason", "coaching_focus",
    "manager_questions", "lesson_owners",
]
