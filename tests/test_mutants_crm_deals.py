"""CRM exports read exactly, written from a mutation run (docs/mutmut.md): the encodings and
byte-order marks, each error row with its line and fields, the owner written as
"Name <email>", coverage sums and the short amounts at their unit edges."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.domain.crm_deals import (Coverage, CurrencyCoverage, DealImport, EncodingProblem, coverage, decode_export,
                                  map_reason, outcome_of, parse_deals_csv, parse_mapping, read_deal, reason_key,
                                  short_amount)
from bot.domain.opportunities_csv import RowError
from tests.test_crm_coverage import env  # noqa: F401  (the fixture: a real database and teams file)


def test_a_stated_encoding_drops_a_byte_order_mark_and_only_it():
    assert decode_export("\ufeffXavier".encode("utf-8"), "utf-8") == ("Xavier", "utf-8")
    with pytest.raises(EncodingProblem) as caught:
        decode_export(b"ok \xff", "utf-8")
    assert str(caught.value) == "the file is not utf-8: byte 3 cannot be read; try --encoding latin-1 or utf-8"


def test_byte_order_marks_and_guesses():
    assert decode_export(codecs.BOM_UTF8 + "Müller".encode()) == ("Müller", "utf-8-sig")
    assert decode_export("Müller".encode("utf-16")) == ("Müller", "utf-16")
    assert decode_export("Müller".encode()) == ("Müller", "utf-8")
    assert decode_export("Müller €".encode("cp1252")) == ("Müller €", "latin-1")
    assert decode_export(b"caf\xe9 \x81") == ("café \x81", "latin-1")  # a byte cp1252 leaves undefined


@pytest.mark.parametrize(("data", "message"), [
    (codecs.BOM_UTF8 + b"ok \xff", "the file starts like utf-8-sig but byte 6 cannot be read; "
                                   "try --encoding latin-1 or utf-8"),
    (codecs.BOM_UTF16_LE + b"a", "the file starts like utf-16 but byte 2 cannot be read; "
                                 "try --encoding latin-1 or utf-8"),
], ids=["utf-8-sig", "utf-16"])  # bytes would be test ids, which mutmut's pytest options leave unescaped
def test_a_byte_order_mark_with_bytes_that_do_not_fit_is_an_encoding_problem(data, message):
    with pytest.raises(EncodingProblem) as caught:
        decode_export(data)
    assert str(caught.value) == message


def test_the_cli_says_so_instead_of_a_traceback(env, tmp_path):  # noqa: F811
    path = tmp_path / "broken.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"Opportunity ID,Opportunity Name\nO-1,Caf\xe9\n")
    with freeze_time("2026-12-01T17:00:00Z"):
        result = CliRunner().invoke(main, ["crm", "import", str(path)], env=env)
    assert result.exit_code == 1
    assert "the file starts like utf-8-sig but byte 42 cannot be read" in result.stderr


def test_a_mapping_splits_at_the_first_equals_and_lists_the_fields():
    with pytest.raises(ValueError) as caught:
        parse_mapping(["Ref=x"])
    assert str(caught.value) == ("--map 'Ref=x': 'x' is not a field; use one of crm_id, name, account, amount, "
                                 "currency, close_date, owner_email, owner_slack_id, owner_name, stage, reason, "
                                 "competitor, team")
    with pytest.raises(ValueError) as caught:
        parse_mapping(["Ref=x=crm_id"])
    assert str(caught.value).startswith("--map 'Ref=x=crm_id': 'x=crm_id' is not a field;")


def test_no_stage_is_open():
    assert (outcome_of(None), outcome_of("Closed Won"), outcome_of("closedlost")) == ("open", "won", "lost")


@pytest.mark.parametrize(("header", "crm"), [
    ("Opportunity ID,Name", "salesforce"), ("Opportunity Name,CRM id", "salesforce"),
    ("Record ID,Name", "hubspot"), ("Deal Name,CRM id", "hubspot"), ("CRM id,Name", "generic")])
def test_the_crm_is_told_by_its_headings(header, crm):
    assert parse_deals_csv(header + "\n").crm == crm


def test_header_errors_on_line_one():
    assert parse_deals_csv("\ufeff\n") == DealImport(errors=[RowError(
        1, "the file is empty; expected a header row such as 'Opportunity ID,Opportunity Name,Amount,Close Date,Stage'")])
    assert parse_deals_csv('"' + "x" * 200_000 + '"\n') == DealImport(errors=[RowError(
        1, "the header row could not be read: field larger than field limit (131072)")])
    assert parse_deals_csv("CRM id,Name,Record ID\n") == DealImport(errors=[RowError(
        1, "columns 'CRM id' and 'Record ID' both give the CRM id; keep one or --map one elsewhere", ("crm_id",))])
    assert parse_deals_csv("\ufeffXtra,Record ID,Notes\n") == DealImport(
        errors=[RowError(1, 'no Name column in the header; name it with --map "Your Column=name"', ("name",))],
        ignored_columns=("Xtra", "Notes"), crm="hubspot")


def test_rows_read_into_deals_other_stages_and_errors():
    text = ("\ufeffCRM id;Name;Amount;Close Date;Stage;Owner Name;Owner Slack id\n"
            "D-1;Acme;USD 100;2026-11-30;Closed Lost;Jane Doe <Jane@Acme.com>;U0REP1\n"
            "D-2;Globex;;;Closed Won;;\n"
            "D-3;Initech;5;;closed lost;;\n"
            "D-4;x;1;2026-11-30;Closed Lost;;W12;extra\n"
            ";;EUR 1;2027-01-02;Closed Lost;;bad\n"
            "D-6;Short\n")
    result = parse_deals_csv(text, default_currency="EUR", today=date(2026, 12, 1))
    assert result.deals == [{
        "crm_id": "D-1", "name": "Acme", "account": None, "reason": None, "competitor": None, "owner_name": "Jane Doe",
        "team": None, "stage": "Closed Lost", "outcome": "lost", "amount": {"amount": 100, "currency": "USD"},
        "close_date": "2026-11-30", "owner_email": "jane@acme.com", "owner_slack_id": "U0REP1", "line": 2}]
    assert result.other_stages == [{"crm_id": "D-2", "outcome": "won", "line": 3},
                                   {"crm_id": "D-6", "outcome": "open", "line": 7}]
    assert result.errors == [
        RowError(4, "Close Date is empty; it places the loss in its week", ("close_date",)),
        RowError(5, "8 values but the header has 7 columns"),
        RowError(6, "CRM id is empty; Name is empty; Close Date 2027-01-02 is in the future; a loss has already "
                    "happened; Owner Slack id 'bad' is not a Slack user id like U0123ABCD",
                 ("crm_id", "name", "close_date", "owner_slack_id")),
    ]
    assert (result.crm, result.stage_column, result.ignored_columns) == ("generic", True, ())


def test_a_report_without_a_stage_column_is_all_closed_lost():
    result = parse_deals_csv("CRM id,Name,Close Date\nD-1,Acme,2026-11-30\n")
    assert [(d["stage"], d["outcome"]) for d in result.deals] == [("Closed Lost", "lost")]
    assert result.stage_column is False


def test_read_deal_problems_name_their_field():
    deal, problems = read_deal({"crm_id": "D", "name": True, "owner_email": "x" * 81, "close_date": "soon",
                                "amount": "lots", "owner_name": "\x00"})
    assert problems == [
        ("name", "Name must be text, not bool"),
        ("owner_name", "Owner holds a NUL character"),
        ("amount", "Amount 'lots' is not a number"),
        ("close_date", "Close Date 'soon' is not a date; write it as YYYY-MM-DD"),
        ("owner_email", f"Owner email {'x' * 80!r} is not an email address"),
    ]
    assert (deal["name"], deal["owner_name"], deal["amount"], deal["close_date"]) == (None, None, None, None)


def test_an_owner_given_both_ways_keeps_both_and_a_bare_email_leaves_no_name():
    deal, _ = read_deal({"crm_id": "D", "name": "N", "owner_name": "Jane <jane@acme.com>", "owner_email": "j@acme.com",
                         "owner_slack_id": "U" + "1" * 50})
    assert (deal["owner_name"], deal["owner_email"], deal["owner_slack_id"]) == (
        "Jane <jane@acme.com>", "j@acme.com", "U" + "1" * 50)
    deal, _ = read_deal({"crm_id": "D", "name": "N", "owner_name": "(jane@acme.com)"})
    assert (deal["owner_name"], deal["owner_email"], deal["owner_slack_id"]) == (None, "jane@acme.com", None)
    deal, problems = read_deal({"crm_id": "D", "name": "N", "owner_name": "Jane"})
    assert (deal["owner_name"], deal["owner_email"], problems) == ("Jane", None, [])
    deal, _ = read_deal({"crm_id": "D", "name": "N", "owner_name": "XX Jane XX <jane@acme.com>"})
    assert deal["owner_name"] == "XX Jane XX"
    _, problems = read_deal({"crm_id": "D", "name": "N", "owner_slack_id": "u" + "x" * 50})
    assert problems == [("owner_slack_id", f"Owner Slack id {'u' + 'x' * 39!r} is not a Slack user id like U0123ABCD")]


def test_reason_keys_fold_punctuation_and_unknown_mappings_are_none():
    assert (reason_key(None), map_reason(None)) == ("", None)
    assert map_reason("Lost to Competitor!") == "competitor"
    assert map_reason("No decision / non-responsive") == "no_decision"
    assert map_reason("Budget", {"budget": "not_a_reason"}) is None


def test_coverage_sums_per_currency_and_zero_amounts_count():
    result = coverage([{"debriefed": True, "amount": {"amount": 0, "currency": "USD"}},
                       {"debriefed": False, "amount": {"amount": 5, "currency": "USD"}},
                       {"debriefed": True, "amount": {"amount": 2, "currency": "EUR"}}], first_currency="USD")
    assert result == Coverage(2, 3, (CurrencyCoverage("USD", Decimal(0), Decimal(5)),
                                     CurrencyCoverage("EUR", Decimal(2), Decimal(2))))


@pytest.mark.parametrize(("value", "shown"), [
    (999_999_950, "1B"), (10**12, "1000B"), (999_950, "1M"), (1_000_000, "1M"), (1_000, "1k"), (999, "999")])
def test_short_amounts_at_the_unit_edges(value, shown):
    assert short_amount(Decimal(value)) == shown


def test_a_utf16_file_written_with_a_second_mark_loses_both():
    assert decode_export("\ufeffXavier".encode("utf-16")) == ("Xavier", "utf-16")


def test_a_good_import_keeps_its_ignored_columns_blank_extras_and_stops_at_an_unreadable_row():
    text = ("CRM id,Name,Close Date,Notes\n"
            "D-1,Acme,2026-11-30,x,\n"
            '"' + "x" * 200_000 + '"\n'
            "D-2,Globex,2026-11-30,y\n")
    result = parse_deals_csv(text)
    assert [deal["crm_id"] for deal in result.deals] == ["D-1"]
    assert result.ignored_columns == ("Notes",)
    assert result.errors == [RowError(3, "the row could not be read: field larger than field limit (131072)")]
