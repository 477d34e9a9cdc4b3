"""The recovery service on a real SQLite file: weights (average, lock), ranking ties, CSV
import with good and bad rows, concentration thresholds, progress and the weekly section."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.config import load_settings
from bot.domain.ranking import team_weights
from bot.errors import ActionRefused, Forbidden
from bot.flows.recovery import messages
from bot.flows.recovery.service import Recovery
from bot.services import build_services
from bot.store import recovery as rs
from bot.store import runs as run_store
from tests.support.rebound_app import write_teams
from tests.helpers import usd

REP, REP2, MGR = "U0REP1", "U0REP2", "U0MGR1"
TODAY = date(2026, 11, 23)

CSV = """\
Opportunity Name,Account,Amount,Currency,Probability,Close Date,Strategic Fit,Relationship,Effort,Owner
Dispatch analytics,Cascade Cold Chain,60000,USD,40,2027-01-29,4,3,2,ana
Fleet expansion,Pinecrest Foods,"45,000",USD,70%,2026-12-18,3,5,1,ana
New logo,Summit Building Supply,abc,USD,20,2027-03-31,5,2,4,ana
Depot rollout,Pinecrest Foods,30000,USD,150,2027-02-01,3,4,2,ana
,Nameless Co,1000,USD,10,2027-01-01,1,1,1,ana
Warehouse,Globex,"EUR 20,000",,50,31/01/2027,3,3,3,ana
"""


@pytest.fixture
def services(tmp_path):
    write_teams(tmp_path)
    settings = load_settings({"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")})
    built = build_services(settings, teams_required=True)
    yield built
    built.close()


@pytest.fixture
def recovery(services):
    return Recovery(services.store, services.teams)


def submit_plan(services, user: str, answers: dict, *, prefill: dict | None = None, meta: dict | None = None) -> str:
    started = services.conversations.start("recover", user, prefill_answers=prefill, meta=meta)
    turn = started.turn
    while turn.question is not None:
        step = turn.question
        if step.id in answers:
            turn = services.conversations.answer(turn.run.id, user, answers[step.id], step_id=step.id)
        else:
            turn = services.conversations.skip(turn.run.id, user)
    services.submissions.submit(turn.run.id, user, deliver=False)
    return turn.run.id


# -- weights ----------------------------------------------------------------------------------


def test_team_weights_are_the_members_average(recovery):
    assert recovery.weights("west").source == "default"
    recovery.set_own_weights(REP, {"revenue": 9, "probability": 6, "time_to_close": 0, "strategic_fit": 3,
                                   "relationship": 1, "effort": 1})
    recovery.set_own_weights(REP2, {"revenue": 1, "probability": 4, "time_to_close": 6, "strategic_fit": 3,
                                    "relationship": 3, "effort": 3})
    info = recovery.weights("west", REP)
    # averages 5, 5, 3, 3, 2, 2 out of 20
    assert info.source == "average" and info.members == 2
    assert info.shares == {"revenue": 0.25, "probability": 0.25, "time_to_close": 0.15, "strategic_fit": 0.15,
                           "relationship": 0.1, "effort": 0.1}
    assert info.own["revenue"] == 9
    assert recovery.weights("emea").source == "default"  # other teams are untouched


def test_manager_locks_the_average_and_members_no_longer_move_it(recovery):
    recovery.set_own_weights(REP, {"revenue": 10, "probability": 0})
    before = recovery.weights("west").shares
    [locked] = recovery.lock_weights(MGR)
    assert locked.source == "locked" and locked.locked_by == MGR and locked.shares == pytest.approx(before)
    recovery.set_own_weights(REP2, {"revenue": 0, "probability": 10})
    assert recovery.weights("west").shares == pytest.approx(before)
    [unlocked] = recovery.unlock_weights(MGR)
    assert unlocked.source == "average" and unlocked.shares != pytest.approx(before)


def test_manager_can_lock_explicit_weights(recovery):
    [locked] = recovery.lock_weights(MGR, {"revenue": 1, "probability": 1})
    assert locked.shares == team_weights({}, locked={"revenue": 1, "probability": 1})


def test_only_a_manager_locks_and_someone_off_every_team_has_no_weights(recovery):
    with pytest.raises(ActionRefused) as caught:
        recovery.lock_weights(REP)
    assert caught.value.reason == "not_manager"
    with pytest.raises(ActionRefused) as caught:
        recovery.set_own_weights("U0STRANGER", {"revenue": 1})
    assert caught.value.reason == "no_team"


# -- import and ranking ---------------------------------------------------------------------------


def test_csv_import_keeps_good_rows_and_names_each_bad_one(recovery, services):
    outcome = recovery.import_csv(REP, CSV)
    assert (outcome.added, outcome.updated) == (3, 0)
    assert [(e.line, e.columns) for e in outcome.errors] == [(4, ("amount",)), (5, ("probability",)), (6, ("name",))]
    assert "Amount 'abc' is not a number" in str(outcome.errors[0])
    assert outcome.ignored_columns == ("Owner",)
    assert outcome.currencies == ("USD", "EUR")
    stored = rs.opportunities(services.store, user_id=REP)
    assert [(o.account, o.name, o.amount) for o in stored] == [
        ("Cascade Cold Chain", "Dispatch analytics", usd(60000)), ("Pinecrest Foods", "Fleet expansion", usd(45000)),
        ("Globex", "Warehouse", {"amount": 20000, "currency": "EUR"})]
    again = recovery.import_csv(REP, CSV.replace("60000", "65000"))
    assert (again.added, again.updated) == (0, 3)
    assert rs.opportunities(services.store, user_id=REP)[0].amount == usd(65000)


def test_ranking_ties_break_on_amount_then_name(recovery, services):
    submit_plan(services, REP, {"lost_amount": "$100k", "retained_amount": "0", "opportunities":
                                "Beta | 50k | 50% | | 3 | 3 | 3\nAlpha | 50k | 50% | | 3 | 3 | 3\nGamma | 80k | 50% | | 3 | 3 | 3"})
    view = recovery.view(REP, today=TODAY)
    entries = view.ranking.entries
    # Alpha and Beta score the same: same amount, so A before B
    assert [e.name for e in entries] == ["Gamma", "Alpha", "Beta"]
    assert entries[1].score == entries[2].score
    assert entries[0].missing == ("time_to_close",)


def test_view_ranks_open_opportunities_against_the_pipeline_still_to_build(recovery, services):
    recovery.import_csv(REP, CSV)
    submit_plan(services, REP, {"lost_amount": "$50k", "retained_amount": "$10k", "win_rate": "50%"})
    view = recovery.view(REP, today=TODAY)
    # gap 40,000 x 2 = 80,000 to build; the two USD opportunities add up to 105,000
    assert view.progress.pipeline_target == usd(80000)
    assert [e.name for e in view.ranking.entries] == ["Fleet expansion", "Dispatch analytics"]
    assert view.ranking.reaches_target and view.ranking.opportunities_to_target == 2
    assert [o.name for o in view.other_currency] == ["Warehouse"]
    text = messages.plan_text(view, services.renderer)
    assert "Pipeline still to build for the loss: *USD 80,000* (2x the gap left)" in text
    assert "Not ranked, not in USD: Warehouse (EUR 20,000)" in text
    assert "⋯" not in text  # no menus in the terminal


def test_typed_opportunities_are_recorded_with_the_plan(services):
    run_id = submit_plan(services, REP, {"lost_amount": "$10k", "retained_amount": "0",
                                         "opportunities": "Acme – expansion | 40k | 60%"})
    plan = rs.get_plan(services.store, run_id)
    assert plan.unrecovered == usd(10000) and plan.multiple == 3.0 and plan.team == "west"
    [opp] = rs.opportunities(services.store, user_id=REP)
    assert (opp.name, opp.amount, opp.probability, opp.source) == ("Acme – expansion", usd(40000), 60, "typed")


# -- concentration ---------------------------------------------------------------------------------


def _debrief(services, user: str, deal: str, amount: dict, retained: dict | None = None) -> str:
    run = run_store.create_run(services.store, playbook="debrief", playbook_version=1, user_id=user, team="west",
                               cursor=None)
    run_store.save_answer(services.store, run.id, "deal", deal, cursor=None, skipped=[])
    run_store.save_answer(services.store, run.id, "amount", amount, cursor=None, skipped=[])
    if retained is not None:
        run_store.save_answer(services.store, run.id, "lost_renewal", True, cursor=None, skipped=[])
        run_store.save_answer(services.store, run.id, "retained_amount", retained, cursor=None, skipped=[])
    run_store.mark_submitted(services.store, run.id)
    return run.id


def test_concentration_counts_the_lost_deal_and_follows_the_team_threshold(recovery, services):
    debrief = _debrief(services, REP, "Northwind renewal", usd(120000), usd(35000))
    assert recovery.latest_unplanned_debrief(REP).id == debrief
    submit_plan(services, REP, {"retained_amount": "$35k", "opportunities": "Summit – new logo | 90k\nPinecrest – fleet | 45k"},
                prefill={"lost_amount": usd(120000)}, meta={"from_debrief": debrief})
    assert recovery.latest_unplanned_debrief(REP) is None  # that loss has its plan now
    view = recovery.view(REP, today=TODAY)
    # 120,000 of 255,000 = 47%: below the default 50%
    assert not view.concentration.flagged
    assert "Concentration risk" not in messages.plan_text(view, services.renderer)
    recovery.set_threshold(MGR, 0.4)
    view = recovery.view(REP, today=TODAY)
    assert view.threshold == 0.4 and view.concentration.seller.flagged
    text = messages.plan_text(view, services.renderer)
    assert "*Concentration risk* (above 40% in one contract)" in text
    assert "47% of your book sits in one contract: *Northwind renewal*, the deal just lost" in text
    assert "departmental contracts" in text
    with pytest.raises(ActionRefused):
        recovery.set_threshold(REP, 0.2)


# -- progress ---------------------------------------------------------------------------------------


def test_progress_updates_recovered_and_gap(recovery, services):
    with freeze_time("2026-11-16T17:00:00Z"):
        submit_plan(services, REP, {"lost_amount": "$120k", "retained_amount": "$35k",
                                    "opportunities": "Pinecrest | 45k\nCascade | 60k\nSummit | 90k"})
    ids = {o.name: o.id for o in rs.opportunities(services.store, user_id=REP)}
    with freeze_time("2026-11-18T17:00:00Z"):
        opp, changed = recovery.set_status(REP, ids["Pinecrest"], "won")
        assert changed and opp.won_at == "2026-11-18T17:00:00+00:00"
        assert recovery.set_status(REP, ids["Pinecrest"], "won")[1] is False
        recovery.set_status(REP, ids["Summit"], "lost")
        recovery.set_status(REP, ids["Cascade"], "moved")
    with pytest.raises(Forbidden):
        recovery.set_status(REP2, ids["Cascade"], "won")
    view = recovery.view(REP, today=TODAY)
    assert view.progress.recovered == usd(45000) and view.progress.gap == usd(40000)
    assert [e.name for e in view.ranking.entries] == ["Cascade"]
    text = messages.plan_text(view, services.renderer)
    assert "recovered so far *USD 45,000* · gap left *USD 40,000*" in text
    assert "*Won:* Pinecrest (USD 45,000)" in text and "*Lost:* Summit" in text and "_moved_" in text

    team = services.teams.get("west")
    [row] = recovery.team_progress(team, date(2026, 11, 16), date(2026, 11, 23))
    assert row["user_id"] == REP and row["progress"].recovered_in_window == usd(45000)
    [earlier] = recovery.team_progress(team, date(2026, 11, 9), date(2026, 11, 16 + 1))  # before the win
    assert earlier["progress"].recovered == usd(0)
    assert recovery.team_progress(team, date(2026, 11, 2), date(2026, 11, 9)) == []  # before the plan

    [section] = [s for s in (p(team, date(2026, 11, 16), date(2026, 11, 23)) for p in services.summary_sections)
                 if s is not None and s.key == "recovery"]
    text = services.renderer.render(section.template, section.context)
    assert "<@U0REP1>: lost USD 120,000, kept USD 35,000, recovered *USD 45,000* (USD 45,000 this week)" in text
    assert "gap left *USD 40,000*" in text
    assert "Team: recovered USD 45,000 of USD 85,000 unrecovered; USD 40,000 left." in text


# -- the CLI ------------------------------------------------------------------------------------------


def test_cli_import_reports_bad_rows_and_plan_prints(tmp_path):
    write_teams(tmp_path)
    env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}
    path = tmp_path / "pipeline.csv"
    path.write_text(CSV)
    result = CliRunner().invoke(main, ["recover", "import", "--user", REP, str(path)], env=env)
    assert result.exit_code == 1
    assert "Imported 3 opportunities for U0REP1 (3 new, 0 updated)." in result.stdout
    assert f"{path}:4: Amount 'abc' is not a number" in result.stderr
    assert f"{path}:6: Name is empty" in result.stderr
    result = CliRunner().invoke(main, ["recover", "plan", "--user", REP], env=env)
    assert result.exit_code == 0, result.output
    assert "Fleet expansion" in result.output and "Ranked by the default weights" in result.output
    group = main.commands["recover"]
    for command in [group, *group.commands.values()]:  # every help text ends with an example
        assert command.help.rstrip().splitlines()[-1].strip().startswith("rebound recover ")


def test_the_teams_weekly_summary_shows_recovery_progress(recovery, services):
    from bot.flows.debrief.reports import WeeklySummaries

    with freeze_time("2026-11-16T17:00:00Z"):
        submit_plan(services, REP, {"lost_amount": "$120k", "retained_amount": "$35k", "opportunities": "Pinecrest | 45k"})
    [opp] = rs.opportunities(services.store, user_id=REP)
    with freeze_time("2026-11-18T17:00:00Z"):
        recovery.set_status(REP, opp.id, "won")
    summary = WeeklySummaries(services.tools).build(services.teams.get("west"), "2026-W47", plain=True)
    assert "Recovering lost revenue" in summary.text
    assert "recovered *USD 45,000* (USD 45,000 this week), gap left *USD 40,000*" in summary.text


# -- a team's own factors ---------------------------------------------------------------------

FACTOR_TEAMS = """\
teams:
  - id: west
    name: West Enterprise
    summary_channel: C0WEST
    managers: [U0MGR1]
    members: [U0REP1, U0REP2]
    factors:
      - name: partner_influence
        label: Partner influence
        default_weight: 4
        source: column
        column: Partner Score
      - name: legal_risk
        default_weight: 2
        source: asked
        higher_is_better: false
"""


def test_a_teams_own_factor_comes_from_its_csv_column_and_ranks_with_the_team_weights(tmp_path):
    write_teams(tmp_path, FACTOR_TEAMS)
    settings = load_settings({"REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")})
    services = build_services(settings, teams_required=True)
    try:
        recovery = Recovery(services.store, services.teams)
        outcome = recovery.import_csv(REP, "Name,Amount,Currency,Partner Score\n"
                                           "Small partner deal,10000,USD,5\nBig direct deal,100000,USD,1\n")
        assert (outcome.added, outcome.errors, outcome.ignored_columns) == (2, [], ())
        small, big = rs.opportunities(services.store, user_id=REP)
        assert small.factors == {"partner_influence": 5} and big.factors == {"partner_influence": 1}
        # only partner influence counts for this rep: the small deal with the strong partner comes first
        info = recovery.set_own_weights(REP, {"partner_influence": 10})
        assert info.shares["partner_influence"] == 1.0 and info.shares["revenue"] == 0.0
        assert ("partner influence", 100) in info.own_percents()
        view = recovery.view(REP, today=TODAY)
        # small: partner (5 - 1) / 4 = 1 -> 100; big: (1 - 1) / 4 = 0 -> 0
        assert [(e.name, e.score) for e in view.ranking.entries] == [("Small partner deal", 100), ("Big direct deal", 0)]
        # the asked factor is not known yet: scored neutral and listed as missing
        assert "legal_risk" in view.ranking.entries[0].missing
        # with the defaults only (no one's weights), 4 + 2 of 26 points go to the team's factors
        recovery.clear_own_weights(REP)
        shares = recovery.weights("west").shares
        assert list(shares)[-2:] == ["partner_influence", "legal_risk"]
        assert shares["partner_influence"] == pytest.approx(4 / 26) and shares["legal_risk"] == pytest.approx(2 / 26)
    finally:
        services.close()


def test_weights_name_a_teams_own_factor_in_slack_words(tmp_path):
    from bot.domain.recovery import parse_weights
    from bot.flows.recovery.service import team_factors
    from bot.files.teams import load_teams

    team = load_teams(write_teams(tmp_path, FACTOR_TEAMS), required=True).get("west")
    assert parse_weights("partner influence 6 revenue 2", team_factors(team)) == {"partner_influence": 6, "revenue": 2}
    assert team_factors(team)[-1].inverse is True  # legal risk: higher is worse


def test_the_plan_says_whose_weights_ranked_it(recovery, services):
    recovery.import_csv(REP, CSV)
    text = messages.plan_text(recovery.view(REP, today=TODAY), services.renderer)
    assert "Ranked by the default weights (nobody on your team has given theirs yet)" in text
    recovery.set_own_weights(REP, {"revenue": 10})
    recovery.set_own_weights(REP2, {"probability": 1})
    text = messages.plan_text(recovery.view(REP, today=TODAY), services.renderer)
    assert "Ranked by your team’s average weights, from @U0REP1, @U0REP2: revenue 50% · probability 50% ·" in text
    recovery.lock_weights(MGR, {"revenue": 1})
    text = messages.plan_text(recovery.view(REP, today=TODAY), services.renderer)
    assert "Ranked by the weights @U0MGR1 locked: revenue 100% · probability 0%" in text
