"""Opportunities from a CRM export (bot/domain/opportunities_csv.py)."""

from __future__ import annotations

from bot.domain.opportunities_csv import parse_opportunities_csv

SALESFORCE_LIKE = """\
Opportunity Name,Account,Amount,Currency,Probability (%),Close Date,Stage,Strategic Fit,Relationship,Effort,Owner
Acme expansion,Acme,"$120,000",,40,2024-05-31,Proposal,4,3,2,ana
Globex renewal,Globex,"EUR 1,250.50",,75%,31 May 2024,Negotiation,,,,ben
Initech,Initech,abc,USD,50,2024-06-30,Discovery,3,3,3,ana
Umbrella,Umbrella,5000,USD,150,2024-06-30,Discovery,3,3,9,ben
Hooli,Hooli,"80,000",USD,20,2024-07-15T00:00:00Z,Qualification,5,2,4,ana
"""


def test_parse_good_rows_imported_bad_rows_reported_by_line():
    result = parse_opportunities_csv(SALESFORCE_LIKE)
    assert [str(e) for e in result.errors] == [
        "line 4: Amount 'abc' is not a number",
        "line 5: Probability '150' is not between 0 and 100; Effort '9' is not between 1 and 5",
    ]
    assert result.errors[1].columns == ("probability", "effort")
    assert [(r["line"], r["name"]) for r in result.rows] == [(2, "Acme expansion"), (3, "Globex renewal"), (6, "Hooli")]
    assert result.ignored_columns == ("Owner",)


def test_parse_row_values_are_normalised():
    acme, globex, hooli = parse_opportunities_csv(SALESFORCE_LIKE).rows
    assert acme == {"name": "Acme expansion", "account": "Acme", "amount": {"amount": 120000, "currency": "USD"},
                    "probability": 40, "close_date": "2024-05-31", "stage": "Proposal",
                    "strategic_fit": 4, "relationship": 3, "effort": 2, "line": 2}
    assert globex["amount"] == {"amount": 1250.5, "currency": "EUR"}
    assert (globex["probability"], globex["close_date"], globex["effort"]) == (75, "2024-05-31", None)
    assert hooli["close_date"] == "2024-07-15"


def test_parse_header_names_are_flexible_and_semicolons_work():
    result = parse_opportunities_csv("Deal Name;AMOUNT;currency;deal stage\nAcme;1000;usd;Won't tell\n")
    assert result.errors == []
    assert result.rows[0]["name"] == "Acme"
    assert result.rows[0]["amount"] == {"amount": 1000, "currency": "USD"}
    assert result.rows[0]["stage"] == "Won't tell"


def test_parse_missing_required_column_is_one_header_error():
    result = parse_opportunities_csv("Account,Stage\nAcme,Proposal\n")
    assert result.rows == []
    assert [str(e) for e in result.errors] == ["line 1: no Name or Amount column in the header"]
    assert result.errors[0].columns == ("name", "amount")


def test_parse_two_columns_for_one_field_refused():
    result = parse_opportunities_csv("Name,Opportunity Name,Amount\nA,B,1\n")
    assert str(result.errors[0]) == "line 1: columns 'Name' and 'Opportunity Name' both look like Name; keep one"


def test_parse_amount_without_currency_needs_a_default():
    text = "name,amount\nAcme,1000\n"
    assert str(parse_opportunities_csv(text).errors[0]) == (
        "line 2: Amount '1000' has no currency; add a Currency column or write it like 'USD 120,000'"
    )
    assert parse_opportunities_csv(text, default_currency="GBP").rows[0]["amount"] == {"amount": 1000, "currency": "GBP"}


def test_parse_symbol_and_currency_column_disagree():
    result = parse_opportunities_csv("name,amount,currency\nAcme,$100,EUR\n")
    assert str(result.errors[0]) == "line 2: Amount '$100' is in USD but the Currency column says EUR"


def test_parse_negative_and_decimal_comma_amounts_refused():
    result = parse_opportunities_csv('name,amount,currency\nA,"(5,000)",USD\nB,"1.250,50",EUR\nC,-3,USD\n')
    assert [str(e) for e in result.errors] == [
        "line 2: Amount '(5,000)' is negative; an opportunity is worth 0 or more",
        "line 3: Amount '1.250,50' is not a number",
        "line 4: Amount '-3' is negative; an opportunity is worth 0 or more",
    ]


def test_parse_slash_dates_only_when_unambiguous():
    text = "name,amount,close date\nA,USD 1,31/05/2024\nB,USD 1,05/31/2024\nC,USD 1,05/06/2024\nD,USD 1,2024-02-30\n"
    result = parse_opportunities_csv(text)
    assert [r["close_date"] for r in result.rows] == ["2024-05-31", "2024-05-31"]
    assert [str(e) for e in result.errors] == [
        "line 4: Close Date '05/06/2024' could be day/month or month/day; write it as YYYY-MM-DD",
        "line 5: Close Date '2024-02-30' is not a date; write it as YYYY-MM-DD",
    ]


def test_parse_line_numbers_count_quoted_newlines_and_blank_lines():
    text = 'name,amount,stage\nA,USD 1,"two\nlines"\n\nB,oops,x\n'
    result = parse_opportunities_csv(text)
    assert result.rows[0]["stage"] == "two\nlines"
    assert [str(e) for e in result.errors] == ["line 5: Amount 'oops' is not a number"]


def test_parse_empty_name_and_too_many_values():
    result = parse_opportunities_csv("name,amount\n,USD 5\nA,USD 5,extra\n")
    assert [str(e) for e in result.errors] == ["line 2: Name is empty", "line 3: 3 values but the header has 2 columns"]


def test_parse_empty_text_reports_line_one():
    assert [str(e) for e in parse_opportunities_csv("\ufeff  \n").errors] == [
        "line 1: the file is empty; expected a header row such as 'Name,Amount,Currency'"
    ]


def test_parse_result_lists_currencies():
    assert parse_opportunities_csv(SALESFORCE_LIKE).currencies == ("USD", "EUR")


def test_a_teams_own_factor_is_read_from_its_column_as_a_rating():
    text = ("Name,Amount,Currency,Partner Score,Stage\n"
            "Acme,1000,USD,4,Proposal\n"
            "Globex,2000,USD,,Proposal\n"
            "Hooli,3000,USD,9,Proposal\n")
    result = parse_opportunities_csv(text, factor_columns={"partner score": "partner_influence"})
    acme, globex = result.rows
    assert acme["factors"] == {"partner_influence": 4} and globex["factors"] == {}
    [error] = result.errors
    assert error.line == 4 and "Partner Score '9' is not between 1 and 5" in str(error)
    assert "Partner Score" not in result.ignored_columns
    # without the team's factor the column is one the import does not use
    plain = parse_opportunities_csv(text)
    assert "Partner Score" in plain.ignored_columns and "factors" not in plain.rows[0]
