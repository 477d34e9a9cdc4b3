"""``ratings`` answers (a list field rating names known only at run time, such as a team's own
ranking factors): what is read, the bounds at and just past their edges, and the words of every
refusal."""

from __future__ import annotations

from datetime import date

import pytest

from bot.engine.answers import expected, format_answer, parse_answer, rating_names
from bot.engine.model import ListField, Validation
from bot.errors import AnswerRejected

TODAY = date(2026, 11, 20)
TWO = [{"id": "legal_risk", "label": "Legal risk"}, {"id": "partner", "label": "Partner influence"}]
ONE = TWO[:1]


def field(low: float | None = 1, high: float | None = 5, names_from: str = "settings.asked") -> ListField:
    return ListField(id="factors", label="Team factors", type="ratings", required=False,
                     validation=Validation(min=low, max=high, names_from=names_from))


def parse(raw, names=TWO, spec: ListField | None = None):
    return parse_answer(spec or field(), raw, today=TODAY, earlier={"settings": {"asked": names}})


def refusal(raw, names=TWO, spec: ListField | None = None) -> str:
    with pytest.raises(AnswerRejected) as refused:
        parse(raw, names, spec)
    return refused.value.message


def test_names_by_id_or_label_in_the_names_order():
    assert parse("partner influence 4, legal risk 2") == {"legal_risk": 2, "partner": 4}
    assert parse("Partner_Influence: 4.5; LEGAL_RISK=1") == {"legal_risk": 1, "partner": 4.5}
    assert parse("partner 3\nlegal  risk 5") == {"legal_risk": 5, "partner": 3}
    assert parse("legal risk 2") == {"legal_risk": 2}
    assert parse({"legal risk": 3, "partner": "2"}) == {"legal_risk": 3, "partner": 2}


def test_one_name_takes_a_bare_rating():
    assert parse("2", ONE) == {"legal_risk": 2}
    assert parse(4, ONE) == {"legal_risk": 4}
    assert refusal("2") == ('I don\'t know "2" here. Rate legal risk, partner influence from 1 to 5, '
                            "e.g. legal risk 3, partner influence 4.")


@pytest.mark.parametrize("typed, rating", [("1", 1), ("5", 5), ("1.0", 1), ("4.99", 4.99)])
def test_the_bounds_are_inclusive(typed, rating):
    assert parse(f"legal risk {typed}") == {"legal_risk": rating}


@pytest.mark.parametrize("typed", ["0.99", "0", "5.01", "6", "-1", "high"])
def test_just_past_the_bounds_or_not_a_number_is_refused(typed):
    assert refusal(f"legal risk {typed}") == f'Rate legal risk from 1 to 5 ("{typed}" isn\'t one).'


def test_the_range_is_said_as_the_validation_gives_it():
    assert refusal("legal risk 0", spec=field(1, None)) == 'Rate legal risk of at least 1 ("0" isn\'t one).'
    assert refusal("legal risk 9", spec=field(None, 5)) == 'Rate legal risk of at most 5 ("9" isn\'t one).'
    assert parse("legal risk 900", spec=field(None, None)) == {"legal_risk": 900}
    assert refusal("legal risk x", spec=field(None, None)) == 'Rate legal risk as a number ("x" isn\'t one).'


def test_other_refusals_say_what_to_type():
    assert refusal("legal risk") == "Give legal risk a rating from 1 to 5, e.g. legal risk 3."
    assert refusal("legal risk 2, legal_risk 3") == "Legal risk is rated twice; give it once."
    assert refusal(", ;") == "Give a name and a rating for each, e.g. legal risk 3, partner influence 4."
    assert refusal({}) == "Give a name and a rating for each, e.g. legal risk 3, partner influence 4."
    assert refusal(["legal risk", 2]) == "Give a name and a rating for each, e.g. legal risk 3, partner influence 4."
    assert refusal("legal risk " + "1" * 200) == ("Give a name and a rating for each, e.g. legal risk 3, "
                                                 "partner influence 4.")
    assert refusal({"nope": 3}) == ('I don\'t know "nope" here. Rate legal risk, partner influence from 1 to 5, '
                                    "e.g. legal risk 3, partner influence 4.")
    assert refusal("x" * 60 + " 3").startswith('I don\'t know "' + "x" * 40 + '" here.')


def test_nothing_to_rate_refuses_any_rating():
    message = "There is nothing to rate here; leave this part empty."
    assert refusal("legal risk 2", names=[]) == message
    assert refusal("legal risk 2", names=None) == message
    assert refusal("legal risk 2", names="legal_risk") == message
    assert refusal("legal risk 2", names=[{"label": "no id"}, "legal_risk"]) == message


def test_rating_names_from_the_expression():
    context = {"settings": {"asked": [{"id": "legal_risk"}, {"id": "partner", "label": "Partner influence"}]}}
    assert rating_names(field(), context) == [("legal_risk", "legal risk"), ("partner", "Partner influence")]
    assert rating_names(field(names_from="settings.missing.deeper"), context) == []
    assert rating_names(field(names_from="1 / 0"), context) == []
    text = ListField(id="note", label="Note")
    assert rating_names(text, context) == []


def test_shown_and_hinted():
    spec = field()
    assert format_answer(spec, {"legal_risk": 2, "partner": 4.5}) == "legal risk 2, partner 4.5"
    assert format_answer(spec, {}) == "—"
    assert format_answer(spec, None) == "—"
    assert format_answer(spec, "odd") == "odd"
    assert expected(spec) == "a name and a rating from 1 to 5 for each, e.g. legal risk 2"


def test_a_ratings_field_needs_its_names_and_only_it_takes_them():
    with pytest.raises(ValueError, match="needs `validation.names_from`"):
        ListField(id="factors", label="F", type="ratings")
    with pytest.raises(ValueError, match="needs `validation.names_from`"):
        ListField(id="note", label="Note", validation=Validation(names_from="settings.asked"))


def test_the_example_names_the_first_two():
    three = TWO + [{"id": "urgency", "label": "Urgency"}]
    assert refusal("nope 3", names=three) == ('I don\'t know "nope" here. Rate legal risk, partner influence, urgency '
                                              "from 1 to 5, e.g. legal risk 3, partner influence 4.")


def test_the_longest_typed_part_is_200_characters():
    assert parse("legal risk 2" + ";" * 188) == {"legal_risk": 2}  # 200 characters
    assert refusal("legal risk 2" + ";" * 189) == ("Give a name and a rating for each, e.g. legal risk 3, "
                                                  "partner influence 4.")


def test_empty_parts_are_passed_over():
    assert parse(";legal risk 2;;partner 4;") == {"legal_risk": 2, "partner": 4}


def test_a_part_without_a_rating_is_refused_as_it_was_typed():
    assert refusal("legal risk:") == ('I don\'t know "legal risk:" here. Rate legal risk, partner influence from 1 '
                                      "to 5, e.g. legal risk 3, partner influence 4.")
    assert refusal("legal risk:", names=ONE) == 'Rate legal risk from 1 to 5 ("legal risk:" isn\'t one).'


def test_a_long_bad_rating_is_quoted_to_40_characters():
    assert refusal("legal risk " + "9" * 50) == f'Rate legal risk from 1 to 5 ("{"9" * 40}" isn\'t one).'


def test_a_nameless_rating_in_a_mapping_is_refused_in_words():
    assert refusal({"": 3}) == ('I don\'t know "3" here. Rate legal risk, partner influence from 1 to 5, '
                                "e.g. legal risk 3, partner influence 4.")
    assert parse({"": 3}, names=ONE) == {"legal_risk": 3}


def test_a_list_shows_a_ratings_part_only_when_it_was_given():
    from bot.engine.model import Step

    step = Step(id="opportunities", ask="Which?", type="list", required=False,
                fields=[ListField(id="name", label="Opportunity"), field()])
    shown = format_answer(step, [{"name": "Acme", "factors": {"legal_risk": 2}}, {"name": "Globex", "factors": None}])
    assert shown == "Opportunity: Acme; Team factors: legal risk 2\nOpportunity: Globex"
