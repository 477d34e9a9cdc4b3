"""Insights that route themselves: which weekly digest (product, enablement) hears about a loss.

The table maps a loss reason to its owners. Rebound ships a default built from
``taxonomy.ROUTING`` (competitor losses to product and enablement, price to enablement,
product gaps to product, relationship losses to enablement ...), and a company overrides any
row in its teams file (``routing.by_reason``), because who acts on a loss is the company's
call. One row is not a reason: ``single_handed``, a deal lost with nobody else involved
(the debrief's "who else was involved"), routed to enablement by default.

Pure: facts in, owners out. A rep's own flag (a written lesson, a named gap) still routes a
loss whatever the table says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.domain import taxonomy

SINGLE_HANDED = "single_handed"
ROUTE_KEYS: tuple[str, ...] = (*taxonomy.LOSS_REASON_KEYS, SINGLE_HANDED)
DIGEST_OWNERS: tuple[str, ...] = ("product", "enablement")
DEFAULT_TABLE: dict[str, tuple[str, ...]] = {**taxonomy.ROUTING, SINGLE_HANDED: ("enablement",)}

# What enablement builds from a loss routed to it (the digest's header groups by these).
ENABLEMENT_TOPICS: dict[str, str] = {
    "price": "negotiation",
    "competitor": "differentiation",
    "incumbent_stayed": "the switching case",
    "relationship": "multi-threading",
    "pilot_failed": "pilot setup",
    SINGLE_HANDED: "bringing in the team",
}
_FLAGS = {"product": "to_product", "enablement": "to_enablement"}


def table_with(overrides: Mapping[str, Sequence[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """The default table with a company's rows replacing the default ones (an empty list: nobody)."""
    table = dict(DEFAULT_TABLE)
    for key, owners in (overrides or {}).items():
        table[key] = tuple(owners)
    return table


def lost_alone(involved: Sequence[str] | None) -> bool:
    """The seller said nobody else worked the deal (not merely left the question unanswered)."""
    return bool(involved) and set(involved) == {"nobody"}


def route_keys_of(fact: Mapping[str, Any]) -> list[str]:
    """The table rows a loss matches: its main reason, its other reasons, and ``single_handed``
    when the seller said nobody else was involved."""
    keys = [fact.get("primary_reason"), *(fact.get("other_reasons") or ())]
    if lost_alone(fact.get("involved")):
        keys.append(SINGLE_HANDED)
    unique: list[str] = []
    for key in keys:
        if key in ROUTE_KEYS and key not in unique:
            unique.append(key)
    return unique


def owners_of(fact: Mapping[str, Any], table: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """Who hears about this loss, in ``taxonomy.OWNERS`` order: the table's owners of each row
    it matches, plus product or enablement when the rep's own flags route it there."""
    wanted = {owner for key in route_keys_of(fact) for owner in table.get(key, ())}
    wanted |= {owner for owner, flag in _FLAGS.items() if fact.get(flag)}
    return tuple(owner for owner in taxonomy.OWNERS if owner in wanted)


def routed(facts: Iterable[Mapping[str, Any]], owner: str, table: Mapping[str, Sequence[str]]) -> list[Mapping[str, Any]]:
    """The facts whose owners include ``owner``, in the order given."""
    return [fact for fact in facts if owner in owners_of(fact, table)]


def topics(facts: Iterable[Mapping[str, Any]], table: Mapping[str, Sequence[str]]) -> list[tuple[str, int]]:
    """Enablement's topics in these losses, most frequent first (ties in ``ENABLEMENT_TOPICS`` order):
    each loss counts once per topic its enablement-routed rows point at."""
    order = list(ENABLEMENT_TOPICS)
    counts: dict[str, int] = {}
    for fact in facts:
        keys = {key for key in route_keys_of(fact) if "enablement" in table.get(key, ()) and key in ENABLEMENT_TOPICS}
        for topic in {ENABLEMENT_TOPICS[key] for key in keys}:
            counts[topic] = counts.get(topic, 0) + 1
    first = {ENABLEMENT_TOPICS[key]: index for index, key in reversed(list(enumerate(order)))}
    return sorted(counts.items(), key=lambda item: (-item[1], first[item[0]]))


__all__ = ["DEFAULT_TABLE", "DIGEST_OWNERS", "ENABLEMENT_TOPICS", "ROUTE_KEYS", "SINGLE_HANDED", "lost_alone", "owners_of",
           "route_keys_of", "routed", "table_with", "topics"]
