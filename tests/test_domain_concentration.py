"""Concentration risk per account and per seller (bot/domain/concentration.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.concentration import ADD_CONTRACTS, SPREAD_LARGEST, concentration
from bot.domain.errors import CurrencyMismatch, InvalidAmount, InvalidValue


def contract(account, amount, seller="ana", department=None, currency="USD"):
    return {"account": account, "seller": seller, "amount": {"amount": amount, "currency": currency}, "department": department}


def account(report, key):
    return next(group for group in report.accounts if group.key == key)


@pytest.mark.parametrize(("largest", "rest", "share", "flagged"), [
    (500, (300, 200), 0.5, False),     # exactly at the threshold: not "more than"
    (499, (300, 201), 0.499, False),   # just below
    (501, (300, 199), 0.501, True),    # just above
])
def test_concentration_threshold_at_below_above(largest, rest, share, flagged):
    report = concentration([contract("Acme", largest), *(contract("Acme", amount) for amount in rest)])
    acme = account(report, "Acme")
    assert acme.total == {"amount": 1000, "currency": "USD"}
    assert acme.largest == {"amount": largest, "currency": "USD"}
    assert (acme.share, acme.flagged, acme.contract_count) == (share, flagged, 3)
    assert acme.suggestion == (SPREAD_LARGEST if flagged else None)


def test_concentration_one_cent_above_the_threshold_is_flagged():
    # 500.01 of 1,000.01: the share rounds to 0.5 for display, but it is more than half
    at = account(concentration([contract("Acme", Decimal("500.00")), contract("Acme", Decimal("500.00"))]), "Acme")
    above = account(concentration([contract("Acme", Decimal("500.01")), contract("Acme", Decimal("500.00"))]), "Acme")
    assert (at.share, at.flagged, at.suggestion) == (0.5, False, None)
    assert (above.share, above.flagged, above.suggestion) == (0.5, True, SPREAD_LARGEST)
    assert above.total == {"amount": 1000.01, "currency": "USD"}


def test_concentration_at_a_100_percent_threshold_flags_nothing():
    report = concentration([contract("Acme", 250000)], threshold=1)
    assert (report.threshold, report.accounts[0].share, report.flagged_accounts, report.flagged_sellers) == (1.0, 1.0, (), ())


def test_concentration_single_contract_is_flagged():
    acme = account(concentration([contract("Acme", 250000, department=None)]), "Acme")
    assert (acme.share, acme.flagged, acme.single_contract, acme.suggestion) == (1.0, True, True, ADD_CONTRACTS)


def test_concentration_groups_by_seller_across_accounts():
    report = concentration([
        contract("Acme", 600, seller="ana", department="Finance"),
        contract("Acme", 400, seller="ben", department="Ops"),
        contract("Globex", 300, seller="ana"),
        contract("Globex", 700, seller="ana", department="Legal"),
    ], threshold=0.59)
    ana = next(group for group in report.sellers if group.key == "ana")
    assert ana.total == {"amount": 1600, "currency": "USD"}
    assert ana.largest_contract["account"] == "Globex"
    assert (ana.share, ana.flagged) == (0.4375, False)  # 700 / 1600
    assert [g.key for g in report.flagged_accounts] == ["Globex", "Acme"]  # 0.7, then 0.6: both more than 0.59
    assert account(report, "Acme").departments == ("Finance", "Ops")
    assert [g.key for g in report.flagged_sellers] == ["ben"]


def test_concentration_zero_total_has_no_share():
    acme = account(concentration([contract("Acme", 0), contract("Acme", 0)]), "Acme")
    assert (acme.share, acme.flagged, acme.suggestion) == (None, False, None)


def test_concentration_mixed_currencies_refused():
    with pytest.raises(CurrencyMismatch) as caught:
        concentration([contract("Acme", 1), contract("Globex", 1, currency="EUR")])
    assert (caught.value.expected, caught.value.got, caught.value.field) == ("USD", "EUR", "contracts.amount[1]")


@pytest.mark.parametrize("threshold", [0, 1.01, -0.5])
def test_concentration_threshold_out_of_range_refused(threshold):
    with pytest.raises(InvalidValue) as caught:
        concentration([], threshold=threshold)
    assert caught.value.field == "threshold"


def test_concentration_negative_amount_and_missing_seller_refused():
    with pytest.raises(InvalidAmount):
        concentration([contract("Acme", -1)])
    with pytest.raises(InvalidValue) as caught:
        concentration([{"account": "Acme", "amount": {"amount": 1, "currency": "USD"}}])
    assert caught.value.field == "contracts[0].seller"


def test_concentration_empty_is_empty():
    report = concentration([])
    assert (report.currency, report.accounts, report.sellers) == (None, (), ())
