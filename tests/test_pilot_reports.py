"""Pilots in SQLite (versions, outcomes, idempotent writes, privacy), the weekly summary
section, the quarter view with `rebound pilots`, and the agreement's plain-text form."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.config import PROJECT_ROOT
from bot.engine.loader import load_playbook_file
from bot.flows.pilots.agreement import file_stem, markdown_to_text
from bot.flows.pilots.reports import quarter_bounds, quarter_view, weekly_provider
from bot.render.templates import Renderer
from bot.store import open_store
from bot.store import pilots as pilot_store
from bot.store import runs as run_store
from bot.store.pilots import Facts
from bot.files.teams import Team
from tests.support.rebound_app import write_teams
from tests.helpers import usd

WEST = Team(id="west", name="West Enterprise", summary_channel="C0WEST", members=["U0REP1", "U0REP2"],
            timezone="America/Los_Angeles")


@pytest.fixture(scope="module")
def playbook():
    loaded, problems = load_playbook_file(PROJECT_ROOT / "playbooks" / "pilot-plan.yml")
    assert problems == []
    return loaded


def add_pilot(store, account, start, end, *, user="U0REP1", team="west", value=usd(120000), fee=usd(20000),
              gaps=()):
    run = run_store.create_run(store, playbook="pilot-plan", playbook_version=2, user_id=user, team=team,
                               cursor=None, source="slack")
    run_store.mark_submitted(store, run.id)
    return pilot_store.create(store, run_id=run.id, team=team, user_id=user,
                              facts=Facts(account, start, end, value, fee, list(gaps)))


def close(store, pilot, outcome, action, *, cost=None):
    assert pilot_store.record_outcome(store, pilot.id, round=1, run_id=pilot.current_run_id, outcome=outcome,
                                      agreed_action=action, decided_by="Maya", measurements=[], recorded_by="U0REP1")
    assert pilot_store.decide(store, pilot.id, round=1, action=action, status="closed")
    if cost:
        pilot_store.record_cost(store, pilot.id, cost)


def test_writes_are_keyed_so_repeats_change_nothing(store):
    pilot = add_pilot(store, "Acme", "2026-12-07", "2027-02-19")
    again = pilot_store.create(store, run_id=pilot.current_run_id, team="west", user_id="U0REP1",
                               facts=Facts("Renamed", "2026-12-07", "2027-02-19", usd(1), None, []))
    assert again.account == "Acme" and len(pilot_store.versions(store, pilot.id)) == 1
    assert pilot_store.record_outcome(store, pilot.id, round=1, run_id=pilot.current_run_id, outcome="not_met",
                                      agreed_action="stop", decided_by=None, measurements=[], recorded_by="U0REP1")
    assert not pilot_store.record_outcome(store, pilot.id, round=1, run_id=pilot.current_run_id, outcome="all_met",
                                          agreed_action="buy", decided_by=None, measurements=[], recorded_by="U0REP1")
    assert pilot_store.decide(store, pilot.id, round=1, action="stop", status="closed")
    assert not pilot_store.decide(store, pilot.id, round=1, action="buy", status="closed")
    assert not pilot_store.cancel(store, pilot.id)  # closed already
    assert pilot_store.get(store, pilot.id).action == "stop"


def test_deleting_a_persons_runs_deletes_their_pilots(store):
    pilot = add_pilot(store, "Acme", "2026-12-07", "2027-02-19")
    run_store.forget_user(store, "U0REP1")
    assert pilot_store.list_pilots(store) == []
    assert pilot_store.for_run(store, pilot.current_run_id) is None


@freeze_time("2027-02-20T12:00:00Z")
def test_weekly_section_shows_starting_running_ending_outcomes_and_gaps(store, playbook):
    # the week of Mon 15 Feb 2027
    add_pilot(store, "Starts", "2027-02-17", "2027-04-30")
    add_pilot(store, "Runs", "2027-01-04", "2027-03-31", gaps=["Name who signs for Runs"])
    add_pilot(store, "Ends", "2027-01-04", "2027-02-19")
    decided = add_pilot(store, "Decided", "2027-01-04", "2027-02-26")
    close(store, decided, "partly_met", "re_scope", cost={"hours": 40, "effort_cost": usd(20000),
          "value_lost": usd(60000), "recovered_value": usd(60000), "net": usd(40000), "full_value": usd(120000)})
    add_pilot(store, "Elsewhere", "2027-01-04", "2027-02-19", user="U0REP3", team="emea")
    add_pilot(store, "Later", "2027-03-01", "2027-05-01")

    section = weekly_provider(store, playbook)(WEST, date(2027, 2, 15), date(2027, 2, 22))
    assert (section.key, section.template) == ("pilots", "pilot-plan/weekly_section.md.j2")
    ctx = section.context
    assert [p["account"] for p in ctx["starting"]] == ["Starts"]
    assert [p["account"] for p in ctx["ending"]] == ["Ends"]
    assert [p["account"] for p in ctx["running"]] == ["Runs"]
    assert [(p["account"], p["outcome_label"], p["action_label"]) for p in ctx["outcomes"]] == [
        ("Decided", "Partly met", "Re-scope")]
    assert [(p["account"], p["gaps"]) for p in ctx["gaps"]] == [("Runs", ["Name who signs for Runs"])]
    text = Renderer(PROJECT_ROOT / "prompts").render(section.template, ctx)
    assert "*Starting this week*" in text and "⚠️ 1 open item" in text
    assert "*Decided* (<@U0REP1>): partly met → Re-scope" in text
    assert "0 of 1 decided pilot bought the full deal" in text and "USD 60,000 of lost value" in text
    # a team with nothing to say has no section at all
    quiet = WEST.model_copy(update={"id": "north", "name": "North"})
    assert weekly_provider(store, playbook)(quiet, date(2027, 2, 15), date(2027, 2, 22)) is None


def test_quarter_view_counts_conversion_and_the_cost_of_mistakes(store, playbook):
    bought = add_pilot(store, "Bought", "2026-10-05", "2026-11-30")
    close(store, bought, "all_met", "buy")
    stopped = add_pilot(store, "Stopped", "2026-10-05", "2026-12-15", value=usd(80000), fee=usd(10000))
    close(store, stopped, "not_met", "stop", cost={"hours": 30, "effort_cost": usd(15000), "value_lost": usd(80000),
                                                   "recovered_value": usd(0), "net": usd(-15000), "full_value": usd(80000)})
    add_pilot(store, "Running", "2026-11-02", "2026-12-31", gaps=["Set a sign-off date"])
    cancelled = add_pilot(store, "Cancelled", "2026-11-02", "2026-12-20")
    pilot_store.cancel(store, cancelled.id)
    add_pilot(store, "Euro", "2026-10-05", "2026-12-01", value={"amount": 50000, "currency": "EUR"}, fee=None,
              team="emea", user="U0REP3")
    add_pilot(store, "Next quarter", "2026-12-01", "2027-01-15")

    view = quarter_view(store, playbook, "2026-Q4")
    by_currency = {c["currency"]: c for c in view["currencies"]}
    usd_view = by_currency["USD"]
    assert usd_view["conversion"]["pilot_count"] == 3 and usd_view["conversion"]["decided_count"] == 2
    assert usd_view["conversion"]["conversion_rate"] == 0.5
    assert usd_view["conversion"]["value_conversion"] == 0.6  # 120k of 200k decided
    assert usd_view["mistakes"] == {"count": 1, "hours": 30, "effort": usd(15000), "value_lost": usd(80000),
                                    "recovered": usd(0), "net": usd(-15000)}
    assert by_currency["EUR"]["conversion"]["pending_count"] == 1
    assert view["cancelled"] == 1 and view["with_gaps"] == 1
    assert [p["account"] for p in view["pilots"]] == ["Bought", "Euro", "Stopped", "Cancelled", "Running"]
    assert [c["currency"] for c in quarter_view(store, playbook, "2026-Q4", team="emea")["currencies"]] == ["EUR"]


def test_rebound_pilots_prints_the_quarter(tmp_path, playbook):
    store = open_store(tmp_path / "rebound.db")
    bought = add_pilot(store, "Harbor Freight Lines", "2026-12-07", "2027-02-19")
    close(store, bought, "all_met", "buy")
    store.close()
    env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(write_teams(tmp_path))}
    result = CliRunner().invoke(main, ["pilots", "--quarter", "2027-Q1"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Pilots ending in 2027-Q1 (1 Jan 2027 to 31 Mar 2027)" in result.output
    assert "Pilot conversion: 100% of decided pilots; 100% of decided value (USD 120,000 of USD 120,000)" in result.output
    assert "Harbor Freight Lines · U0REP1 · 2026-12-07 to 2027-02-19 · all criteria met → buy the full deal" in result.output
    as_json = CliRunner().invoke(main, ["costs", "--quarter", "2027-Q1", "--team", "west", "--format", "json"],
                                 env=env, catch_exceptions=False)
    assert json.loads(as_json.output)["pilots"]["currencies"][0]["conversion"]["converted_count"] == 1
    bad = CliRunner().invoke(main, ["pilots", "--quarter", "Q5"], env=env)
    assert bad.exit_code == 2 and "like 2026-Q4" in bad.output
    unknown = CliRunner().invoke(main, ["pilots", "--quarter", "2027-Q1", "--team", "north"], env=env)
    assert unknown.exit_code == 1 and "no team 'north'" in unknown.output


def test_quarter_bounds():
    assert quarter_bounds("2026-Q4") == (date(2026, 10, 1), date(2027, 1, 1))
    assert quarter_bounds("2027q1") == (date(2027, 1, 1), date(2027, 4, 1))
    with pytest.raises(ValueError, match="like 2026-Q4"):
        quarter_bounds("2026-13")


def test_plain_text_agreement_and_file_names():
    markdown = "# Pilot agreement: Acme\n\nIntro\n\n## Open items\n\n- [ ] Name the signer\n- Scope: two depots\n"
    assert markdown_to_text(markdown) == (
        "PILOT AGREEMENT: ACME\n=====================\n\nIntro\n\nOpen items\n----------\n\n"
        "[ ] Name the signer\n- Scope: two depots\n")
    assert file_stem("Harbor Freight Lines (EMEA) / Tacoma", 3) == "pilot-agreement-harbor-freight-lines-emea-tacoma-v3"
    assert file_stem("€€€", 1) == "pilot-agreement-pilot-v1"
