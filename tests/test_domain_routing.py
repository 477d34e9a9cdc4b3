"""Routing per reason, hand-built: which weekly digest hears about a loss, from the default
table (domain.md: competitor to product and enablement, price to enablement, product gaps to
product, relationship and single-threaded losses to enablement) and from a company's rows."""

from __future__ import annotations

import pytest

from bot.domain import routing


def fact(primary: str, *others: str, **extra) -> dict:
    return {"primary_reason": primary, "other_reasons": list(others), **extra}


@pytest.mark.parametrize(("reason", "owners"), [
    ("competitor", ("product", "enablement", "manager")),
    ("price", ("enablement", "manager")),
    ("product_gap", ("product", "manager")),
    ("relationship", ("enablement", "manager")),
    ("incumbent_stayed", ("enablement", "manager")),
    ("pilot_failed", ("enablement", "manager")),
    ("no_decision", ("manager",)),
    ("budget_gone", ("manager",)),
    ("timing", ("manager",)),
    ("other", ("manager",)),
    ("unknown", ("manager",)),
])
def test_each_reason_routes_by_the_default_table(reason, owners):
    assert routing.owners_of(fact(reason), routing.DEFAULT_TABLE) == owners


def test_a_deal_lost_single_handed_goes_to_enablement():
    assert routing.owners_of(fact("timing", involved=["nobody"]), routing.DEFAULT_TABLE) == ("enablement", "manager")
    assert routing.owners_of(fact("timing", involved=["sales_engineer"]), routing.DEFAULT_TABLE) == ("manager",)
    assert routing.owners_of(fact("timing", involved=None), routing.DEFAULT_TABLE) == ("manager",)  # not said


def test_lost_alone_only_when_the_seller_said_nobody():
    assert routing.lost_alone(["nobody"]) is True
    assert routing.lost_alone(["nobody", "manager"]) is False
    assert routing.lost_alone([]) is False and routing.lost_alone(None) is False


def test_other_reasons_add_their_owners_in_owner_order():
    assert routing.owners_of(fact("timing", "product_gap", "price"), routing.DEFAULT_TABLE) == (
        "product", "enablement", "manager")


def test_the_reps_own_flags_route_whatever_the_table_says():
    table = routing.table_with({"timing": []})
    assert routing.owners_of(fact("timing", to_enablement=True), table) == ("enablement",)
    assert routing.owners_of(fact("timing", to_product=True, to_enablement=False), table) == ("product",)
    assert routing.owners_of(fact("timing"), table) == ()


def test_a_companys_row_replaces_only_that_row():
    table = routing.table_with({"price": ["product"], "timing": ["enablement"]})
    assert table["price"] == ("product",) and table["timing"] == ("enablement",)
    assert table["competitor"] == ("product", "enablement", "manager")  # untouched
    assert routing.owners_of(fact("price"), table) == ("product",)


def test_routed_keeps_the_order_given_and_only_the_owners_losses():
    facts = [fact("price", deal="A"), fact("product_gap", deal="B"), fact("competitor", deal="C"),
             fact("timing", deal="D")]
    assert [f["deal"] for f in routing.routed(facts, "product", routing.DEFAULT_TABLE)] == ["B", "C"]
    assert [f["deal"] for f in routing.routed(facts, "enablement", routing.DEFAULT_TABLE)] == ["A", "C"]


def test_topics_count_each_loss_once_per_topic_most_frequent_first():
    facts = [fact("price"), fact("price", "competitor"), fact("relationship", involved=["nobody"]),
             fact("competitor"), fact("price"), fact("product_gap")]
    # negotiation: 3 (the three price losses); differentiation: 2; multi-threading 1; bringing in the team 1
    assert routing.topics(facts, routing.DEFAULT_TABLE) == [
        ("negotiation", 3), ("differentiation", 2), ("multi-threading", 1), ("bringing in the team", 1)]


def test_a_topic_not_routed_to_enablement_is_not_counted():
    table = routing.table_with({"price": ["manager"]})
    assert routing.topics([fact("price"), fact("competitor")], table) == [("differentiation", 1)]
