"""The signed book from a CRM export, and contracts carrying more than the threshold of it."""

from __future__ import annotations

import pytest

from bot.domain.book import heavy_contracts, parse_book_csv
from bot.domain.errors import InvalidValue


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def book(*amounts, owner="U0REP1"):
    return [{"owner": owner, "account": "Northwind" if i == 0 else f"Acct {i}", "contract": f"C{i}",
             "amount": usd(a), "department": None} for i, a in enumerate(amounts)]


def test_a_contract_exactly_at_the_threshold_is_not_flagged():
    assert heavy_contracts(book(500, 300, 200), 0.5) == []


def test_a_contract_just_above_the_threshold_is_flagged_with_its_share_and_book():
    [heavy] = heavy_contracts(book(500.01, 499.99), 0.5)
    assert (heavy.contract, heavy.amount, heavy.book, heavy.share) == ("C0", usd(500.01), usd(1000), 0.5)
    assert heavy.threshold == 0.5


def test_a_contract_just_below_the_threshold_is_not_flagged():
    assert heavy_contracts(book(499.99, 500.01), 0.5001) == []


def test_a_single_contract_book_is_always_above_a_threshold_below_one_but_not_at_one():
    assert [h.share for h in heavy_contracts(book(4_500_000), 0.4)] == [1.0]
    assert heavy_contracts(book(4_500_000), 1) == []  # "more than" 100% is impossible


def test_books_are_per_owner_and_the_spread_names_the_accounts_other_departments():
    contracts = [
        {"owner": "U0REP1", "account": "Northwind", "contract": "Enterprise", "amount": usd(800), "department": "IT"},
        {"owner": "U0REP1", "account": "Northwind", "contract": "Payroll", "amount": usd(100), "department": "HR"},
        {"owner": "U0REP1", "account": "Acme", "contract": "Fleet", "amount": usd(100), "department": None},
        {"owner": "U0REP2", "account": "Acme", "contract": "Big", "amount": usd(300), "department": None},
        {"owner": "U0REP2", "account": "Zeta", "contract": "Small", "amount": usd(300), "department": None},
    ]
    [heavy] = heavy_contracts(contracts, 0.5)
    assert (heavy.owner, heavy.contract, heavy.share, heavy.book) == ("U0REP1", "Enterprise", 0.8, usd(1000))
    assert heavy.departments == ("HR",)


def test_the_threshold_must_be_a_share():
    with pytest.raises(InvalidValue):
        heavy_contracts(book(1), 0)


def test_book_csv_keeps_good_rows_and_names_each_bad_line():
    text = ("Account;Contract Name;Signed Revenue;Business Unit;Owner;Notes\n"
            "Northwind;Enterprise;USD 4,500,000;IT;U0REP1;x\n"
            "Acme;;100;;U0REP1;\n"
            "Acme;Fleet;-5;;nobody;\n"
            "\n"
            "Zeta;Small;EUR 10;;;\n")
    result = parse_book_csv(text, default_currency="USD", default_owner="U0REP2")
    assert result.rows == [
        {"account": "Northwind", "contract": "Enterprise", "amount": usd(4_500_000), "department": "IT",
         "owner": "U0REP1", "line": 2},
        {"account": "Zeta", "contract": "Small", "amount": {"amount": 10, "currency": "EUR"}, "department": None,
         "owner": "U0REP2", "line": 6}]
    assert [str(e) for e in result.errors] == [
        "line 3: Contract is empty",
        "line 4: Amount '-5' is negative; signed revenue is 0 or more; Owner 'nobody' is not a Slack user id such as U0123ABCD"]
    assert result.ignored_columns == ("Notes",)


def test_book_csv_without_an_owner_or_required_column():
    assert str(parse_book_csv("Account,Contract,Amount\nA,B,1\n", default_currency="USD").errors[0]) == (
        "line 2: Owner is empty; add an Owner column of Slack user ids or pass --user")
    assert str(parse_book_csv("Account,Amount\n").errors[0]) == "line 1: no Contract column in the header"
