"""Typed answers at their limits, written from a mutation run (docs/mutmut.md): inputs exactly
at the length limits, menus of ten and eleven options, the split of "A and B", the smallest
and largest number of picks."""

from __future__ import annotations

import pytest

from bot.engine.model import Option
from tests.test_answers import REASONS, parse, rejection, step

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

from bot.engine.answers import common  # noqa: E402


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
