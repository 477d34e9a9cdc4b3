"""The account map's typed command and won-back figure, exactly, written from a mutation run
(docs/mutmut.md): every refusal's field, value and message; names and texts at their length
limits; values at 0, under one unit and at the largest amount; units of every status."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.account_map import AccountCommand, as_opportunity, parse_account_command, won_back
from bot.domain.errors import CurrencyMismatch, InvalidAmount, InvalidValue

EXAMPLE = '`/recover account add "Finance" value=300k` or `/recover account won "Finance"`'


def usd(amount):
    return {"amount": amount, "currency": "USD"}


@pytest.mark.parametrize(("text", "field", "value", "message"), [
    ('add "Finance', "account", 'add "Finance',
     'a quote is not closed; put a name with spaces in quotes, e.g. `/recover account add "Finance Europe" value=300k`'),
    ("promote Finance", "account", "promote", "expected add, won, lost or open, e.g. " + EXAMPLE),
    ("add value=3", "account", "add value=3",
     'name the department, office or business unit first, e.g. `/recover account add "Finance"`'),
    ("add " + "x" * 81, "unit", "x" * 40 + "…", "keep the unit's name under 80 characters"),
    ("won Finance x=1 y=2", "account", "x=1 y=2", '`won` takes only the unit\'s name, e.g. `/recover account won "Finance"`'),
    ("add Finance colour=red", "account", "colour=red",
     'expected key=value with a key among contact, relationship, value, next, date, e.g. next="Call the CFO"'),
    ("add Finance rel=friend", "relationship", "friend", "relationship is none, contact or champion"),
    ("add Finance value=lots", "value", "lots", "value 'lots' is not an amount; write it like 300k or USD 300,000"),
    ("add Finance value=-5", "value", "-5", "the value must be 0 or more, and not absurdly large"),
    ("add Finance value=EUR300", "value", "EUR300", "the loss is in USD; give the value in USD too"),
    ("add Finance date=05/06/2027", "date", "05/06/2027", "date '05/06/2027' is not a date I can read; write it like 2027-01-15"),
    ("add Finance contact=" + "y" * 201, "contact", "y" * 40 + "…", "keep it under 200 characters"),
])
def test_refusals_name_the_field_the_value_and_how(text, field, value, message):
    with pytest.raises(InvalidValue) as caught:
        parse_account_command(text, currency="USD")
    assert (caught.value.field, caught.value.value, caught.value.message) == (field, value, message)


def test_a_value_without_any_currency_asks_for_one():
    with pytest.raises(InvalidValue) as caught:
        parse_account_command("add Finance value=300k")
    assert (caught.value.field, caught.value.value, caught.value.message) == ("value", "300k", "say the currency, e.g. USD 300k")
    assert parse_account_command("add Finance value=EUR 5").fields == {"value": {"amount": 5, "currency": "EUR"}}


@pytest.mark.parametrize("word", ["show", "SHOW", "map", "list"])
def test_show_words(word):
    assert parse_account_command(word) == AccountCommand("show")


@pytest.mark.parametrize("word", ["add", "ADD", "edit", "set", "update"])
def test_add_words(word):
    assert parse_account_command(f"{word} HR contact=Ann") == AccountCommand("add", "HR", {"contact": "Ann"})


def test_limits_are_inclusive_and_small_values_are_kept():
    assert parse_account_command("won " + "x" * 80).unit == "x" * 80
    fields = parse_account_command("add HR contact=" + "y" * 200 + " next=a=b value=0.5", currency="USD").fields
    assert fields == {"contact": "y" * 200, "next_step": "a=b", "value": usd(0.5)}
    assert parse_account_command("add HR value=0", currency="USD").fields == {"value": usd(0)}
    assert parse_account_command("add HR value=1000000000000", currency="USD").fields == {"value": usd(10**12)}


def test_won_back_counts_units_of_every_status_and_reads_as_a_dict():
    units = [{"value": usd(100), "status": "won"}, {"value": usd(50), "status": None}, {"value": None, "status": "lost"},
             {"value": usd(1), "status": "paused"}]
    result = won_back(usd(0.5), units, closed_on=date(2026, 1, 15), today=date(2026, 3, 15))
    assert result.to_dict() == {"won": usd(100), "of": usd(0.5), "left": usd(0), "share": 1.0, "months": 2,
                                "units_won": 1, "units_open": 1, "units": 4, "complete": True}


@pytest.mark.parametrize(("unrecovered", "units", "field"), [
    (usd(-1), [], "unrecovered"),
    ("lots", [], "unrecovered"),
    (usd(10), [{"value": usd(1), "status": "won"}, {"value": usd(-1), "status": "won"}], "units[1].value"),
])
def test_won_back_refuses_negative_or_unreadable_amounts_with_their_field(unrecovered, units, field):
    with pytest.raises(InvalidAmount) as caught:
        won_back(unrecovered, units, closed_on=date(2026, 1, 1), today=date(2026, 1, 1))
    assert caught.value.field == field


def test_won_back_currency_mismatch_names_both_currencies_and_the_unit():
    units = [{"value": usd(1), "status": "won"}, {"value": {"amount": 1, "currency": "EUR"}, "status": "won"}]
    with pytest.raises(CurrencyMismatch) as caught:
        won_back(usd(10), units, closed_on=date(2026, 1, 1), today=date(2026, 1, 1))
    assert (caught.value.expected, caught.value.got, caught.value.field) == ("USD", "EUR", "units[1].value")


def test_an_open_unit_is_every_field_the_ranking_reads():
    assert as_opportunity({"id": 7, "name": "Finance", "value": usd(300), "status": None}, "Northwind") == {
        "id": "u7", "name": "Northwind – Finance", "account": "Northwind", "amount": usd(300), "probability": None,
        "close_date": None, "relationship": 1, "strategic_fit": None, "effort": None, "status": "open",
        "source": "account_map"}
