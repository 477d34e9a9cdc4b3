"""The signed-book import and its heavy contracts, exactly, written from a mutation run
(docs/mutmut.md): every error row with its line and columns, the owner's currency, empty and
one-unit books, and the order of the warnings."""

from __future__ import annotations

import pytest

from bot.domain.book import BookImport, heavy_contracts, parse_book_csv
from bot.domain.errors import InvalidAmount, InvalidValue
from bot.domain.opportunities_csv import RowError


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def test_an_empty_file_is_one_error_on_line_one():
    assert parse_book_csv("\ufeff \n") == BookImport(errors=[RowError(
        1, "the file is empty; expected a header row such as 'Account,Contract,Amount'")])


def test_an_unreadable_header_is_one_error_on_line_one():
    result = parse_book_csv('"' + "x" * 200_000 + '"\n')
    assert result == BookImport(errors=[RowError(1, "the header row could not be read: "
                                                    "field larger than field limit (131072)")])


def test_two_columns_for_one_field_and_missing_columns_are_named():
    assert parse_book_csv("Account,Contract,Amount,Value\n") == BookImport(errors=[RowError(
        1, "columns 'Amount' and 'Value' both look like Amount; keep one", ("amount",))])
    assert parse_book_csv("Account,Notes\n") == BookImport(
        errors=[RowError(1, "no Contract or Amount column in the header", ("contract", "amount"))],
        ignored_columns=("Notes",))


def test_a_byte_order_mark_is_dropped_and_only_it():
    result = parse_book_csv("\ufeffXID,Account,Contract,Amount\n1,Acme,Fleet,100\n", default_currency="USD",
                            default_owner="U0REP1")
    assert result.ignored_columns == ("XID",)
    assert result.rows == [{"account": "Acme", "contract": "Fleet", "amount": usd(100), "department": None,
                            "owner": "U0REP1", "line": 2}]


def test_each_bad_row_is_one_error_with_its_line_and_columns():
    text = ("Account,Contract,Amount,Owner\n"
            "Acme,Fleet\n"                       # short: amount and owner empty
            "Acme,Fleet,100,U0REP1,extra\n"      # a value beyond the header
            "Acme,Fleet,100,U0REP1,\n"           # a blank one beyond it is fine
            ",,lots,bob\n"
            "Acme,Fleet,100\n")                  # no owner and no --user
    result = parse_book_csv(text, default_currency="USD")
    assert result.errors == [
        RowError(2, "Amount is empty; Owner is empty; add an Owner column of Slack user ids or pass --user",
                 ("amount", "owner")),
        RowError(3, "5 values but the header has 4 columns"),
        RowError(5, "Account is empty; Contract is empty; Amount 'lots' is not a number; "
                    "Owner 'bob' is not a Slack user id such as U0123ABCD", ("account", "contract", "amount", "owner")),
        RowError(6, "Owner is empty; add an Owner column of Slack user ids or pass --user", ("owner",)),
    ]
    assert [row["line"] for row in result.rows] == [4]


def test_an_unreadable_row_ends_the_import_with_its_line():
    text = "Account,Contract,Amount\nAcme,Fleet,100\n\"" + "x" * 200_000 + "\"\nAcme,More,1\n"
    result = parse_book_csv(text, default_currency="USD", default_owner="U0REP1")
    assert result.errors == [RowError(3, "the row could not be read: field larger than field limit (131072)")]
    assert [row["contract"] for row in result.rows] == ["Fleet"]


def test_the_currency_comes_from_the_row_then_the_default_then_the_owners_team():
    text = "Account,Contract,Amount,Currency,Owner\nA,One,100,EUR,U0REP1\nA,Two,100,,U0REP1\nA,Three,100,,U0REP2\n"
    teams = {"U0REP1": "GBP"}
    result = parse_book_csv(text, owner_currency=teams.get)
    assert [row["amount"] for row in result.rows] == [{"amount": 100, "currency": "EUR"},
                                                      {"amount": 100, "currency": "GBP"}]
    assert [(e.line, e.columns) for e in result.errors] == [(4, ("amount",))]
    plain = parse_book_csv("Account,Contract,Amount\nA,One,100\n", default_owner="U0REP1")
    assert [(e.line, e.columns) for e in plain.errors] == [(2, ("amount",))]


# -- heavy contracts ---------------------------------------------------------------------------


def contract(owner, account, name, amount, department=None):
    return {"owner": owner, "account": account, "contract": name, "amount": usd(amount), "department": department}


def test_heavy_contracts_largest_share_first_every_field():
    contracts = [contract("U1", "Acme", "Fleet", 60, "Ops"), contract("U1", "Acme", "HR deal", 40, "HR"),
                 contract("U0", "Zero", "Nothing", 0), contract("U2", "Globex", "Big", 0.8, "IT"),
                 contract("U2", "Globex", "Small", 0.2)]
    heavy = heavy_contracts(contracts, 0.5)
    assert [h.to_dict() for h in heavy] == [
        {"owner": "U2", "account": "Globex", "contract": "Big", "department": "IT", "amount": usd(0.8),
         "book": usd(1), "share": 0.8, "threshold": 0.5, "departments": ()},
        {"owner": "U1", "account": "Acme", "contract": "Fleet", "department": "Ops", "amount": usd(60),
         "book": usd(100), "share": 0.6, "threshold": 0.5, "departments": ("HR",)},
    ]


def test_a_book_of_nothing_flags_nothing_and_the_next_book_is_still_read():
    contracts = [contract("U0", "Zero", "Nothing", 0), contract("U1", "Acme", "Fleet", 1)]
    assert [h.owner for h in heavy_contracts(contracts, 0.5)] == ["U1"]


@pytest.mark.parametrize("threshold", [0, 1.5])
def test_the_threshold_refusal_says_what_a_share_is(threshold):
    with pytest.raises(InvalidValue) as caught:
        heavy_contracts([], threshold)
    assert (caught.value.field, caught.value.value, caught.value.message) == (
        "threshold", threshold, "expected a share above 0 and at most 1, e.g. 0.5 for 50%")


def test_an_unreadable_threshold_or_negative_amount_names_its_field():
    with pytest.raises(InvalidValue) as caught:
        heavy_contracts([], "half")
    assert caught.value.field == "threshold"
    with pytest.raises(InvalidAmount) as caught:
        heavy_contracts([contract("U1", "A", "a", 1), contract("U1", "A", "b", -1)], 0.5)
    assert caught.value.field == "contracts[1].amount"
