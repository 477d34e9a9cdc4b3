"""Loss dates are never in the future: a month and day typed without a year ("Nov 30" on
1 December) is the one just gone, at the boundary of today, yesterday and tomorrow."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import PROJECT_ROOT
from bot.engine.answers import parse_answer
from bot.values.dates import most_recent, natural_date
from bot.engine.loader import load_playbooks
from bot.errors import AnswerRejected
from bot.services import provide_expression_functions

provide_expression_functions()  # the other playbooks' compute: functions, so all of them load
CLOSE_DATE = load_playbooks(PROJECT_ROOT / "playbooks")["debrief"].step("close_date")
DEC_1 = date(2026, 12, 1)


def close_date(raw: str, today: date = DEC_1) -> str:
    return parse_answer(CLOSE_DATE, raw, today=today, earlier={})


@pytest.mark.parametrize("typed, meant", [
    ("Nov 30", "2026-11-30"),            # yesterday, not next year's 30 November
    ("30 November", "2026-11-30"),
    ("30th of November", "2026-11-30"),
    ("Dec 1", "2026-12-01"),             # today is not the future
    ("Dec 2", "2025-12-02"),             # tomorrow's date without a year: the last one that has happened
    ("Jan 15", "2026-01-15"),
    ("Nov 30 2026", "2026-11-30"),
    ("yesterday", "2026-11-30"),
    ("today", "2026-12-01"),
])
def test_loss_date_without_a_year_is_the_most_recent_one(typed, meant):
    assert close_date(typed) == meant


@pytest.mark.parametrize("typed", ["tomorrow", "next friday", "Dec 2 2026", "2026-12-02"])
def test_loss_date_in_the_future_is_refused(typed):
    with pytest.raises(AnswerRejected, match="can't be in the future"):
        close_date(typed)


def test_new_years_day_reads_december_as_last_year():
    assert close_date("Dec 31", today=date(2027, 1, 1)) == "2026-12-31"
    assert close_date("Jan 1", today=date(2027, 1, 1)) == "2027-01-01"


def test_dates_ahead_keep_reading_ahead_without_past():
    assert natural_date("Nov 30", DEC_1) == date(2027, 11, 30)  # a pilot's end date, say
    assert natural_date("Nov 30", DEC_1, past=True) == date(2026, 11, 30)


def test_most_recent_of_29_february_in_a_common_year():
    assert most_recent(date(2028, 2, 29), date(2027, 3, 1)) == date(2027, 2, 28)
    assert most_recent(date(2027, 3, 1), date(2027, 3, 1)) == date(2027, 3, 1)
