"""The account map's won-back figure and the `/recover account` text, with hand-computed figures."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.account_map import as_opportunity, months_between, parse_account_command, won_back
from bot.domain.errors import CurrencyMismatch, InvalidValue

CLOSED = date(2026, 1, 15)


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def unit(value, status):
    return {"value": None if value is None else usd(value), "status": status}


def test_won_back_counts_only_won_units_against_the_unrecovered_amount():
    # lost 4,500,000, kept 100,000: 4,400,000 unrecovered; won 1,200,000 + 900,000 = 2,100,000
    units = [unit(1_200_000, "won"), unit(900_000, "won"), unit(500_000, "open"), unit(300_000, "lost"),
             unit(None, "won")]
    figure = won_back(usd(4_400_000), units, closed_on=CLOSED, today=date(2026, 6, 15))
    assert figure.won == usd(2_100_000)
    assert figure.of == usd(4_400_000)
    assert figure.left == usd(2_300_000)
    assert figure.share == 0.4773  # 2.1 / 4.4 = 0.47727...
    assert figure.months == 5
    assert (figure.units_won, figure.units_open, figure.units) == (3, 1, 5)
    assert figure.complete is False


def test_won_back_nothing_won():
    figure = won_back(usd(4_400_000), [unit(500_000, "open"), unit(300_000, "lost")], closed_on=CLOSED,
                      today=CLOSED)
    assert figure.won == usd(0) and figure.left == usd(4_400_000) and figure.share == 0.0
    assert figure.months == 0 and figure.complete is False


def test_won_back_exactly_all_is_complete():
    figure = won_back(usd(4_400_000), [unit(4_399_999.99, "won"), unit(0.01, "won")], closed_on=CLOSED,
                      today=date(2026, 12, 31))
    assert figure.won == usd(4_400_000) and figure.left == usd(0) and figure.share == 1.0
    assert figure.complete is True and figure.months == 11


def test_won_back_just_short_of_all_is_not_complete():
    figure = won_back(usd(4_400_000), [unit(4_399_999.99, "won")], closed_on=CLOSED, today=CLOSED)
    assert figure.left == usd(0.01) and figure.complete is False and figure.share == 1.0  # 0.99999999 at 4 places


def test_won_back_more_than_lost_leaves_nothing_and_caps_the_share():
    figure = won_back(usd(4_400_000), [unit(3_000_000, "won"), unit(2_000_000, "won")], closed_on=CLOSED,
                      today=CLOSED)
    assert figure.won == usd(5_000_000) and figure.left == usd(0) and figure.share == 1.0 and figure.complete


def test_won_back_when_everything_was_retained():
    figure = won_back(usd(0), [unit(10, "won")], closed_on=CLOSED, today=CLOSED)
    assert figure.share is None and figure.left == usd(0) and figure.complete


def test_won_back_refuses_a_unit_in_another_currency():
    with pytest.raises(CurrencyMismatch):
        won_back(usd(100), [{"value": {"amount": 5, "currency": "EUR"}, "status": "won"}], closed_on=CLOSED,
                 today=CLOSED)


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 1, 15), date(2026, 6, 14), 4),
    (date(2026, 1, 15), date(2026, 6, 15), 5),
    (date(2026, 1, 15), date(2026, 6, 16), 5),
    (date(2025, 11, 30), date(2026, 2, 28), 2),
    (date(2026, 1, 15), date(2026, 1, 1), 0),  # a close date after today: no negative months
])
def test_months_between_counts_whole_months(start, end, months):
    assert months_between(start, end) == months


def test_parse_add_with_quoted_names_smart_quotes_and_aliases():
    command = parse_account_command('add “Finance Europe” contact="Ann Lee" rel=Champion value=300k '
                                    'next="Demo for the CFO" date=2027-01-15', currency="USD")
    assert command.verb == "add" and command.unit == "Finance Europe"
    assert command.fields == {"contact": "Ann Lee", "relationship": "champion", "value": usd(300_000),
                              "next_step": "Demo for the CFO", "next_date": "2027-01-15"}


def test_parse_status_verbs_and_show():
    assert parse_account_command("won Finance").verb == "won"
    assert parse_account_command('lost "HR"').unit == "HR"
    assert parse_account_command("").verb == "show"
    unquoted = parse_account_command("edit Finance Europe value=USD 1 next=Call the CFO", currency="USD")
    assert unquoted.verb == "add" and unquoted.unit == "Finance Europe"
    assert unquoted.fields == {"value": usd(1), "next_step": "Call the CFO"}
    assert parse_account_command("won Finance Europe").unit == "Finance Europe"


@pytest.mark.parametrize(("text", "field", "says"), [
    ("promote Finance", "account", "expected add, won, lost or open"),
    ("add value=3", "account", "name the department"),
    ('add "Finance', "account", "a quote is not closed"),
    ("add Finance colour=red", "account", "expected key=value"),
    ("add Finance relationship=friend", "relationship", "none, contact or champion"),
    ("add Finance value=lots", "value", "is not an amount"),
    ("add Finance value=EUR300", "value", "the loss is in USD"),
    ("add Finance value=-5", "value", "0 or more"),
    ("add Finance date=05/06/2027", "date", "not a date I can read"),
    ("won Finance value=3", "account", "takes only the unit's name"),
])
def test_parse_refusals_name_the_field_and_say_how(text, field, says):
    with pytest.raises(InvalidValue) as error:
        parse_account_command(text, currency="USD")
    assert error.value.field == field and says in error.value.message


def test_an_open_unit_with_a_value_ranks_as_an_opportunity():
    row = as_opportunity({"id": 7, "name": "Finance", "value": usd(300_000), "status": "open",
                          "relationship": "champion", "next_date": "2027-01-15"}, "Northwind")
    assert row["name"] == "Northwind – Finance" and row["relationship"] == 5 and row["close_date"] == "2027-01-15"
    assert as_opportunity({"id": 8, "name": "HR", "value": None, "status": "open"}, "Northwind") is None
    assert as_opportunity({"id": 9, "name": "IT", "value": usd(1), "status": "won"}, "Northwind") is None
