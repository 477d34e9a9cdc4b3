"""Concentration per account and seller with exact order and refusals, written from a mutation
run (docs/mutmut.md): flagged groups first, then by share and total; every refusal's field."""

from __future__ import annotations

import pytest

from bot.domain.concentration import concentration
from bot.domain.errors import InvalidAmount, InvalidValue


def contract(account, amount, seller="ana", department=None):
    return {"account": account, "seller": seller, "amount": {"amount": amount, "currency": "USD"},
            "department": department}


def test_groups_come_flagged_first_then_by_share_then_total_and_zero_books_last():
    report = concentration([
        contract("Zero", 0), contract("Zero", 0),
        contract("Even", 40), contract("Even", 60),                   # 0.6, not more than 0.6
        contract("Small", 10, department="HR"),                       # 1.0, flagged
        contract("Large", 90), contract("Large", 10, department="IT"),  # 0.9, flagged
        contract("Pair", 50), contract("Pair", 50),                   # 0.5
        contract("Twin", 100), contract("Twin", 100),                 # 0.5, larger total
    ], threshold=0.6)
    assert [(g.key, g.kind, g.share, g.flagged) for g in report.accounts] == [
        ("Small", "account", 1.0, True), ("Large", "account", 0.9, True), ("Even", "account", 0.6, False),
        ("Twin", "account", 0.5, False), ("Pair", "account", 0.5, False), ("Zero", "account", None, False)]
    assert [(g.key, g.kind) for g in report.sellers] == [("ana", "seller")]
    assert report.currency == "USD"
    large = report.accounts[1]
    assert large.departments == ("IT",)  # the contract without a department names none
    assert report.accounts[0].departments == ("HR",)


@pytest.mark.parametrize(("contracts", "threshold", "field", "value", "message"), [
    ([{"account": " ", "seller": "ana", "amount": {"amount": 1, "currency": "USD"}}], 0.5,
     "contracts[0].account", " ", "every contract needs an account"),
    ([{"account": "Acme", "amount": {"amount": 1, "currency": "USD"}}], 0.5,
     "contracts[0].seller", None, "every contract needs a seller"),
    (["Acme"], 0.5, "contracts[0]", "Acme", "expected a contract as a mapping"),
    ([], 1.5, "threshold", 1.5, "expected a share above 0 and at most 1, e.g. 0.5 for 50%"),
])
def test_refusals_name_the_field_the_value_and_why(contracts, threshold, field, value, message):
    with pytest.raises(InvalidValue) as caught:
        concentration(contracts, threshold)
    assert (caught.value.field, caught.value.value, caught.value.message) == (field, value, message)


def test_an_unreadable_threshold_or_amount_names_its_field():
    with pytest.raises(InvalidValue) as caught:
        concentration([], threshold="half")
    assert caught.value.field == "threshold"
    with pytest.raises(InvalidAmount) as caught:
        concentration([contract("Acme", 1), contract("Acme", "lots")])
    assert caught.value.field == "contracts[1].amount"
