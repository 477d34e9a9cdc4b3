"""Number, percent and currency answers at their edges, with the exact words a person reads
(bot/engine/answers/numbers.py): the cases a mutation run found untested (docs/mutmut.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.engine.answers import format_answer, parse_answer
from bot.engine.model import Step, Validation
from bot.errors import AnswerRejected
from bot.values.money import MAX_AMOUNT

TODAY = date(2026, 11, 23)


def step(kind: str, **rules: Any) -> Step:
    return Step(id="amount_step", ask="?", type=kind, validation=Validation(**rules))


def parse(s: Step, raw: Any, **kwargs: Any) -> Any:
    return parse_answer(s, raw, today=TODAY, **kwargs)


def refused(s: Step, raw: Any, **kwargs: Any) -> str:
    with pytest.raises(AnswerRejected) as caught:
        parse(s, raw, **kwargs)
    assert caught.value.step_id == "amount_step"
    return caught.value.message


# -- number -----------------------------------------------------------------------------------


def test_number_reads_scales_and_keeps_whole_numbers_whole():
    assert parse(step("number"), "5 thousand") == 5000 and isinstance(parse(step("number"), "3.0"), int)
    assert parse(step("number"), 2.5) == 2.5 and parse(step("number"), "0") == 0
    assert refused(step("number"), "lots") == "I couldn't read that as a number. Try 12, 1,200 or 1.5k."
    assert refused(step("number"), "1" * 201) == "I couldn't read that as a number. Try 12, 1,200 or 1.5k."


# -- percent ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, points", [("0", 0), ("0%", 0), ("100", 100), ("100%", 100), (12.5, 12.5), ("1", 1)])
def test_percent_from_0_to_100_inclusive(raw, points):
    assert parse(step("percent"), raw) == points


@pytest.mark.parametrize("raw", ["100.01", "-0.01", -1, 101])
def test_percent_just_outside_is_refused(raw):
    assert refused(step("percent"), raw) == "A percentage must be between 0 and 100."


def test_percent_unreadable_says_what_to_type():
    for raw in ("most", "5" * 201, [5]):
        assert refused(step("percent"), raw) == "I couldn't read that as a percentage. Try 25%, 12.5 or 100."
    assert isinstance(parse(step("percent"), "40"), int) and parse(step("percent"), "12.5") == 12.5


# -- currency ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("EUR 2 mln", {"amount": 2000000, "currency": "EUR"}),
    ("5 thousand", {"amount": 5000, "currency": "USD"}),
    ("2 mln EUR", {"amount": 2000000, "currency": "EUR"}),
    (1500, {"amount": 1500, "currency": "USD"}),
    ({"amount": 12.345, "currency": "eur"}, {"amount": 12.35, "currency": "EUR"}),
    ({"amount": "7k"}, {"amount": 7000, "currency": "USD"}),
    ("0", {"amount": 0, "currency": "USD"}),
])
def test_currency_reads_scales_codes_and_dicts(raw, expected):
    assert parse(step("currency"), raw) == expected


def test_currency_largest_amount_is_accepted_and_just_above_refused():
    assert parse(step("currency"), int(MAX_AMOUNT)) == {"amount": int(MAX_AMOUNT), "currency": "USD"}
    assert refused(step("currency"), int(MAX_AMOUNT) + 1) == "The amount is too large to be right."


@pytest.mark.parametrize("raw, message", [
    ({"amount": 5, "extra": 1}, 'Give an amount like {"amount": 120000, "currency": "USD"}. Try 120k, $1.2M or 120,000 EUR.'),
    ({"currency": "USD"}, 'Give an amount like {"amount": 120000, "currency": "USD"}. Try 120k, $1.2M or 120,000 EUR.'),
    ({"amount": 5, "currency": "dollars"}, "A currency is a 3-letter code such as USD, EUR or GBP."),
    ("plenty", "I couldn't read that as an amount. Try 120k, $1.2M or 120,000 EUR."),
    ("9" * 201, "I couldn't read that as an amount. Try 120k, $1.2M or 120,000 EUR."),
    ([5], "I couldn't read that as an amount. Try 120k, $1.2M or 120,000 EUR."),
    ("USD 5 EUR", "I see two different currencies there; please give just one."),
    ("-5", "The amount can't be negative. Say 0 if there was none."),
])
def test_currency_refusals_say_what_to_type(raw, message):
    assert refused(step("currency"), raw) == message


def test_currency_follows_an_earlier_steps_currency_and_names_it():
    s = step("currency", same_currency_as="lost_amount")
    earlier = {"lost_amount": {"amount": 100000, "currency": "EUR"}}
    assert parse(s, "20k", earlier=earlier) == {"amount": 20000, "currency": "EUR"}  # takes the earlier currency
    assert parse(s, "EUR 20k", earlier=earlier) == {"amount": 20000, "currency": "EUR"}
    assert refused(s, "$20k", earlier=earlier) == ("Please give it in EUR, like the lost amount: I never convert "
                                                   "currencies, so every number stays exact. E.g. 20,000 EUR.")
    # the earlier step not answered yet (or not an amount): the team's currency, nothing enforced
    assert parse(s, "20k", earlier={"lost_amount": None}, default_currency="GBP") == {"amount": 20000, "currency": "GBP"}
    assert parse(s, "$5", earlier={"lost_amount": {"amount": 1, "currency": 7}}) == {"amount": 5, "currency": "USD"}
    assert parse(s, "£5", earlier={}) == {"amount": 5, "currency": "GBP"}


# -- how the review card shows them -------------------------------------------------------------


def test_format_answer_for_numbers_percents_and_amounts():
    assert format_answer(step("number"), 1200) == "1,200"
    assert format_answer(step("percent"), 12.5) == "12.5%"
    assert format_answer(step("currency"), {"amount": 1250.5, "currency": "EUR"}) == "EUR 1,250.50"
    assert format_answer(step("currency"), {"amount": 5, "currency": None}) == "5"


def test_the_longest_input_is_still_read_and_one_more_character_is_not():
    # 200 characters are read (and then refused for what they say); 201 are not read at all
    assert refused(step("number"), "1" * 200) == "The number is too large to be right."
    assert refused(step("percent"), "1" * 200) == "A percentage must be between 0 and 100."
    assert refused(step("currency"), "9" * 200) == "The amount is too large to be right."


def test_format_answer_never_shows_an_amount_as_a_percent_or_a_bad_code():
    assert "%" not in str(format_answer(step("currency"), 5))
    assert format_answer(step("currency"), {"amount": 5, "currency": 7}) == "5"
