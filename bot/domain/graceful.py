"""The graceful no (domain.md, section 2): reading the customer's reasons, and checking that
the draft reply never makes the moves that burn the relationship.

``suggest_reason`` turns the customer's own words into a *suggested* category from
``taxonomy.GRACEFUL_NO_REASONS``; the rep still chooses. ``lint_reply`` is the guard on the
draft reply: it finds phrases that call the customer out ("but you said"), talk about our
quota, lay guilt on them, or push for a reversal. Templates are tested against it on every
tone, and the summary warns the rep when their own words (an offer, a name) trip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -- classifying the customer's words -------------------------------------------------------

# key -> patterns (whole words, case-insensitive). Each match counts once per pattern.
_REASON_WORDS: dict[str, tuple[str, ...]] = {
    "budget": (
        r"budgets?", r"money", r"costs?", r"too expensive", r"expensive", r"afford\w*", r"spend(ing)?",
        r"fund(s|ing)?", r"froze(n)?|freeze", r"price|pricing", r"cash", r"cuts?",
    ),
    "timing": (
        r"not now", r"timing", r"right time|wrong time|bad time", r"next (year|quarter)", r"later",
        r"revisit", r"(before|until|after) (q[1-4]|the end|next)", r"not (ready|yet)", r"too soon",
    ),
    "priority_changed": (
        r"priorit(y|ies|ised|ized)", r"focus(ing)?", r"other projects?", r"re-?org(anisation|anization)?",
        r"restructur\w*", r"new (ceo|cfo|leadership|strategy)", r"strategy", r"more (urgent|important)",
    ),
    "confidence": (
        r"not (sure|confident|convinced)", r"confiden\w*", r"risk(y|s)?", r"doubts?", r"unproven",
        r"worr(y|ied|ies)", r"concerns?|concerned", r"trust", r"proof", r"track record",
    ),
    "fit": (
        r"(not|isn't|wasn't) (a|the right) fit", r"fit", r"requirements?", r"missing", r"doesn't (do|support|have)",
        r"integrat\w*", r"not what we need", r"use case", r"overkill", r"too (complex|complicated|big|small)",
    ),
    "competitor": (
        r"competitors?", r"another (vendor|provider|supplier|solution|tool)", r"went with", r"chose|chosen|choosing",
        r"in-house", r"build (it )?(ourselves|our own|internally)", r"selected", r"other (vendor|solution|option)",
        r"incumbent", r"stay(ing)? with",
    ),
}
_REASON_PATTERNS = {key: tuple(re.compile(rf"\b(?:{p})\b", re.IGNORECASE) for p in patterns)
                    for key, patterns in _REASON_WORDS.items()}
# On a tie, the reason that says most about what to do next wins.
_TIE_ORDER = ("competitor", "budget", "priority_changed", "fit", "confidence", "timing")


def suggest_reason(text: object) -> str | None:
    """The graceful-no category the customer's words point at most, or None when nothing does.

    A suggestion for the rep to confirm, never stored as their answer.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    scores = {key: sum(1 for pattern in patterns if pattern.search(text)) for key, patterns in _REASON_PATTERNS.items()}
    best = max(scores.values())
    if best == 0:
        return None
    return next(key for key in _TIE_ORDER if scores[key] == best)


# The debrief's loss reason for a graceful-no category, where the two lists mean the same
# thing. "confidence" and "fit" could be several loss reasons, so the rep picks those.
DEBRIEF_REASON = {
    "timing": "timing",
    "budget": "budget_gone",
    "priority_changed": "no_decision",
    "competitor": "competitor",
    "other": "other",
}


def debrief_reason(key: object) -> str | None:
    """The ``primary_reason`` to prefill in a debrief started from a graceful no, or None."""
    return DEBRIEF_REASON.get(key) if isinstance(key, str) else None


# -- the reply lint -----------------------------------------------------------------------

CALLOUT, QUOTA, GUILT, PRESSURE = "callout", "quota", "guilt", "pressure"

# (rule, pattern, why). Patterns are whole-word and case-insensitive; typographic
# apostrophes are normalised first.
_RULES: tuple[tuple[str, str, str], ...] = (
    (CALLOUT, r"but you (said|told|mentioned|agreed|promised|wanted)", "holds earlier words against them"),
    (CALLOUT, r"you (had )?(promised|committed|agreed)", "holds a commitment against them"),
    (CALLOUT, r"what changed", "asks them to justify the decision"),
    (CALLOUT, r"as (we|you) (agreed|discussed)", "holds the plan against them"),
    (CALLOUT, r"mutual (action |success )?plan", "waves the mutual plan at them"),
    (CALLOUT, r"you (told|assured|gave) (me|us)", "holds earlier words against them"),
    (CALLOUT, r"we had a deal|going back on|changed your mind", "calls the decision a reversal"),
    (CALLOUT, r"(why|how) (did|could) you", "asks them to justify the decision"),
    (QUOTA, r"quotas?", "talks about our quota"),
    (QUOTA, r"(my|our) (number|numbers|target|targets|forecast)", "talks about our targets"),
    (QUOTA, r"(end of (the |this )?(quarter|year|month))|quarter[- ]end|year[- ]end", "talks about our deadlines"),
    (QUOTA, r"commissions?|bonus", "talks about our pay"),
    (QUOTA, r"pipeline|close (this|the) deal", "talks about our pipeline"),
    (GUILT, r"disappoint(ed|ing|ment)", "lays our disappointment on them"),
    (GUILT, r"let (me|us) down|letting (me|us) down", "lays guilt on them"),
    (GUILT, r"wast(e|ed|ing)", "suggests they wasted our time"),
    (GUILT, r"after all (the|our|my|this) (time|work|effort|hours)", "lays guilt on them"),
    (GUILT, r"(i|we) (really |honestly )?(thought|hoped|expected) (you|we had|this was)", "lays guilt on them"),
    (GUILT, r"shame|sad(ly|dened)?|upset|hurt(s|ful)?|frustrat\w*|surprised|shocked", "shows our frustration"),
    (GUILT, r"(you )?owe (us|me)|feel bad", "lays guilt on them"),
    (PRESSURE, r"reconsider|re-consider|think (it )?over again|rethink", "pushes for a reversal"),
    (PRESSURE, r"last chance|limited[- ]time|act now|before it'?s too late|don'?t miss", "pressures them"),
    (PRESSURE, r"(final|special|one[- ]time|exclusive) (offer|price|discount)|discounts?", "reopens the negotiation"),
    (PRESSURE, r"are you (sure|certain)", "questions their decision"),
    (PRESSURE, r"(offer|price) (expires|ends|is valid)|only (valid|available) until", "pressures them"),
)
_COMPILED = tuple((rule, re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), why) for rule, pattern, why in _RULES)
RULES: tuple[str, ...] = (CALLOUT, QUOTA, GUILT, PRESSURE)


@dataclass(frozen=True)
class LintFinding:
    rule: str  # callout, quota, guilt or pressure
    phrase: str  # the words as they appear in the reply
    why: str  # what the phrase does to the relationship

    def __str__(self) -> str:
        return f'{self.rule}: "{self.phrase}" {self.why}'


def lint_reply(text: object) -> list[LintFinding]:
    """Every forbidden phrase in a draft reply, in order of appearance (each phrase once)."""
    if not isinstance(text, str):
        return []
    plain = text.replace("\u2019", "'").replace("\u2018", "'")
    found: list[tuple[int, LintFinding]] = []
    seen: set[tuple[str, str]] = set()
    for rule, pattern, why in _COMPILED:
        for match in pattern.finditer(plain):
            phrase = match.group(0)
            if (rule, phrase.casefold()) in seen:
                continue
            seen.add((rule, phrase.casefold()))
            found.append((match.start(), LintFinding(rule, phrase, why)))
    return [finding for _, finding in sorted(found, key=lambda item: item[0])]


__all__ = ["suggest_reason", "debrief_reason", "DEBRIEF_REASON", "lint_reply", "LintFinding", "RULES",
           "CALLOUT", "QUOTA", "GUILT", "PRESSURE"]
