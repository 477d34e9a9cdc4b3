"""The graceful no's check-back date read from the customer's timing (bot/domain/checkback.py):
exact days at the quarter, month and year boundaries, hand-checked on a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.checkback import add_months, check_back_from_timing, check_back_iso, first_business_day


@pytest.mark.parametrize(("words", "today", "expected"), [
    # after Q3: Q3 ends 30 Sep; 1 Oct 2027 is a Friday
    ("after Q3", date(2027, 6, 15), date(2027, 10, 1)),
    ("after Q3", date(2027, 7, 1), date(2027, 10, 1)),  # first day inside Q3
    ("after Q3", date(2027, 9, 30), date(2027, 10, 1)),  # last day of Q3: still this year's
    ("after Q3", date(2027, 10, 1), date(2028, 10, 2)),  # past Q3: next year's, 1 Oct 2028 is a Sunday
    ("They said after their Q3 migration is live", date(2027, 3, 1), date(2027, 10, 1)),
    ("once q4 is closed", date(2027, 11, 1), date(2028, 1, 3)),  # 1 Jan 2028 is a Saturday
    ("end of Q1", date(2027, 3, 31), date(2027, 4, 1)),
    ("end of Q1", date(2027, 4, 1), date(2028, 4, 3)),  # 1 Apr 2028 is a Saturday
    # a quarter without "after": its start
    ("Q1", date(2026, 12, 1), date(2027, 1, 1)),
    ("in Q2", date(2027, 3, 31), date(2027, 4, 1)),
    ("in Q2", date(2027, 4, 1), date(2028, 4, 3)),  # already in Q2: next year's
    # a span from today
    ("in 6 months", date(2027, 8, 31), date(2028, 2, 29)),  # clamped to the leap day, a Tuesday
    ("in six months", date(2027, 1, 15), date(2027, 7, 15)),
    ("in 2 weeks", date(2027, 1, 15), date(2027, 1, 29)),
    ("in a year", date(2027, 1, 2), date(2028, 1, 3)),  # 2 Jan 2028 is a Sunday
    # next period
    ("next year", date(2027, 12, 31), date(2028, 1, 3)),
    ("next year", date(2027, 1, 1), date(2028, 1, 3)),
    ("next quarter", date(2027, 9, 30), date(2027, 10, 1)),
    ("next month", date(2027, 1, 31), date(2027, 2, 1)),
    # a month by name: the next one ahead of this month
    ("January", date(2026, 12, 1), date(2027, 1, 1)),
    ("January", date(2027, 1, 15), date(2028, 1, 3)),  # this January is under way: next one
    ("around March", date(2027, 2, 28), date(2027, 3, 1)),
    ("after January", date(2027, 1, 31), date(2027, 2, 1)),
    ("after January", date(2027, 2, 1), date(2028, 2, 1)),
    ("early May", date(2027, 1, 4), date(2027, 5, 3)),  # 1 May 2027 is a Saturday
])
def test_check_back_follows_the_customers_timing(words, today, expected):
    assert check_back_from_timing(words, today) == expected
    assert check_back_iso(words, today.isoformat()) == expected.isoformat()


@pytest.mark.parametrize("words", ["", "   ", None, 42, "when the migration is done", "we may revisit it",
                                   "Q5", "in some months"])
def test_check_back_without_a_time_in_the_words_is_none(words):
    assert check_back_from_timing(words, date(2027, 1, 4)) is None


def test_first_business_day_moves_only_weekends():
    assert first_business_day(date(2027, 10, 1)) == date(2027, 10, 1)  # Friday stays
    assert first_business_day(date(2027, 10, 2)) == date(2027, 10, 4)  # Saturday -> Monday
    assert first_business_day(date(2027, 10, 3)) == date(2027, 10, 4)  # Sunday -> Monday


def test_add_months_clamps_to_the_months_end():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)
    assert add_months(date(2027, 5, 31), -1) == date(2027, 4, 30)
