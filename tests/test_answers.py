"""Typed answers: every step type's accepted forms, its friendly rejections, and a fuzz that only AnswerRejected escapes."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine.answers import answer_warnings, expected, format_answer, parse_answer
from bot.engine.model import ListField, Option, Step, Validation
from bot.errors import AnswerRejected

TODAY = date(2026, 11, 23)  # a Monday

REASONS = [
    Option(value="price", label="Price"),
    Option(value="competitor", label="Lost to a competitor"),
    Option(value="no_decision", label="No decision"),
    Option(value="product_gap", label="Product gap"),
]


def step(kind: str, step_id: str = "answer", **rules: Any) -> Step:
    extra: dict[str, Any] = {}
    if kind in ("choice", "multi_choice"):
        extra["options"] = REASONS
    if kind == "list":
        extra["fields"] = CRITERIA_FIELDS
    return Step(id=step_id, ask="?", type=kind, validation=Validation(**rules), **extra)


CRITERIA_FIELDS = [
    ListField(id="metric", label="Metric"),
    ListField(id="baseline", label="Baseline", required=False),
    ListField(id="target", label="Target", type="number"),
    ListField(id="owner", label="Measured by", type="user"),
]


def parse(s: Step | ListField, raw: Any, **kwargs: Any) -> Any:
    return parse_answer(s, raw, today=TODAY, **kwargs)


def rejection(s: Step | ListField, raw: Any, **kwargs: Any) -> AnswerRejected:
    with pytest.raises(AnswerRejected) as err:
        parse(s, raw, **kwargs)
    assert err.value.step_id == s.id
    return err.value


# -- text -------------------------------------------------------------------------------------


def test_text_is_stripped_and_keeps_unicode():
    assert parse(step("text"), "  Northwind – fleet renewal 🚚 Zoë  ") == "Northwind – fleet renewal 🚚 Zoë"


def test_text_drops_control_characters_but_keeps_newlines_and_tabs():
    assert parse(step("long_text"), "line\x00 one\x1b\r\nline\ttwo\x7f") == "line one\nline\ttwo"


def test_text_from_yaml_scalars_becomes_text():
    assert parse(step("text"), 2026) == "2026"
    assert parse(step("text"), date(2026, 12, 4)) == "2026-12-04"


def test_text_rejects_empty_or_whitespace():
    for raw in ("", "   \n\t", "\x00\x01"):
        assert "Please type an answer" in rejection(step("text"), raw).message


def test_text_rejects_structured_values():
    assert "as text" in rejection(step("text"), {"a": 1}).message
    assert "as text" in rejection(step("text"), True).message


def test_text_rejects_over_default_max_length():
    assert "keep it to 500" in rejection(step("text"), "x" * 501).message
    assert len(parse(step("long_text"), "x" * 3000)) == 3000
    assert "keep it to 3,000" in rejection(step("long_text"), "x" * 3001).message


def test_text_max_length_from_validation_overrides_default():
    assert "keep it to 10" in rejection(step("text", max_length=10), "eleven char").message
    assert parse(step("text", max_length=600), "x" * 600) == "x" * 600


def test_text_rejects_under_min_length():
    assert "at least 20 characters" in rejection(step("long_text", min_length=20), "too short").message


def test_text_pattern_must_match_whole_answer():
    s = step("text", pattern=r"006[A-Za-z0-9]{12}", pattern_hint="a Salesforce opportunity id like 006Dn00000KxR2E")
    assert parse(s, "006Dn00000KxR2E") == "006Dn00000KxR2E"
    err = rejection(s, "x006Dn00000KxR2E")
    assert "A Salesforce opportunity id like 006Dn00000KxR2E." in err.message


def test_text_pattern_without_hint_still_says_what_is_wrong():
    assert "expected format" in rejection(step("text", pattern=r"[A-Z]{3}"), "abcd").message


# -- number -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,200", 1200), ("12k", 12000), ("1.5M", 1500000), ("-3", -3), ("2.5", 2.5), ("3 bn", 3_000_000_000),
     (7, 7), (3.0, 3), (0.25, 0.25), ("12 000", 12000)],
)
def test_number_accepts_common_forms(raw, value):
    result = parse(step("number"), raw)
    assert result == value
    assert type(result) is type(value)


def test_number_rejects_words_with_an_example():
    err = rejection(step("number"), "lots")
    assert err.message == "I couldn't read that as a number. Try 12, 1,200 or 1.5k."


def test_number_rejects_ambiguous_separators_and_non_numbers():
    for raw in ("1,20", "1.2.3", True, [1], float("nan"), float("inf"), "1e5"):
        assert "couldn't read that as a number" in rejection(step("number"), raw).message


def test_number_min_and_max_apply():
    s = step("number", min=1, max=10)
    assert "at least 1" in rejection(s, "0").message
    assert "at most 10" in rejection(s, "11").message
    assert parse(s, "10") == 10


def test_bounds_are_inclusive_and_say_the_limit_exactly():
    s = step("number", min=1, max=10)
    assert parse(s, "1") == 1
    assert rejection(s, "0.99").message == "The number must be at least 1."
    assert rejection(s, "10.01").message == "The number must be at most 10."
    p = step("percent", min=1, max=100)
    assert parse(p, "100%") == 100 and parse(p, "1") == 1
    assert rejection(p, "0.5").message == "The percentage must be at least 1%."
    assert parse(step("percent"), "0") == 0  # a 0% probability is accepted
    assert parse(step("number", min=0), "0") == 0  # 0 hours


def test_number_refuses_absurd_magnitudes():
    assert "too large" in rejection(step("number"), 10**400).message


# -- currency ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("120k", 120000, "USD"),
        ("$1.2M", 1200000, "USD"),
        ("120,000", 120000, "USD"),
        ("120000 usd", 120000, "USD"),
        ("EUR 50k", 50000, "EUR"),
        ("50k €", 50000, "EUR"),
        ("£3,000", 3000, "GBP"),
        ("¥500", 500, "JPY"),
        ("2,500.50 CHF", 2500.5, "CHF"),
        (90000, 90000, "USD"),
        ({"amount": 5000, "currency": "eur"}, 5000, "EUR"),
        ({"amount": "5k"}, 5000, "USD"),
    ],
)
def test_currency_accepts_symbols_codes_and_dicts(raw, amount, currency):
    assert parse(step("currency"), raw) == {"amount": amount, "currency": currency}


def test_currency_bare_number_uses_default_currency():
    assert parse(step("currency"), "20k", default_currency="gbp") == {"amount": 20000, "currency": "GBP"}


def test_currency_rejects_words_with_examples():
    err = rejection(step("currency"), "a lot")
    assert err.message == "I couldn't read that as an amount. Try 120k, $1.2M or 120,000 EUR."


def test_currency_rejects_negative_amounts():
    for raw in ("-5k", "$-5", -10, {"amount": -1}):
        assert "can't be negative" in rejection(step("currency"), raw).message


def test_currency_rejects_two_different_currencies():
    assert "two different currencies" in rejection(step("currency"), "$5 EUR").message


def test_currency_rejects_bad_dicts():
    assert "3-letter code" in rejection(step("currency"), {"amount": 5, "currency": "dollars"}).message
    assert "amount" in rejection(step("currency"), {"value": 5}).message


def test_currency_min_and_max_apply_to_amount():
    s = step("currency", min=1000, max=1_000_000)
    assert "at least 1,000" in rejection(s, "$999").message
    assert "at most 1,000,000" in rejection(s, "2M EUR").message


# -- percent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [("25%", 25), ("25", 25), ("12.5 %", 12.5), (0, 0), (100, 100), ("40 percent", 40)])
def test_percent_accepts_with_or_without_sign(raw, value):
    assert parse(step("percent"), raw) == value


def test_percent_rejects_outside_zero_to_hundred():
    for raw in ("101", "-1%", 250):
        assert rejection(step("percent"), raw).message == "A percentage must be between 0 and 100."


def test_percent_rejects_words_with_examples():
    assert "Try 25%" in rejection(step("percent"), "half").message


def test_percent_validation_max_applies():
    assert "at most 50%" in rejection(step("percent", max=50), "60%").message


# -- date -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-12-04", "2026-12-04"),
        (date(2026, 12, 4), "2026-12-04"),
        (datetime(2026, 12, 4, 15, 30), "2026-12-04"),
        ("next Friday", "2026-12-04"),
        ("in 2 weeks", "2026-12-07"),
        ("tomorrow", "2026-11-24"),
        ("Dec 3", "2026-12-03"),
        ("3 December 2026", "2026-12-03"),
        ("3rd of December", "2026-12-03"),
        ("end of month", "2026-11-30"),
        ("next quarter", "2027-01-01"),
        ("end of quarter", "2026-12-31"),
        ("end of next quarter", "2027-03-31"),
        ("by Friday", "2026-11-27"),
        ("13/12/2026", "2026-12-13"),
    ],
)
def test_date_accepts_iso_and_natural_forms(raw, iso):
    assert parse(step("date"), raw) == iso


def test_date_natural_forms_follow_the_frozen_clock_when_today_comes_from_it():
    with freeze_time("2027-02-10"):
        assert parse_answer(step("date"), "end of quarter", today=date.today()) == "2027-03-31"


def test_date_rejects_unreadable_text_with_example():
    for raw in ("whenever", "asdf next friday", "in 2 hours", "2027", 20261204):
        err = rejection(step("date"), raw)
        assert err.message == "I couldn't read that as a date. Try 2026-12-04, next Friday or in 2 weeks."


def test_date_rejects_impossible_calendar_dates():
    assert "isn't a date on the calendar" in rejection(step("date"), "2026-02-30").message


def test_date_rejects_ambiguous_day_month_order():
    assert "day-month or month-day" in rejection(step("date"), "04/12/2026").message


def test_date_rejects_implausible_years():
    assert "typo for the year" in rejection(step("date"), "0026-12-04").message


def test_date_not_before_earlier_step_names_it():
    s = step("date", step_id="end_date", not_before="start_date")
    err = rejection(s, "2026-11-30", earlier={"start_date": "2026-12-01"})
    assert err.message == "The end date can't be before the start date (2026-12-01)."
    assert err.step_id == "end_date"
    assert parse(s, "2026-12-01", earlier={"start_date": "2026-12-01"}) == "2026-12-01"


def test_date_not_before_is_ignored_when_earlier_step_unanswered():
    s = step("date", step_id="end_date", not_before="start_date")
    assert parse(s, "2026-01-01", earlier={"start_date": None}) == "2026-01-01"


def test_date_not_before_and_not_after_today():
    assert "can't be in the past" in rejection(step("date", not_before="today"), "yesterday").message
    assert "can't be in the future" in rejection(step("date", step_id="close_date", not_after="today"), "tomorrow").message
    assert parse(step("date", not_before="today"), "today") == "2026-11-23"


def test_date_not_after_earlier_step_names_it():
    s = step("date", step_id="sign_off_date", not_after="kickoff")
    err = rejection(s, "2026-12-10", earlier={"kickoff": date(2026, 12, 1)})
    assert err.message == "The sign off date can't be after the kickoff date (2026-12-01)."


def test_date_warn_after_days_is_a_warning_not_an_error():
    s = step("date", step_id="end_date", not_before="start_date", warn_after_days=90)
    earlier = {"start_date": "2026-12-01"}
    value = parse(s, "2027-06-01", earlier=earlier)
    warnings = answer_warnings(s, value, earlier=earlier)
    assert len(warnings) == 1
    assert "182 days after the start date (2026-12-01)" in warnings[0]
    assert answer_warnings(s, "2027-01-15", earlier=earlier) == []


def test_date_warn_after_days_counts_from_today_without_earlier_date():
    s = step("date", warn_after_days=30)
    assert "40 days after today" in answer_warnings(s, "2027-01-02", today=TODAY)[0]
    with freeze_time("2026-11-23"):
        assert answer_warnings(s, "2026-12-01") == []


def test_answer_warnings_are_empty_for_other_types():
    assert answer_warnings(step("number"), 5) == []


# -- yes / no ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["yes", "Y", "true", "Yep", "sure", "1", " YES! ", True, 1])
def test_yes_no_accepts_yes_forms(raw):
    assert parse(step("yes_no"), raw) is True


@pytest.mark.parametrize("raw", ["no", "N", "false", "nope", "0", False, 0])
def test_yes_no_accepts_no_forms(raw):
    assert parse(step("yes_no"), raw) is False


def test_yes_no_rejects_anything_else():
    for raw in ("maybe", 2, [True]):
        assert rejection(step("yes_no"), raw).message == "Please answer yes or no."


# -- choice -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["competitor", "Lost to a competitor", "  lost TO a   competitor ", "2", 2, "2."]
)
def test_choice_accepts_value_label_or_menu_number(raw):
    assert parse(step("choice"), raw) == "competitor"


def test_choice_accepts_value_with_spaces_for_underscores():
    assert parse(step("choice"), "no decision") == "no_decision"


def test_choice_rejects_unknown_listing_labels():
    err = rejection(step("choice"), "budget")
    assert err.message == (
        "Please pick one of: Price, Lost to a competitor, No decision, Product gap (or type its number)."
    )


def test_choice_rejects_out_of_range_number():
    assert "Please pick one of" in rejection(step("choice"), "5").message


# -- multi_choice -----------------------------------------------------------------------------


def test_multi_choice_accepts_list_in_option_order_deduplicated():
    assert parse(step("multi_choice"), ["product_gap", "Price", "price"]) == ["price", "product_gap"]


@pytest.mark.parametrize(
    "raw", ["Product gap, Price", "price and product gap", "price\nproduct_gap", "4, 1", "Price; and Product gap"]
)
def test_multi_choice_accepts_separated_text(raw):
    assert parse(step("multi_choice"), raw) == ["price", "product_gap"]


def test_multi_choice_keeps_labels_that_contain_and():
    s = Step(id="tags", ask="?", type="multi_choice",
             options=[Option(value="rnd", label="Research and development"), Option(value="ops", label="Ops")])
    assert parse(s, "Research and development, ops") == ["rnd", "ops"]


def test_multi_choice_rejects_unknown_items_naming_them():
    err = rejection(step("multi_choice"), "price, budget")
    assert err.message.startswith('I don\'t know "budget". Pick from: Price,')


def test_multi_choice_rejects_empty_list():
    assert "at least 1 option" in rejection(step("multi_choice"), []).message


def test_multi_choice_min_and_max_items():
    assert "at least 2 options" in rejection(step("multi_choice", min_items=2), "price").message
    assert "at most 2 options" in rejection(step("multi_choice", max_items=2), "1, 2, 3").message


# -- user -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("U0123ABC", "U0123ABC"), ("W0123ABC", "W0123ABC"), ("<@U0123ABC>", "U0123ABC"),
     ("<@U0123ABC|dana>", "U0123ABC"), ("@dana.smith", "dana.smith"), ("Dana  Smith", "Dana Smith"),
     ("Zoë O'Brien", "Zoë O'Brien")],
)
def test_user_accepts_ids_mentions_and_names(raw, value):
    assert parse(step("user"), raw) == value


def test_user_rejects_non_people():
    for raw in ("@", "<!channel>", "12345", ["U0123ABC"], "x" * 81, "two\nlines"):
        assert "Please name a person" in rejection(step("user"), raw).message


# -- list -------------------------------------------------------------------------------------


def test_list_parses_pipe_separated_lines():
    raw = "Time to quote | 5 days | 1 | Dana\n- Error rate | | 2 | <@U0123ABC>\n\n"
    assert parse(step("list"), raw) == [
        {"metric": "Time to quote", "baseline": "5 days", "target": 1, "owner": "Dana"},
        {"metric": "Error rate", "baseline": None, "target": 2, "owner": "U0123ABC"},
    ]


def test_list_parses_dicts_with_missing_optional_fields_as_none():
    raw = [{"metric": "Time to quote", "target": "12k", "Measured by": "@dana"}]
    assert parse(step("list"), raw) == [{"metric": "Time to quote", "baseline": None, "target": 12000, "owner": "dana"}]


def test_list_field_errors_name_item_and_label():
    err = rejection(step("list", step_id="criteria"), "A | | 1 | Dana\nB | | lots | Dana")
    assert err.step_id == "criteria"
    assert err.message == "Item 2, Target: I couldn't read that as a number. Try 12, 1,200 or 1.5k."


def test_list_missing_required_field_explains_the_layout():
    err = rejection(step("list"), "Time to quote")
    assert err.message == (
        "Item 1, Target: please fill this in. Separate the parts with |: Metric | Baseline | Target | Measured by."
    )


def test_list_rejects_too_many_parts():
    assert "has 5 parts but I expected 4" in rejection(step("list"), "a | b | 1 | d | e").message


def test_list_rejects_unknown_keys():
    err = rejection(step("list"), [{"metric": "A", "target": 1, "owner": "D", "colour": "red"}])
    assert err.message.startswith('Item 1 has a part I don\'t know: "colour".')


def test_list_min_and_max_items():
    one = "A | | 1 | Dana"
    assert "at least 2 items" in rejection(step("list", min_items=2), one).message
    assert "keep it to 1 item" in rejection(step("list", max_items=1), f"{one}\n{one}").message
    assert "at least 1 item" in rejection(step("list"), []).message


def test_list_rejects_wrong_shapes():
    assert "one item per line" in rejection(step("list"), {"metric": "A"}).message
    assert "isn't something I can read" in rejection(step("list"), [42]).message


# -- expected and format_answer ----------------------------------------------------------------


def test_expected_gives_a_short_hint_per_type():
    assert expected(step("date")) == "a date, e.g. 2026-12-04 or next Friday"
    assert expected(step("currency", min=0)) == "an amount, e.g. 120k, $1.2M or 120,000 EUR (at least 0)"
    assert expected(step("text", max_length=120)) == "a short answer (up to 120 characters)"
    assert expected(step("list")) == "one item per line: Metric | Baseline | Target | Measured by (Baseline can be left empty)"
    for kind in ("long_text", "number", "percent", "yes_no", "choice", "multi_choice", "user"):
        assert expected(step(kind))


def test_rejection_for_missing_answer_includes_expected_hint():
    assert rejection(step("yes_no"), None).message == "Please type an answer: yes or no."


def test_format_answer_renders_each_type_for_people():
    assert format_answer(step("currency"), {"amount": 120000, "currency": "USD"}) == "USD 120,000"
    assert format_answer(step("currency"), {"amount": 1200.5, "currency": "EUR"}) == "EUR 1,200.50"
    assert format_answer(step("date"), "2026-12-04") == "Fri 4 Dec 2026"
    assert format_answer(step("yes_no"), True) == "Yes"
    assert format_answer(step("yes_no"), False) == "No"
    assert format_answer(step("choice"), "competitor") == "Lost to a competitor"
    assert format_answer(step("multi_choice"), ["price", "product_gap"]) == "Price, Product gap"
    assert format_answer(step("number"), 1234567) == "1,234,567"
    assert format_answer(step("percent"), 12.5) == "12.5%"
    assert format_answer(step("text"), None) == "—"


def test_format_answer_renders_list_one_line_per_item():
    value = [{"metric": "Time to quote", "baseline": None, "target": 1, "owner": "Dana"}]
    assert format_answer(step("list"), value) == "Metric: Time to quote; Baseline: —; Target: 1; Measured by: Dana"


def test_format_answer_falls_back_to_text_for_unexpected_values():
    assert format_answer(step("date"), "someday") == "someday"
    assert format_answer(step("choice"), "retired_option") == "retired_option"


# -- fuzz: nothing but AnswerRejected comes out --------------------------------------------------

FUZZ_STEPS = [
    step("text", pattern=r"[a-z ]+", pattern_hint="lower-case words"),
    step("long_text", min_length=3),
    step("number", min=-5, max=5),
    step("currency", min=0),
    step("percent"),
    step("date", step_id="end_date", not_before="start_date", not_after="today"),
    step("yes_no"),
    step("choice"),
    step("multi_choice", max_items=2),
    step("user"),
    step("list", max_items=3),
    ListField(id="field", label="Field", type="currency"),
]

json_ish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates() | st.datetimes(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
wordy_text = st.lists(
    st.sampled_from(["next", "friday", "1,200", "k", "$", "€", "EUR", "|", "\n", ",", "and", "price", "2",
                     "<@U0123ABC>", "@", "%", "-", "end of", "quarter", "12/04/2026", "in", "weeks", " "]),
    max_size=8,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(FUZZ_STEPS) - 1), raw=st.one_of(st.text(), wordy_text, json_ish))
def test_fuzz_any_input_gives_a_value_or_answer_rejected(index, raw):
    s = FUZZ_STEPS[index]
    try:
        value = parse_answer(s, raw, today=TODAY, earlier={"start_date": "2026-11-01"})
    except AnswerRejected as err:
        assert err.step_id == s.id
        assert err.message
        return
    json.dumps(value, allow_nan=False).encode("utf-8")
    assert isinstance(format_answer(s, value), str)
    assert isinstance(answer_warnings(s, value, earlier={}), list)


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, len(FUZZ_STEPS) - 1), value=json_ish)
def test_fuzz_format_answer_never_raises(index, value):
    assert isinstance(format_answer(FUZZ_STEPS[index], value), str)


def test_huge_input_is_rejected_for_every_type():
    big = "1" * 100_000
    for s in FUZZ_STEPS:
        if s.type == "list":
            assert "too long" in rejection(s, big).message
        elif s.type in ("text", "long_text"):
            assert "characters" in rejection(s, big).message
        else:
            rejection(s, big)
