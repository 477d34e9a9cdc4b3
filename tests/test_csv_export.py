"""What every CSV import shares (bot/domain/csv_export.py): blank lines before the header.

Some CRM exports start with an empty line (or one of bare separators). The header is the first
line with a title on it; its problems and every row keep the line numbers of the file.
"""

from __future__ import annotations

from bot.domain.book import parse_book_csv
from bot.domain.crm_deals import parse_deals_csv
from bot.domain.opportunities_csv import parse_opportunities_csv


def test_the_book_import_passes_over_blank_lines_before_its_header():
    result = parse_book_csv("\n,,\nAccount,Contract,Amount,Owner\nNorthwind,Fleet,1200,U0REP1\n",
                            default_currency="USD")
    assert result.errors == []
    assert [(r["account"], r["contract"], r["amount"], r["line"]) for r in result.rows] == [
        ("Northwind", "Fleet", {"amount": 1200, "currency": "USD"}, 4)]


def test_the_crm_import_passes_over_a_blank_line_and_reports_rows_at_their_file_lines():
    from datetime import date

    text = "\nCRM id,Name,Stage,Amount,Currency,Close date\nA-1,Acme,Closed Lost,5000,USD,2026-11-30\n" \
           "A-2,Globex,Closed Lost,lots,USD,2026-11-30\n"
    result = parse_deals_csv(text, today=date(2026, 12, 1))
    assert [d["crm_id"] for d in result.deals] == ["A-1"]
    assert [e.line for e in result.errors] == [4]


def test_a_header_problem_after_blank_lines_names_the_headers_own_line():
    assert str(parse_book_csv("\n\nAccount,Amount\n").errors[0]) == "line 3: no Contract column in the header"
    assert str(parse_opportunities_csv("\n\nAmount\n5000\n").errors[0]).startswith("line 3: no ")


def test_a_file_of_blank_lines_and_separators_is_empty():
    for text in ("", "\n\n", ",,\n,,,\n"):
        (error,) = parse_book_csv(text).errors
        assert (error.line, error.message.split(";")[0]) == (1, "the file is empty")


def test_a_header_the_csv_module_cannot_read_is_reported_at_its_own_line():
    """A cell past the csv module's field limit (131,072 characters) stops the reading."""
    too_long = "A" * 200_000
    for text, line in ((too_long + "\n", 1), ("\n\n" + too_long + ",B\n", 3)):
        (error,) = parse_book_csv(text).errors
        assert (error.line, error.message[:36]) == (line, "the header row could not be read: fi")
