"""The open-opportunities import exactly, written from a mutation run (docs/mutmut.md): the
delimiter, the byte-order mark, each error with its line and fields, ratings 1 and 5 in and
6 out, a team's own factor columns named in the duplicate-column error."""

from __future__ import annotations

from bot.domain.csv_export import delimiter
from bot.domain.opportunities_csv import ImportResult, RowError, parse_opportunities_csv


def test_the_delimiter_is_the_most_frequent_and_a_comma_wins_ties():
    assert (delimiter("a,b;c"), delimiter("a\tb\tc,d"), delimiter("a;b;c,d")) == (",", "\t", ";")


def test_a_tab_separated_file_with_a_byte_order_mark():
    result = parse_opportunities_csv("\ufeffXID\tName\tAmount\n1\tAcme\tUSD 5\n")
    assert result.ignored_columns == ("XID",)
    assert [(row["name"], row["amount"]) for row in result.rows] == [("Acme", {"amount": 5, "currency": "USD"})]


def test_a_header_alone_has_no_rows_and_an_unreadable_header_is_line_one():
    assert parse_opportunities_csv("Name,Amount\n") == ImportResult()
    assert parse_opportunities_csv('"' + "x" * 200_000 + '"\n') == ImportResult(errors=[RowError(
        1, "the header row could not be read: field larger than field limit (131072)")])
    assert parse_opportunities_csv("Name,Notes\n") == ImportResult(
        errors=[RowError(1, "no Amount column in the header", ("amount",))], ignored_columns=("Notes",))


def test_two_columns_for_one_of_the_teams_factors_are_named():
    result = parse_opportunities_csv("Name,Amount,Speed,Pace\n", factor_columns={"Speed": "speed", "Pace": "speed"})
    assert result == ImportResult(errors=[RowError(
        1, "columns 'Speed' and 'Pace' both look like Pace; keep one", ("factor:speed",))])


def test_each_bad_row_names_its_line_message_and_fields():
    text = ("Name,Amount,Strategic Fit,Probability\n"
            "A,USD 5 EUR,1k,x\n"
            "B,USD 2000000000000,6,50\n"
            "C,1,1,0\n"
            "D,1,5,100,\n"
            ",,,,\n"          # blank: skipped
            "E\n"
            "F,1,1,1,extra\n"
            '"' + "x" * 200_000 + '"\n'
            "G,1,1,1\n")
    result = parse_opportunities_csv(text, default_currency="USD")
    assert result.errors == [
        RowError(2, "Amount 'USD 5 EUR' names two currencies; keep one; Probability 'x' is not a number; "
                    "Strategic Fit '1k' is not a number", ("amount", "probability", "strategic_fit")),
        RowError(3, "Amount 'USD 2000000000000' is too large to be right; Strategic Fit '6' is not between 1 and 5",
                 ("amount", "strategic_fit")),
        RowError(7, "Amount is empty", ("amount",)),
        RowError(8, "5 values but the header has 4 columns"),
        RowError(9, "the row could not be read: field larger than field limit (131072)"),
    ]
    assert [(row["name"], row["strategic_fit"], row["probability"], row["line"]) for row in result.rows] == [
        ("C", 1, 0, 4), ("D", 5, 100, 5)]
    named = parse_opportunities_csv("Name,Amount\n,5\n", default_currency="USD")
    assert named.errors == [RowError(2, "Name is empty", ("name",))]


def test_a_currency_column_that_is_no_code_is_named():
    result = parse_opportunities_csv("Name,Amount,Currency\nA,5,Dollars\n")
    assert result.errors == [RowError(2, "Currency 'Dollars' is not a three-letter code such as USD", ("amount",))]
