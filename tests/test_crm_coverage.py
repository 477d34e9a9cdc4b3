"""What managers see: `rebound crm import` (counts, bad rows with their lines, re-import),
coverage in the weekly summary on a week with debriefed, overdue and unresolved deals
(figures checked by hand), `rebound deals`, and `rebound status` / `rebound check`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.config import PROJECT_ROOT, load_settings
from bot.flows.crm_intake.service import CrmIntake
from bot.flows.debrief.reports import WeeklySummaries
from bot.services import build_services
from bot.store import deals as deal_store
from tests.support import debriefs
from tests.support.rebound_app import write_teams

DATA = PROJECT_ROOT / "tests" / "data" / "crm"
TEAMS = """\
teams:
  - id: west
    name: West Enterprise
    summary_channel: C0WEST
    managers: [U0MGR1]
    members: [U0REP1, U0REP2]
    timezone: America/Los_Angeles
emails:
  ravi@example.com: U0REP2
crm_reasons:
  Went dark: no_decision
"""
# The week summarised: Mon 23 - Sun 29 Nov 2026 (2026-W48); the summary posts Mon 30 Nov.
WEEK = "2026-W48"
WEEK_CSV = """\
crm_id,name,account,amount,currency,close_date,owner_email,owner_slack_id,stage,reason
W-1,Northwind,Northwind Co,"1,000,000",USD,2026-11-23,,U0REP1,Closed Lost,Price
W-2,Contoso,Contoso Ltd,"500,000",USD,2026-11-24,,U0REP1,Closed Lost,Timing
W-3,Fabrikam,Fabrikam Inc,"400,000",USD,2026-11-25,,U0REP2,Closed Lost,Budget
W-4,Tailspin,Tailspin Toys,"300,000",USD,2026-11-29,nobody@example.com,,Closed Lost,Other
W-5,Old one,Old Co,"50,000",USD,2026-11-16,,U0REP2,Closed Lost,Price
W-6,Won back,Won Co,"70,000",USD,2026-11-26,,U0REP1,Closed Won,
"""


@pytest.fixture
def env(tmp_path):
    write_teams(tmp_path, TEAMS)
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}


def cli(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def services_of(env):
    return build_services(load_settings(env), teams_required=True)


def test_import_salesforce_report_counts_stages_and_a_reimport_changes_nothing(env):
    with freeze_time("2026-12-01T17:00:00Z"):
        first = cli(env, "crm", "import", str(DATA / "salesforce.csv"))
        again = cli(env, "crm", "import", str(DATA / "salesforce.csv"))
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[:3] == [
        f"Read {DATA / 'salesforce.csv'} as a Salesforce opportunity report (UTF-8 with BOM).",
        "Closed-lost: 3 deals (3 new, 0 updated, 0 unchanged).",
        "Other stages: 2 rows left out.",
    ]
    assert "Closed-lost: 3 deals (0 new, 0 updated, 3 unchanged)." in again.stdout
    services = services_of(env)
    try:
        assert len(deal_store.listed(services.store)) == 3
        # owners by email wait for Slack's answer (the outbox sends users.lookupByEmail once per email)
        keys = [r[0] for r in services.store.db.execute(
            "SELECT key FROM outbox WHERE method = 'users.lookupByEmail' ORDER BY key")]
        assert keys == ["crm-lookup:nora@example.com", "crm-lookup:ravi@example.com", "crm-lookup:rita@example.com"]
    finally:
        services.close()


def test_import_bad_rows_keeps_the_good_ones_and_exits_1(env):
    with freeze_time("2026-12-01T17:00:00Z"):
        result = cli(env, "crm", "import", str(DATA / "bad_rows.csv"))
    assert result.exit_code == 1
    assert "Closed-lost: 2 deals (2 new, 0 updated, 0 unchanged)." in result.stdout
    path = DATA / "bad_rows.csv"
    assert result.stderr.splitlines() == [
        f"{path}:3: Amount 'lots' is not a number",
        f"{path}:4: Name is empty",
        f"{path}:5: Close Date '31/31/2026' is not a date; write it as YYYY-MM-DD",
        f"{path}:6: Close Date 2027-01-15 is in the future; a loss has already happened",
        f"{path}:7: Owner email 'not-an-email' is not an email address",
    ]


def test_import_latin1_detected_or_stated_and_a_wrong_statement_refused(env):
    with freeze_time("2026-12-01T17:00:00Z"):
        detected = cli(env, "crm", "import", str(DATA / "latin1.csv"))
        wrong = cli(env, "crm", "import", "--encoding", "utf-8", str(DATA / "latin1.csv"))
    assert "(Latin-1)" in detected.stdout and detected.exit_code == 0
    assert wrong.exit_code == 1 and "is not utf-8" in wrong.stderr
    services = services_of(env)
    try:
        assert deal_store.get(services.store, "L-1")["name"] == "Café Müller renewal"
    finally:
        services.close()


def test_import_with_map_and_a_bad_map(env, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Ref,Title,Lost On,Rep,Value\nR-1,Odd deal,2026-11-30,U0REP1,USD 900\n")
    with freeze_time("2026-12-01T17:00:00Z"):
        good = cli(env, "crm", "import", "--map", "Ref=crm_id", "--map", "Title=name", "--map", "Lost On=close_date",
                   "--map", "Rep=owner_slack_id", "--map", "Value=amount", str(path))
        bad = cli(env, "crm", "import", "--map", "Ref=reference", str(path))
    assert good.exit_code == 0 and "No Stage column: every row was taken as closed-lost." in good.stdout
    assert bad.exit_code == 2 and "'reference' is not a field" in bad.stderr


def build_week(env):
    """W48 by hand: Northwind (USD 1,000,000) and Contoso (USD 500,000) debriefed; Fabrikam
    (USD 400,000) overdue; Tailspin (USD 300,000) with an owner nobody found; one debrief the rep
    brought alone (USD 200,000, closed 27 Nov); Old one (W47) and Won back (won) not this week's.
    Coverage: 3 of 5 deals, USD 1.7M of 2.4M."""
    with freeze_time("2026-11-30T08:00:00Z"):
        assert cli(env, "crm", "import", str_path(env, WEEK_CSV)).exit_code == 0
    services = services_of(env)
    store = services.store
    with freeze_time("2026-11-30T09:00:00Z"):
        CrmIntake(services.tools).tick()
        # Slack answered the lookup: nobody has that email, and the teams file doesn't map it
        store.db.execute("UPDATE outbox SET status = 'failed', last_error = 'users_not_found' WHERE key = ?",
                         ["crm-lookup:nobody@example.com"])
        CrmIntake(services.tools).tick()
        for crm_id, user in (("W-1", "U0REP1"), ("W-2", "U0REP1")):
            run = debriefs.submit(services, user, deal=crm_id, amount="USD 1", close_date="2026-11-23")
            deal_store.update(store, crm_id, {"status": "debriefed", "run_id": run.id})
        debriefs.submit(services, "U0REP2", deal="Lone wolf", amount="USD 200,000", close_date="27 Nov")
        deal_store.update(store, "W-3", {"reminded_at": "2026-11-27T17:00:00+00:00"})
    return services


def str_path(env, text):
    from pathlib import Path

    path = Path(env["REBOUND_DB"]).parent / "week.csv"
    path.write_text(text)
    return str(path)


def test_weekly_summary_shows_coverage_waiting_overdue_and_unresolved_owners(env):
    services = build_week(env)
    try:
        with freeze_time("2026-11-30T18:00:00Z"):
            summary = WeeklySummaries(services.tools).build(services.teams.get("west"), WEEK, plain=True)
    finally:
        services.close()
    text = summary.text
    assert "3 of 5 closed-lost deals debriefed · USD 1.7M of 2.4M" in text
    waiting = text[text.index("Waiting for a debrief"):]
    assert "• *Old one* · USD 50,000 · @U0REP2 · closed 14 days ago\n" in waiting
    assert "• *Fabrikam* · USD 400,000 · @U0REP2 · closed 5 days ago · *overdue*\n" in waiting
    assert "• *Tailspin* · USD 300,000 · owner not found · closed 1 day ago\n" in waiting
    assert "*Owners I couldn't find in Slack*: nobody@example.com (Tailspin)." in text
    assert "Won back" not in text and "Northwind" not in waiting
    # the debrief typed "27 Nov" on 30 Nov counts in W48, the week it closed
    assert "Lone wolf" in text


def test_deals_command_lists_status_in_text_json_and_csv(env):
    build_week(env).close()
    with freeze_time("2026-11-30T18:00:00Z"):
        as_json = json.loads(cli(env, "deals", "--format", "json").stdout)
        waiting = cli(env, "deals", "--undebriefed", "--format", "csv").stdout.splitlines()
        text = cli(env, "deals", "--team", "west").stdout
    assert {row["crm_id"]: row["status"] for row in as_json} == {
        "W-1": "debriefed", "W-2": "debriefed", "W-3": "overdue", "W-4": "waiting", "W-5": "waiting"}
    assert waiting[0] == "crm_id,name,account,amount,currency,close_date,status,owner,owner_email,team,age_days,run_id"
    assert [line.split(",")[0] for line in waiting[1:]] == ["W-4", "W-3", "W-5"]
    assert "overdue   W-3  Fabrikam · USD 400,000 · closed 2026-11-25, 5 days ago · U0REP2 · team west" in text


def test_status_names_unresolved_owners_and_check_says_the_webhook_is_off(env):
    build_week(env).close()
    status = cli(env, "status")
    assert "CRM deal owners not found in Slack: 1 (add them to the teams file's emails: map)" in status.stdout
    assert "W-4 Tailspin: nobody@example.com team=west" in status.stdout
    check = cli(env, "check")
    assert "note: the CRM webhook POST /crm/closed-lost is off (REBOUND_CRM_SECRET is not set)" in check.stdout
    on = cli({**env, "REBOUND_CRM_SECRET": "s3cret"}, "check")
    assert "webhook POST /crm/closed-lost is on" in on.stdout and "s3cret" not in on.stdout


def test_emails_map_resolves_an_owner_slack_does_not_know(env):
    with freeze_time("2026-12-01T17:00:00Z"):
        cli(env, "crm", "import", str(DATA / "hubspot.csv"))
    services = services_of(env)
    try:
        services.store.db.execute("UPDATE outbox SET status = 'failed' WHERE key = 'crm-lookup:ravi@example.com'")
        with freeze_time("2026-12-01T17:00:30Z"):
            CrmIntake(services.tools).tick()
        deal = deal_store.get(services.store, "9001")
        assert (deal["user_id"], deal["owner_via"], deal["team"]) == ("U0REP2", "emails_map", "west")
        assert deal_store.cached_email(services.store, "ravi@example.com") == ("not_found", None)
    finally:
        services.close()


def test_teams_file_crm_reasons_must_name_a_loss_reason(tmp_path):
    from bot.files.teams import check_teams_file

    path = write_teams(tmp_path, TEAMS.replace("Went dark: no_decision", "Went dark: ghosted"))
    _, problems = check_teams_file(path)
    assert len(problems) == 1 and "'ghosted', which is not a loss reason" in problems[0].message


def test_reimport_with_a_deal_won_takes_it_out_of_the_loop(env, tmp_path):
    path = tmp_path / "later.csv"
    original = (DATA / "salesforce.csv").read_text(encoding="utf-8-sig")
    path.write_text(original.replace('"Acme Corp","120,000.00","USD","11/30/2026","Rita Rep","rita@example.com",'
                                     '"Closed Lost"', '"Acme Corp","120,000.00","USD","11/30/2026","Rita Rep",'
                                     '"rita@example.com","Closed Won"'))
    with freeze_time("2026-12-01T17:00:00Z"):
        cli(env, "crm", "import", str(DATA / "salesforce.csv"))
        result = cli(env, "crm", "import", str(path))
    assert "Closed-lost: 2 deals (0 new, 0 updated, 2 unchanged)." in result.stdout
    assert "Other stages: 3 rows left out; 1 taken out of the loop (won or open again)." in result.stdout
    services = services_of(env)
    try:
        assert deal_store.get(services.store, "0065g00000AcmeRn")["status"] == "out"
    finally:
        services.close()


def test_a_debrief_typed_without_the_button_is_linked_to_the_waiting_deal_of_that_name(env):
    with freeze_time("2026-11-30T08:00:00Z"):
        assert cli(env, "crm", "import", str_path(env, WEEK_CSV)).exit_code == 0
        services = services_of(env)
        try:
            run = debriefs.submit(services, "U0REP2", deal="Fabrikam", amount="USD 400k", deliver=False)
            deal = deal_store.get(services.store, "W-3")
            assert (deal["status"], deal["run_id"]) == ("debriefed", run.id)
            # another rep's debrief of a deal with the same name is not theirs to close
            debriefs.submit(services, "U0REP2", deal="Northwind", amount="USD 1M", deliver=False)
            assert deal_store.get(services.store, "W-1")["status"] == "waiting"
        finally:
            services.close()
