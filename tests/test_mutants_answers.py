"""Typed answers at their limits, written from a mutation run (docs/mutmut.md): inputs exactly
at the length limits, menus of ten and eleven options, the split of "A and B", the smallest
and largest number of picks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.engine.answers import answer_warnings, common, expected, format_answer, parse_answer, parse_list_item
from bot.engine.answers.common import Ctx
from bot.engine.answers.dates import format_date_answer
from bot.engine.answers.lists import parse_list
from bot.engine.model import ListField, Option, Step, Validation
from bot.errors import AnswerRejected
from tests.test_answers import REASONS, TODAY, parse, rejection, step

YES_NO = [Option(value="yes", label="Yes please"), Option(value="no", label="No thanks")]
ELEVEN = [Option(value=f"o{i}", label=f"Option {i}") for i in range(1, 12)]


def test_yes_no_reads_up_to_200_characters_and_folds_inner_spaces():
    assert parse(step("yes_no"), "yes" + " " * 197) is True
    assert parse(step("yes_no"), "Of   course") is True
    assert rejection(step("yes_no"), "yes" + " " * 198).message == "Please answer yes or no."


def test_a_choice_by_true_or_false_the_number_and_a_final_full_stop():
    s = step("choice")
    yes_no = s.model_copy(update={"options": YES_NO})
    assert (parse(yes_no, True), parse(yes_no, False)) == ("yes", "no")
    assert parse(s, " " * 199 + "2") == "competitor"  # 200 characters
    assert parse(s, "Product gap.") == "product_gap"


@pytest.mark.parametrize(("options", "listed"), [
    (ELEVEN[:10], ", ".join(f"Option {i}" for i in range(1, 11))),
    (ELEVEN, ", ".join(f"Option {i}" for i in range(1, 11)) + ", …"),
])
def test_a_wrong_choice_lists_ten_options_at_most(options, listed):
    s = step("choice").model_copy(update={"options": options})
    assert rejection(s, "nope").message == f"Please pick one of: {listed} (or type its number)."


def test_a_label_with_a_comma_is_one_pick_and_and_splits_in_any_case():
    options = [*REASONS, Option(value="terms", label="Price, terms and timing")]
    s = step("multi_choice").model_copy(update={"options": options})
    assert parse(s, "price, terms and timing") == ["terms"]
    assert parse(s, "Price AND No decision, , AND Product gap") == ["price", "no_decision", "product_gap"]
    assert parse(s, "Price & Competitor") == ["price", "competitor"]


def test_multi_choice_length_and_count_limits_are_inclusive():
    s = step("multi_choice")
    at_limit = "price," + " " * 19_984 + "competitor"
    assert len(at_limit) == 20_000
    assert parse(s, at_limit) == ["price", "competitor"]
    over = "price, " * 3000
    assert rejection(s, over).message.startswith('I don\'t know "price, price, price, price, price, price')
    assert parse(s, ["price"] * 100) == ["price"]
    assert rejection(s, ["price"] * 101).message == (
        "That's too many. Pick from: Price, Lost to a competitor, No decision, Product gap.")


def test_unknown_picks_show_three_each_cut_to_40_characters():
    message = rejection(step("multi_choice"), ["x" * 41, "b", "c", "d"]).message
    assert message == ('I don\'t know "' + "x" * 40 + '", "b", "c". '
                       "Pick from: Price, Lost to a competitor, No decision, Product gap.")


def test_the_fewest_and_most_picks_are_allowed_exactly():
    assert parse(step("multi_choice", min_items=2), "price, competitor") == ["price", "competitor"]
    assert rejection(step("multi_choice", min_items=2), "price").message == (
        "Please pick at least 2 options: Price, Lost to a competitor, No decision, Product gap.")
    assert parse(step("multi_choice", max_items=2), "price, competitor") == ["price", "competitor"]
    assert rejection(step("multi_choice", max_items=2), "price, competitor, no decision").message == (
        "Please pick at most 2 options.")


# -- what every answer type shares (bot/engine/answers/common.py) -------------------------------

def test_clean_turns_carriage_returns_into_new_lines_and_drops_lone_surrogates():
    assert common.clean(" a\r\nb\rc\x00d\ud800e\tf ") == "a\nb\ncd" + "e\tf"


@pytest.mark.parametrize(("value", "plain", "formatted"), [
    (3.0, "3", "3"),
    (2.5, "2.5", "2.5"),
    (1234.5, "1234.5", "1,234.5"),
    (5, "5", "5"),
    (1e15, "1000000000000000.0", "1,000,000,000,000,000"),
])
def test_numbers_show_without_a_needless_fraction(value, plain, formatted):
    assert (common.fmt_plain(value), common.fmt_number(value)) == (plain, formatted)


def test_non_numbers_show_as_they_are():
    assert (common.is_number(True), common.fmt_number("abc"), common.fmt_number(True)) == (False, "abc", "True")


@pytest.mark.parametrize(("low", "high", "hint"), [
    (1, 5, " (1 to 5)"), (1, None, " (at least 1)"), (None, 5, " (at most 5)"), (None, None, "")])
def test_bounds_hint(low, high, hint):
    assert common.bounds_hint(low, high) == hint


def test_norm_count_and_sentence():
    assert common.norm(" Strategic_fit   NOW ") == "strategic fit now"
    assert (common.count(1, "option"), common.count(2, "option"), common.count(0, "option")) == (
        "1 option", "2 options", "0 options")
    assert [common.sentence(t) for t in (None, "ok!", "why?", "done.", "use ISO")] == [
        ".", "Ok!", "Why?", "Done.", "Use ISO."]


# -- dates (bot/engine/answers/dates.py) ------------------------------------------------------


def test_a_date_reads_up_to_200_characters():
    text = "the " + "by " * 62 + "2026-12-04"
    assert len(text) == 200
    assert parse(step("date"), text) == "2026-12-04"
    assert rejection(step("date"), "by " + text).message == (
        "I couldn't read that as a date. Try 2026-12-04, next Friday or in 2 weeks.")


def test_date_refusals_say_exactly_what_to_write():
    assert rejection(step("date"), "05/06/2027").message == (
        "05/06/2027 could be day-month or month-day. Please write it like 2026-12-04 or 4 Dec 2026.")
    assert rejection(step("date", "lost_on", not_after="today"), "2027-01-01").message == (
        "The date can't be in the future.")


def test_a_missing_earlier_date_skips_that_rule_only():
    s = step("date", "end_date", not_before="start_date", not_after="today")
    assert rejection(s, "2027-01-01", earlier={}).message == "The end date can't be in the future."


def test_format_date_answer_is_none_for_what_is_no_date():
    assert (format_date_answer("soon"), format_date_answer("2026-12-04")) == (None, "Fri 4 Dec 2026")


def warned(s, days, **kwargs):
    return answer_warnings(s, (TODAY + timedelta(days=days)).isoformat(), today=TODAY, **kwargs)


def test_warn_after_days_from_today_warns_only_above_the_limit():
    s = step("date", not_before="today", warn_after_days=10)
    assert warned(s, 10) == []
    assert warned(s, 11) == ["That's 11 days after today; more than 10 is unusual here, so double-check it."]


def test_warn_after_days_from_an_expression_over_earlier_answers():
    s = step("date", warn_after_days="max_days")
    assert warned(s, 6, earlier={"max_days": 5}) == [
        "That's 6 days after today; more than 5 is unusual here, so double-check it."]
    assert warned(s, 6, earlier={"max_days": "five"}) == []  # no number, no warning


def test_no_warning_without_a_limit_a_date_step_or_the_earlier_date():
    assert warned(step("date"), 400) == []
    assert warned(step("text", warn_after_days=5), 400) == []
    assert warned(step("date", not_before="start_date", warn_after_days=5), 400, earlier={}) == []


# -- lists (bot/engine/answers/lists.py) ------------------------------------------------------

PLAN_FIELDS = [ListField(id="due_date", label="Due", type="date", validation=Validation(not_before="start_date")),
               ListField(id="fee", label="Fee", type="currency", required=False)]


def plan_step(**rules):
    return Step(id="plan", ask="?", type="list", fields=PLAN_FIELDS, validation=Validation(**rules))


def test_list_fields_read_with_todays_date_the_earlier_answers_and_the_currency():
    earlier = {"start_date": "2026-11-24"}
    assert parse(plan_step(), [{"due_date": "tomorrow", "fee": "100"}], earlier=earlier, default_currency="eur") == [
        {"due_date": "2026-11-24", "fee": {"amount": 100, "currency": "EUR"}}]
    assert rejection(plan_step(), [{"due_date": "2026-11-23"}], earlier=earlier).message == (
        "Item 1, Due: The due date can't be before the start date (2026-11-24).")


def test_list_items_as_lists_of_parts_and_a_bulleted_line_typed_alone():
    assert parse(step("list"), [["A", "", "1", "Dana"]]) == [{"metric": "A", "baseline": None, "target": 1, "owner": "Dana"}]
    assert parse_list_item(step("list"), "- A | | 1 | Dana", 1, today=TODAY) == {
        "metric": "A", "baseline": None, "target": 1, "owner": "Dana"}


def test_list_refusals_in_full():
    assert rejection(step("list"), [{"metric": "A", "x" * 41: 1}]).message == (
        'Item 1 has a part I don\'t know: "' + "x" * 40 + '". Use metric, baseline, target, owner.')
    assert rejection(step("list"), [{"metric": "A"}]).message == "Item 1, Target: please fill this in."
    with pytest.raises(AnswerRejected) as caught:
        parse_list_item(step("text"), "A", 1, today=TODAY)
    assert caught.value.message == "This question can't take a list."
    field = ListField(id="metric", label="Metric")
    with pytest.raises(AnswerRejected) as caught:
        parse_list(Ctx(field, TODAY, {}, "USD"), "A", parse_answer)
    assert caught.value.message == "This question can't take a list."


def test_list_length_and_item_limits_are_inclusive():
    one = "A | | 1 | Dana"
    at_limit = one + "\n" * 19_972 + one
    assert len(at_limit) == 20_000
    assert len(parse(step("list"), at_limit)) == 2
    assert rejection(step("list"), at_limit + "\n" + "x").message == (
        "That's too long; please keep it under 20,000 characters.")
    assert len(parse(step("list"), [one] * 100)) == 100
    assert rejection(step("list"), [one] * 101).message == "That's more than 100 items; please keep the list shorter."
    assert len(parse(step("list", max_items=2), [one] * 2)) == 2


# -- text and people (bot/engine/answers/text.py) ---------------------------------------------


def test_text_refusals_in_full_and_the_inclusive_minimum():
    assert parse(step("text"), 2.5) == "2.5"
    assert rejection(step("text"), ["a"]).message == "Please type your answer as text."
    assert parse(step("text", min_length=3), "abc") == "abc"
    assert rejection(step("text", pattern="[A-Z]+"), "abc").message == "That doesn't look like the expected format."


def test_a_persons_name_up_to_80_characters_any_letters():
    assert parse(step("user"), "Xavier Xu") == "Xavier Xu"
    assert parse(step("user"), "@" + "a" * 80) == "a" * 80
    assert rejection(step("user"), "a" * 81).message == "Please name a person: @name, or mention them like @Dana."


# -- hints, review text and the entry points (bot/engine/answers/__init__.py) ------------------

COMPUTED = Step(id="calc", compute="1 + 1")


@pytest.mark.parametrize(("s", "hint"), [
    (step("text"), "a short answer (up to 500 characters)"),
    (step("long_text"), "a few sentences (up to 3,000 characters)"),
    (step("text", pattern_hint="an ISO code"), "a short answer (up to 500 characters): an ISO code"),
    (step("number", min=1, max=5), "a number, e.g. 12, 1,200 or 1.5k (1 to 5)"),
    (step("currency", min=0, max=10), "an amount, e.g. 120k, $1.2M or 120,000 EUR (0 to 10)"),
    (step("percent"), "a percentage from 0 to 100, e.g. 25%"),
    (step("percent", min=-5, max=150), "a percentage from 0 to 100, e.g. 25%"),
    (step("percent", min=0, max=100), "a percentage from 0 to 100, e.g. 25%"),
    (step("percent", min=10, max=90), "a percentage from 10 to 90, e.g. 25%"),
    (step("date"), "a date, e.g. 2026-12-04 or next Friday"),
    (step("yes_no"), "yes or no"),
    (step("choice"), "one of the options, by name or number"),
    (step("multi_choice"), "one or more of the options, separated by commas"),
    (step("user"), "a person: @name or a Slack mention"),
    (step("list"), "one item per line: Metric | Baseline | Target | Measured by (Baseline can be left empty)"),
    (plan_step(), "one item per line: Due | Fee (Fee can be left empty)"),
    (Step(id="l", ask="?", type="list", fields=[ListField(id="a", label="A", required=False),
                                                ListField(id="b", label="B", required=False)]),
     "one item per line: A | B (A, B can be left empty)"),
    (COMPUTED, "an answer"),
])
def test_expected_says_what_to_type_for_every_type(s, hint):
    assert expected(s) == hint


@pytest.mark.parametrize(("s", "value", "shown"), [
    (step("number"), "2026-12-04", "2026-12-04"),
    (step("text"), True, "True"),
    (step("multi_choice"), [], "—"),
    (step("list"), "abc", "abc"),
    (step("list"), [], "—"),
    (step("list"), ["x", {"metric": "A", "target": 1}],
     "x\nMetric: A; Baseline: —; Target: 1; Measured by: —"),
])
def test_format_answer_for_values_of_the_wrong_shape(s, value, shown):
    assert format_answer(s, value) == shown


def test_a_computed_step_takes_no_answer():
    with pytest.raises(AnswerRejected) as caught:
        parse_answer(COMPUTED, "2", today=TODAY)
    assert (caught.value.step_id, caught.value.message) == ("calc", "This step is computed; it doesn't take an answer.")


def test_no_default_currency_is_usd():
    assert parse(step("currency"), "100", default_currency=None) == {"amount": 100, "currency": "USD"}


def test_one_list_item_as_typed_reads_like_the_whole_list():
    earlier = {"start_date": "2026-11-24"}
    assert parse_list_item(plan_step(), "tomorrow | 100", 3, today=TODAY, earlier=earlier, default_currency="eur") == {
        "due_date": "2026-11-24", "fee": {"amount": 100, "currency": "EUR"}}
    assert parse_list_item(plan_step(), "tomorrow | 5", 1, today=TODAY)["fee"] == {"amount": 5, "currency": "USD"}
    with pytest.raises(AnswerRejected) as caught:
        parse_list_item(plan_step(), "2026-11-23", 3, today=TODAY, earlier=earlier)
    assert caught.value.message == "Item 3, Due: The due date can't be before the start date (2026-11-24)."


def test_a_list_with_no_optional_field_says_nothing_about_leaving_one_empty():
    s = Step(id="l", ask="?", type="list", fields=[ListField(id="a", label="A"), ListField(id="b", label="B")])
    assert expected(s) == "one item per line: A | B"


def test_one_list_item_without_a_default_currency_is_in_usd():
    assert parse_list_item(plan_step(), "tomorrow | 5", 1, today=TODAY, default_currency=None)["fee"] == {
        "amount": 5, "currency": "USD"}
