"""Reading CRM exports (Salesforce, HubSpot, generic, --map), their encodings, the reason
map and the coverage figures: pure functions over hand-written fixtures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain import crm_deals
from bot.domain.crm_deals import (EncodingProblem, coverage, decode_export, map_reason, outcome_of, parse_deals_csv,
                                  parse_mapping, read_deal, short_amount)
from bot.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "tests" / "data" / "crm"
TODAY = date(2026, 12, 1)


def read(name: str, **kw):
    text, encoding = decode_export((DATA / name).read_bytes())
    return parse_deals_csv(text, today=TODAY, **kw), encoding


def test_salesforce_report_takes_closed_lost_rows_and_counts_the_others():
    result, encoding = read("salesforce.csv")
    assert (encoding, result.crm, result.errors) == ("utf-8-sig", "salesforce", [])
    assert [d["crm_id"] for d in result.deals] == ["0065g00000AcmeRn", "0065g00000Globex", "0065g00000Wayne"]
    assert result.other_stages == [{"crm_id": "0065g00000Umbrel", "outcome": "won", "line": 4},
                                   {"crm_id": "0065g00000Stark", "outcome": "open", "line": 5}]
    acme = result.deals[0]
    assert acme["amount"] == {"amount": 120000, "currency": "USD"}
    assert acme["close_date"] == "2026-11-30"  # 11/30/2026: only month-day reads it
    assert (acme["owner_email"], acme["owner_name"], acme["reason"]) == ("rita@example.com", "Rita Rep", "Price")
    assert result.deals[1]["competitor"] == "Initech"


def test_hubspot_export_reads_owner_email_stage_spellings_and_times():
    result, encoding = read("hubspot.csv")
    assert (encoding, result.crm, result.errors) == ("utf-8", "hubspot", [])
    assert [(d["crm_id"], d["stage"]) for d in result.deals] == [("9001", "Closed lost"), ("9002", "closedlost")]
    assert result.deals[0]["amount"] == {"amount": 45500.5, "currency": "EUR"}
    assert result.deals[1]["close_date"] == "2026-11-24"
    assert result.deals[0]["owner_email"] == "ravi@example.com"
    assert result.other_stages == [{"crm_id": "9003", "outcome": "open", "line": 4}]


def test_bad_rows_are_reported_with_their_line_and_the_good_ones_kept():
    result, _ = read("bad_rows.csv")
    assert [d["crm_id"] for d in result.deals] == ["A-1", "A-7"]
    assert [str(e) for e in result.errors] == [
        "line 3: Amount 'lots' is not a number",
        "line 4: Name is empty",
        "line 5: Close Date '31/31/2026' is not a date; write it as YYYY-MM-DD",
        "line 6: Close Date 2027-01-15 is in the future; a loss has already happened",
        "line 7: Owner email 'not-an-email' is not an email address",
    ]
    assert result.errors[0].columns == ("amount",)


def test_latin1_file_is_detected_and_read_without_garbling():
    result, encoding = read("latin1.csv")
    assert encoding == "latin-1"
    assert result.deals[0]["name"] == "Café Müller renewal"
    assert result.deals[0]["account"] == "Café Müller GmbH"


def test_stated_encoding_that_does_not_fit_is_an_error_not_garbage():
    with pytest.raises(EncodingProblem, match="not utf-8"):
        decode_export((DATA / "latin1.csv").read_bytes(), "utf-8")
    text, used = decode_export((DATA / "latin1.csv").read_bytes(), "latin-1")
    assert "Café" in text and used == "iso8859-1"
    with pytest.raises(EncodingProblem, match="unknown encoding"):
        decode_export(b"x", "klingon")


def test_utf8_with_bom_and_without_read_the_same():
    plain = "crm_id,name,close_date\nX-1,Zoë,2026-11-30\n".encode()
    assert decode_export(plain) == ("crm_id,name,close_date\nX-1,Zoë,2026-11-30\n", "utf-8")
    assert decode_export(b"\xef\xbb\xbf" + plain)[0] == decode_export(plain)[0]


def test_map_names_a_column_the_crm_calls_something_else():
    text = "Deal Ref,Title,Value,Lost On,Rep\nR-9,Big one,USD 9000,2026-11-30,U0REP1\n"
    assert parse_deals_csv(text, today=TODAY).errors[0].message.startswith("no CRM id or Name column")
    mapping = parse_mapping(["Deal Ref=crm_id", "Title=name", "Value=amount", "Lost On=close_date",
                             "Rep=owner_slack_id"])
    result = parse_deals_csv(text, mapping=mapping, today=TODAY)
    assert result.errors == [] and not result.stage_column
    assert result.deals[0] | {} == {**result.deals[0], "crm_id": "R-9", "owner_slack_id": "U0REP1",
                                    "amount": {"amount": 9000, "currency": "USD"}, "outcome": "lost"}


def test_map_refuses_unknown_fields_and_bad_items():
    with pytest.raises(ValueError, match="'title' is not a field"):
        parse_mapping(["Name=title"])
    with pytest.raises(ValueError, match="is not Column=field"):
        parse_mapping(["Name"])


@pytest.mark.parametrize("stage, outcome", [("Closed Lost", "lost"), ("closedlost", "lost"), ("Closed lost", "lost"),
                                            ("Closed Won", "won"), ("closedwon", "won"), ("Negotiation", "open"),
                                            ("", "open"), (None, "open")])
def test_outcome_of_stage(stage, outcome):
    assert outcome_of(stage) == outcome


def test_read_deal_names_the_field_at_fault():
    deal, problems = read_deal({"crm_id": "1", "name": "N", "close_date": "2026-12-02", "stage": "Closed Lost"},
                               today=TODAY)
    assert problems == [("close_date", "Close Date 2026-12-02 is in the future; a loss has already happened")]
    _, problems = read_deal({"crm_id": "1", "name": "N", "close_date": "2026-12-01", "stage": "Closed Lost"},
                            today=TODAY)
    assert problems == []  # today itself is not the future
    _, problems = read_deal({"crm_id": ["1"], "name": "N", "close_date": "2026-11-30"}, today=TODAY)
    assert problems[0] == ("crm_id", "CRM id must be text, not list")
    _, problems = read_deal({"crm_id": "1", "name": "N", "close_date": "2026-11-30", "owner_slack_id": "bob"})
    assert problems[0][0] == "owner_slack_id"


def test_crm_reason_maps_onto_the_taxonomy_with_the_teams_file_winning():
    assert map_reason("Price") == "price"
    assert map_reason("Lost to Competitor") == "competitor"
    assert map_reason("Went dark") is None
    assert map_reason("Went dark", {"went dark": "no_decision"}) == "no_decision"
    assert map_reason("Price", {"Price": "budget_gone"}) == "budget_gone"
    assert map_reason("", {}) is None


def test_coverage_line_counts_and_sums_per_currency():
    usd = lambda n: {"amount": n, "currency": "USD"}  # noqa: E731
    losses = [{"debriefed": True, "amount": usd(1_000_000)}, {"debriefed": True, "amount": usd(900_000)},
              {"debriefed": False, "amount": usd(400_000)}, {"debriefed": False, "amount": None}]
    cover = coverage(losses, "USD")
    assert (cover.debriefed, cover.total) == (2, 4)
    assert cover.line == "2 of 4 closed-lost deals debriefed · USD 1.9M of 2.3M"
    euro = coverage([{"debriefed": True, "amount": {"amount": 5000, "currency": "EUR"}}, *losses], "USD")
    assert euro.line == "3 of 5 closed-lost deals debriefed · USD 1.9M of 2.3M · EUR 5k of 5k"
    assert coverage([], "USD").line == "0 of 0 closed-lost deals debriefed"
    assert coverage([{"debriefed": False, "amount": usd(1)}]).line.startswith("0 of 1 closed-lost deal debriefed")


@pytest.mark.parametrize("value, shown", [(1_900_000, "1.9M"), (2_000_000, "2M"), (999_949, "999.9k"),
                                          (999_950, "1M"), (1_000, "1k"), (999, "999"), (0, "0"),
                                          (Decimal("1250.5"), "1.3k"), (3_400_000_000, "3.4B")])
def test_short_amount(value, shown):
    assert short_amount(Decimal(value)) == shown


def test_fields_are_the_generic_columns_the_issue_names():
    assert set(crm_deals.FIELDS) >= {"crm_id", "name", "account", "amount", "currency", "close_date", "owner_email",
                                     "owner_slack_id", "stage", "reason", "competitor"}
