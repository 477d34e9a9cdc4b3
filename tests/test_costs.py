"""`rebound costs --quarter`: the cost of mistakes for every loss and pilot, hand-computed.

West prices an hour at USD 150; EMEA has no hourly cost, so its hours are counted, not priced.
Q4 2026 losses (by close date, else the debrief's day):
  Northwind USD 120,000, avoidable, 40 h   -> USD 6,000 of effort
  Contoso   USD  30,000, 12.5 h            -> USD 1,875
  Globex    USD  50,000, avoidable, no hours said
  Berlin    EUR  10,000, avoidable, 8 h (EMEA: not priced)
  (Closed 5 January: Q1; debriefed 2 Oct but closed 30 Sep: Q3. Neither counts.)
  => 4 deals, 60.5 h on 3 of them, USD 7,875; lost USD 200,000 + EUR 10,000;
     avoidable 3 deals, USD 170,000 + EUR 10,000 lost, USD 6,000 of time.
Q4 pilots: bought (all met), re-scoped although all met (20 h, USD 10,000), stopped
(not met, 30 h, USD 15,000), one running
  => 4 started, 1 bought, 2 should have bought, 1 met but did not buy, 1 running, 50 h on
     the ones that did not buy. Together: 110.5 h, USD 32,875.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.store import pilots as pilot_store
from bot.store import runs as run_store
from bot.store.pilots import Facts
from tests.helpers import usd
from tests.support import debriefs

TEAMS = debriefs.TEAMS.replace("    currency: USD\n", "    currency: USD\n    hourly_cost: {amount: 150, currency: USD}\n", 1)


def add_pilot(store, account, outcome=None, action=None, cost=None):
    run = run_store.create_run(store, playbook="pilot-plan", playbook_version=2, user_id="U0REP1", team="west",
                               cursor=None, source="slack")
    run_store.mark_submitted(store, run.id)
    pilot = pilot_store.create(store, run_id=run.id, team="west", user_id="U0REP1",
                               facts=Facts(account, "2026-10-05", "2026-12-15", usd(120000), usd(20000), []))
    if outcome:
        assert pilot_store.record_outcome(store, pilot.id, round=1, run_id=pilot.current_run_id, outcome=outcome,
                                          agreed_action=action, decided_by="Maya", measurements=[],
                                          recorded_by="U0REP1")
        assert pilot_store.decide(store, pilot.id, round=1, action=action, status="closed")
    if cost:
        hours, effort = cost
        pilot_store.record_cost(store, pilot.id, {"hours": hours, "effort_cost": usd(effort), "value_lost": usd(120000),
                                                  "recovered_value": usd(0), "net": usd(-effort),
                                                  "full_value": usd(120000)})


@pytest.fixture
def env(tmp_path):
    services = debriefs.build(tmp_path, teams=TEAMS)
    try:
        with freeze_time("2026-10-02T18:00:00Z"):  # debriefed in Q4, closed in Q3: a Q3 loss
            debriefs.submit(services, "U0REP1", deal="Q3 loss", amount="$99k", team_hours="99", close_date="2026-09-30")
        with freeze_time("2026-11-17T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="Northwind", amount="$120k", avoidable="yes", team_hours="40")
            debriefs.submit(services, "U0REP2", deal="Contoso", amount="$30k", team_hours="12.5")
            debriefs.submit(services, "U0REP3", deal="Globex", amount="$50k", avoidable="yes")
            debriefs.submit(services, "U0REP4", deal="Berlin", amount="EUR 10k", avoidable="yes", team_hours="8")
        with freeze_time("2027-01-06T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="January", amount="$70k", close_date="2027-01-05",
                            team_hours="10")
        add_pilot(services.store, "Bought", "all_met", "buy")
        add_pilot(services.store, "Rescoped", "all_met", "re_scope", cost=(20, 10000))
        add_pilot(services.store, "Stopped", "not_met", "stop", cost=(30, 15000))
        add_pilot(services.store, "Running")
    finally:
        services.close()
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


EXPECTED_TEXT = """\
The cost of mistakes in 2026-Q4 (1 Oct 2026 to 31 Dec 2026)

Lost deals: 4 · USD 200,000 + EUR 10,000 lost
  Team hours: 60.5 on 3 of 4 deals that said · USD 7,875 at the team's hourly cost
  8 of those hours are not priced: their team has no hourly_cost in the teams file
  Avoidable, in the sellers' view: 3 deals · USD 170,000 + EUR 10,000 lost · USD 6,000 of the team's time
Pilots: 4 started · 1 bought · 2 should have bought (every criterion met) · 1 met every criterion but did not buy · 1 still running
  Time spent on pilots that did not buy: 50 hours
Lost deals and failed pilots together: 110.5 hours · USD 32,875
"""


def test_costs_text_of_a_quarter(env):
    result = run(env, "costs", "--quarter", "2026-Q4")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(EXPECTED_TEXT)
    assert "Pilots ending in 2026-Q4" in result.output  # the pilots' own quarter view follows


def test_costs_json_of_a_quarter(env):
    view = json.loads(run(env, "costs", "--quarter", "2026-Q4", "--format", "json").output)
    assert view["losses"] == {
        "deals": 4, "deals_with_hours": 3, "hours": 60.5, "unpriced_hours": 8, "effort": [usd(7875)],
        "value_lost": [usd(200000), {"amount": 10000, "currency": "EUR"}], "avoidable_deals": 3,
        "avoidable_value": [usd(170000), {"amount": 10000, "currency": "EUR"}], "avoidable_effort": [usd(6000)],
    }
    assert view["funnel"] == {"started": 4, "decided": 3, "bought": 1, "should_have_bought": 2,
                              "met_but_not_bought": 1, "running": 1, "hours_not_bought": 50}
    assert view["total"] == {"hours": 110.5, "cost": [usd(32875)]}
    assert view["hourly_costs"] == {"west": usd(150)}


def test_costs_of_one_team_and_the_quarter_boundaries(env):
    west = json.loads(run(env, "costs", "--quarter", "2026-Q4", "--team", "west", "--format", "json").output)
    assert (west["losses"]["deals"], west["losses"]["hours"], west["losses"]["unpriced_hours"]) == (3, 52.5, 0)
    q1 = json.loads(run(env, "costs", "--quarter", "2027-Q1", "--format", "json").output)
    assert (q1["losses"]["deals"], q1["losses"]["effort"]) == (1, [usd(1500)])  # closed 5 Jan: 10 h x 150
    q3 = json.loads(run(env, "costs", "--quarter", "2026-Q3", "--format", "json").output)
    assert (q3["losses"]["deals"], q3["losses"]["effort"]) == (1, [usd(14850)])  # closed 30 Sep: 99 h x 150


def test_pilots_is_a_deprecated_alias_that_says_so(env):
    result = run(env, "pilots", "--quarter", "2026-Q4")
    assert result.exit_code == 0
    assert "`rebound pilots` is deprecated: use `rebound costs`" in result.stderr
    assert result.stdout.startswith(EXPECTED_TEXT)


def test_a_bad_hourly_cost_is_refused_with_its_line(tmp_path):
    from bot.files.teams import check_teams_file

    path = tmp_path / "teams.yml"
    path.write_text(debriefs.TEAMS.replace("    currency: USD\n",
                                           "    currency: USD\n    hourly_cost: {amount: -5, currency: usd}\n", 1))
    teams, problems = check_teams_file(path)
    assert teams is None
    assert [p.line for p in problems] == [9, 9]
    assert "greater than 0" in problems[0].message and "^[A-Z]{3}$" in problems[1].message
