"""Typed and exported dates at their edges, written from a mutation run (docs/mutmut.md): day
and month 12 and 13 in slashed dates, two-digit years, the period words, the one display form."""

from __future__ import annotations

from datetime import date

import pytest

from bot.values.dates import AmbiguousDate, NotOnCalendar, calendar_date, format_date, period_date, read_date

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(("text", "day"), [
    ("31/05/27", date(2027, 5, 31)),      # two digits: this century
    ("31/05/99", date(2099, 5, 31)),
    ("31/05/0099", date(99, 5, 31)),      # four digits: as written (was 2099)
    ("31/05/0100", date(100, 5, 31)),
    ("13/12/2027", date(2027, 12, 13)),   # 13 can only be the day
    ("12/13/2027", date(2027, 12, 13)),
    ("05/13/2027", date(2027, 5, 13)),
    ("12/12/2027", date(2027, 12, 12)),   # the same either way round
])
def test_slashed_dates_read_only_one_way(text, day):
    assert calendar_date(text) == day


@pytest.mark.parametrize("text", ["12/05/2027", "05/12/2027", "01/02/27"])
def test_slashed_dates_that_could_be_either_are_refused_with_the_text(text):
    with pytest.raises(AmbiguousDate) as caught:
        calendar_date(text)
    assert (caught.value.text, str(caught.value)) == (text, f"{text} could be day-month or month-day")


@pytest.mark.parametrize(("text", "shown"), [("2026-02-30", "2026-02-30"), ("31/02/2027", "31/02/2027"),
                                             ("2026-02-30T10:00", "2026-02-30")])
def test_dates_not_on_the_calendar_name_the_text(text, shown):
    with pytest.raises(NotOnCalendar) as caught:
        calendar_date(text)
    assert (caught.value.text, str(caught.value)) == (shown, f"{shown} isn't a date on the calendar")


@pytest.mark.parametrize(("value", "style", "shown"), [
    (None, None, ""),
    ("", None, ""),
    ("2026-12-04T10:00:00Z", None, "Fri 4 Dec 2026"),
    (date(2026, 12, 4), "%d %b", "04 Dec"),
    ("not a date", None, "not a date"),
    (5, None, "5"),
])
def test_format_date(value, style, shown):
    assert format_date(value, style) == shown


@pytest.mark.parametrize(("text", "day"), [
    ("eom", date(2026, 12, 31)),
    ("EOQ", date(2026, 12, 31)),
    ("eoy", date(2026, 12, 31)),
    ("end of year", date(2026, 12, 31)),
    ("next year", date(2027, 1, 1)),
    ("end of next year", date(2027, 12, 31)),
    ("start of the year", date(2026, 1, 1)),
    ("next month", date(2027, 1, 1)),
    ("month", None),
    ("this quarter", None),
])
def test_period_words(text, day):
    assert period_date(text, TODAY) == day


def test_a_comma_beside_a_filler_word_is_still_filler():
    assert read_date("by, next Friday", TODAY) == date(2026, 12, 11)


def test_a_month_and_day_without_a_year_is_the_next_one_unless_past():
    assert read_date("Nov 30", TODAY) == date(2027, 11, 30)
    assert read_date("Nov 30", TODAY, past=True) == date(2026, 11, 30)
