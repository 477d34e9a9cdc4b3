"""The engine pieces the pilot plan relies on: the team's longest pilot as a soft warning, the
business day before the end, measurable targets, and the plan's own gaps and reminders."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import PROJECT_ROOT
from bot.engine import conditions, runner
from bot.engine.answers import answer_warnings, parse_answer
from bot.engine.checks import check_playbook
from bot.engine.loader import load_playbook_file
from bot.errors import AnswerRejected
from bot.files.yaml_source import YamlSource
from tests.helpers import playbook

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def pilot_plan():
    loaded, problems = load_playbook_file(PROJECT_ROOT / "playbooks" / "pilot-plan.yml")
    assert problems == []
    return loaded


def test_business_days_before_skips_the_weekend():
    assert conditions.business_days_before("2027-02-19", 1) == "2027-02-18"  # Friday -> Thursday
    assert conditions.business_days_before("2027-02-22", 1) == "2027-02-19"  # Monday -> Friday
    assert conditions.business_days_before("2027-02-21", 1) == "2027-02-19"  # Sunday -> Friday
    assert conditions.business_days_before("2027-02-22", 3) == "2027-02-17"
    assert conditions.evaluate("business_days_before(end, 1)", {"end": "2027-02-22"}) == "2027-02-19"


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2026, 11, 20), 2, date(2026, 11, 18)),  # Friday -> Wednesday
        (date(2026, 11, 23), 1, date(2026, 11, 20)),  # Monday -> Friday
        (date(2026, 11, 24), 3, date(2026, 11, 19)),  # Tuesday -> Thursday before
        (date(2026, 11, 22), 1, date(2026, 11, 20)),  # Sunday -> Friday
        (date(2026, 11, 22), 0, date(2026, 11, 22)),
    ],
)
def test_business_days_before_skips_weekends(day, n, expected):
    assert conditions.business_days_before(day, n) == expected.isoformat()


def test_warn_after_days_reads_the_teams_setting():
    sample = playbook([
        {"id": "start_date", "ask": "Start?", "type": "date"},
        {"id": "end_date", "ask": "End?", "type": "date",
         "validation": {"not_before": "start_date", "warn_after_days": "settings.max_pilot_days"}},
    ])
    end = sample.step("end_date")
    earlier = {"start_date": "2026-12-07", "settings": {"max_pilot_days": 30}}
    (warning,) = answer_warnings(end, "2027-01-20", earlier=earlier)
    assert "44 days after the start date" in warning and "more than 30" in warning
    assert answer_warnings(end, "2027-01-01", earlier=earlier) == []
    # no setting (or not a number): no warning, never an error
    assert answer_warnings(end, "2027-06-01", earlier={"start_date": "2026-12-07", "settings": {}}) == []


def test_warn_after_days_expression_is_checked_like_any_expression():
    sample = playbook([
        {"id": "end_date", "ask": "End?", "type": "date", "validation": {"warn_after_days": "later_step"}},
        {"id": "later_step", "ask": "Later?", "type": "number"},
    ])
    source = YamlSource(file="sample.yml", data={})
    problems = check_playbook(sample, source)
    assert any("warn_after_days" in p.message and "later_step" in p.message for p in problems)


def test_end_date_before_start_is_refused_and_a_long_pilot_warned(pilot_plan):
    state = runner.RunState(answers={"start_date": "2026-12-07"}, cursor="end_date",
                            env={"today": "2026-11-23", "settings": {"max_pilot_days": 60}})
    with pytest.raises(AnswerRejected, match="can't be before the start date"):
        runner.answer(pilot_plan, state, "2026-12-01", today=TODAY)
    answered = runner.answer(pilot_plan, state, "2027-03-01", today=TODAY)
    assert answered.value == "2027-03-01"
    assert answered.warnings and "more than 60" in answered.warnings[0]


def test_a_target_without_a_number_is_pushed_back_and_an_empty_one_allowed(pilot_plan):
    criteria = pilot_plan.step("criteria")
    with pytest.raises(AnswerRejected) as rejected:
        parse_answer(criteria, "Route quality | | Better routes | planner survey | Luis", today=TODAY)
    assert rejected.value.message.startswith("Item 1, Target:")
    assert "give it a number" in rejected.value.message
    parsed = parse_answer(criteria, "Empty miles | 18% | 14% or less | telematics | Tom\n"
                                    "Planner hours | | | time sheet | Luis", today=TODAY)
    assert parsed[0]["target"] == "14% or less" and parsed[1]["target"] is None


def test_gaps_name_the_missing_target_decider_and_decision_maker(pilot_plan):
    answers = {
        "account": "Acme", "deal": "All depots", "deal_value": {"amount": 120000, "currency": "USD"},
        "pilot_fee": {"amount": 0, "currency": "USD"}, "scope": "Two depots", "start_date": "2026-12-07",
        "end_date": "2027-04-30", "customer_team": [{"name": "Maya", "role": None}],
        "our_team": [{"name": "Jordan", "role": None}],
        "criteria": [{"metric": "Empty miles", "baseline": "18%", "target": None, "how_measured": "export",
                      "measured_by": "Tom"}],
        "all_met_action": "buy", "not_met_action": "stop",
    }
    ctx = runner.context(pilot_plan, runner.RunState(answers=answers, env={"settings": {"max_pilot_days": 90}}))
    assert "Agree a measurable target for: Empty miles" in ctx["gaps"]
    assert "Name the person at Acme who decides on the full deal" in ctx["gaps"]
    assert "Agree what happens if the criteria are partly met" in ctx["gaps"]
    assert ctx["longer_than_usual"] is True  # 144 days against the team's 90
    assert ctx["day_before_end"] == "2027-04-29" and ctx["midpoint_date"] == "2027-02-17"
    reminders = {r.id: r for r in pilot_plan.on_submit.reminders}
    assert {r.to for r in reminders.values()} == {"user", "team_channel"}
    assert reminders["before_end_user"].due == "day_before_end"
