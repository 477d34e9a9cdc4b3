"""Settings for a team's managers, in a modal opened from App Home: the modal's pickers start
from the teams file, a signed view_submission is checked field by field (errors beside the
field), stored over the file in SQLite, used by the next summary without a restart, and
`rebound status` says where each setting comes from."""

from __future__ import annotations

import json

from click.testing import CliRunner
from freezegun import freeze_time

from bot import ids
from bot.cli.main import main
from bot.flows.debrief.reports import WeeklySummaries
from bot.store import runs as run_store
from bot.store import settings as settings_store
from tests.pilot_support import driver
from tests.test_app_home import click_home, open_home

MANAGER, REP, OUTSIDER = "U0MGR1", "U0REP1", "U0REP9"


def form(channel="C0WEST", schedule="monday 09:00", managers=("U0MGR1",), members=("U0REP1", "U0REP2"),
         coverage="3", pilot_days="90", threshold="50") -> dict:
    """The modal's state.values as Slack sends them on submit."""
    return {
        "summary_channel": {"value": {"type": "channels_select", "selected_channel": channel}},
        "summary_schedule": {"value": {"type": "plain_text_input", "value": schedule}},
        "managers": {"value": {"type": "multi_users_select", "selected_users": list(managers)}},
        "members": {"value": {"type": "multi_users_select", "selected_users": list(members)}},
        "coverage_multiple": {"value": {"type": "number_input", "value": coverage}},
        "max_pilot_days": {"value": {"type": "number_input", "value": pilot_days}},
        "concentration_threshold": {"value": {"type": "number_input", "value": threshold}},
    }


def submit(dm, user: str, values: dict, team: str = "west"):
    return dm.sender.view_submission(user, ids.TEAM_SETTINGS_VIEW, values, private_metadata=team)


def status_lines(app) -> list[str]:
    settings = app.services.settings
    env = {"REBOUND_DB": str(settings.db_path), "REBOUND_TEAMS": str(settings.teams_path)}
    result = CliRunner().invoke(main, ["status"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_manager_opens_the_settings_modal_from_app_home_with_the_files_values(app, dm, slack_api):
    open_home(dm, MANAGER)
    click_home(dm, MANAGER, "Settings: West Enterprise")
    [call] = slack_api.calls_to("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "rb_team_settings" and view["private_metadata"] == "west"
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["summary_channel"]["initial_channel"] == "C0WEST"
    assert elements["summary_schedule"]["initial_value"] == "monday 09:00"
    assert elements["managers"]["initial_users"] == ["U0MGR1"]
    assert elements["members"]["initial_users"] == ["U0REP1", "U0REP2"]
    assert elements["coverage_multiple"]["initial_value"] == "3"
    assert elements["max_pilot_days"]["initial_value"] == "90"
    assert elements["concentration_threshold"]["initial_value"] == "50"
    hints = {b["block_id"]: b.get("hint", {}).get("text") for b in view["blocks"] if b["type"] == "input"}
    assert hints["managers"] == "From the teams file."
    assert hints["concentration_threshold"] == "From the default."


def test_a_rep_gets_no_settings_button_and_a_forged_click_opens_nothing(app, dm, slack_api):
    assert not any(line.startswith("[Settings") for line in open_home(dm, REP))
    dm.sender.action(REP, f"{ids.SETTINGS}:0", value="west", view={"blocks": []})
    app.drain()
    assert slack_api.calls_to("views.open") == []
    reply = submit(dm, REP, form(channel="C0HIJACK"))
    assert reply.json() == {"response_action": "errors",
                            "errors": {"summary_channel": "Only this team's managers can change its settings."}}
    assert settings_store.overrides(app.services.store) == {}


def test_bad_fields_come_back_beside_the_field_and_nothing_is_stored(app, dm):
    reply = submit(dm, MANAGER, form(schedule="whenever", managers=(), members=("U0REP1", "U0REP3"),
                                     pilot_days="12.5", threshold="0.5"))
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {"summary_schedule", "managers", "members", "max_pilot_days", "concentration_threshold"}
    assert errors["managers"] == "A team needs at least one manager."
    assert errors["members"] == "<@U0REP3> is a member of EMEA Mid-Market already; a rep belongs to one team."
    assert errors["max_pilot_days"] == "Please enter a whole number of days."
    assert errors["concentration_threshold"] == "A share from 1 to 100 (percent of a rep's open book in one deal)."
    assert "whenever" in errors["summary_schedule"] or "schedule" in errors["summary_schedule"].lower()
    assert settings_store.overrides(app.services.store) == {}
    assert app.services.teams.get("west").managers == ["U0MGR1"]


def test_settings_changed_in_slack_are_used_by_the_next_summary_without_a_restart(app, slack_api):
    dm = driver(app, slack_api)
    with freeze_time("2026-11-30T17:00:00Z"):
        reply = submit(dm, MANAGER, form(channel="C0WINS", schedule="friday 16:00", managers=("U0MGR1", "U0MGR3"),
                                         members=("U0REP1", "U0REP2", "U0REP9"), coverage="4.5", pilot_days="60",
                                         threshold="35"))
    assert reply.status == 200 and reply.body in (b"", b"{}")
    west = app.services.teams.get("west")
    assert (west.summary_channel, west.summary_schedule, west.managers, west.members) == (
        "C0WINS", "friday 16:00", ["U0MGR1", "U0MGR3"], ["U0REP1", "U0REP2", "U0REP9"])
    assert (west.coverage_multiple, west.max_pilot_days) == (4.5, 60)
    assert app.services.teams.team_of(OUTSIDER).id == "west"  # a new member can start a debrief at once
    dm.command(OUTSIDER, "/debrief")
    assert dm.screen(OUTSIDER).step_id == "deal"
    assert app.services.conversations.env_for(None, REP)["settings"]["max_pilot_days"] == 60

    # the next summary goes to the channel chosen in Slack, not the file's
    with freeze_time("2026-12-01T17:00:00Z"):
        dm.command(REP, "/debrief")
        for text in ("Acme renewal", "$40k", "Price", "They picked the cheaper option.", "no", "skip"):
            dm.type(REP, text)
        dm.click(REP, "Submit")
        before = len(slack_api.calls_to("chat.postMessage"))
        WeeklySummaries(app.services.tools).post(app.services.teams.get("west"), "2026-W49")
        app.drain()
    posted = slack_api.calls_to("chat.postMessage")[before:]
    # the team's picture to the new channel; the per-seller coaching view to each of the new managers
    assert posted and {c.params["channel"] for c in posted} == {"C0WINS", "U0MGR1", "U0MGR3"}
    assert "Acme renewal" in json.dumps([c.params for c in posted])

    lines = status_lines(app)
    [west_line] = [line for line in lines if line.startswith("    west (West Enterprise)")]
    assert west_line.startswith("    west (West Enterprise) to C0WINS: friday 16:00 (America/Los_Angeles), next ")
    # the team post and the two managers' coaching DMs
    assert west_line.endswith("; last 2026-W49 at 2026-12-01T17:00:00+00:00: 3 post(s) (3 sent)")
    by = "Slack, by U0MGR1 at 2026-11-30T17:00:00+00:00"
    assert f"      summary_channel: C0WINS ({by})" in lines
    assert f"      members: U0REP1, U0REP2, U0REP9 ({by})" in lines
    assert f"      coverage_multiple: 4.5 ({by})" in lines
    assert f"      max_pilot_days: 60 ({by})" in lines
    assert f"      concentration_threshold: 0.35 ({by})" in lines
    assert "      summary_channel: C0EMEA (teams file)" in lines
    assert "      concentration_threshold: 0.5 (default)" in lines


def test_setting_a_value_back_to_the_files_makes_the_file_its_source_again(app, dm):
    assert submit(dm, MANAGER, form(pilot_days="45")).status == 200
    assert app.services.teams.get("west").max_pilot_days == 45
    assert set(settings_store.overrides(app.services.store)["west"]) == {"max_pilot_days"}
    assert submit(dm, MANAGER, form(pilot_days="90")).status == 200
    assert app.services.teams.get("west").max_pilot_days == 90
    assert settings_store.overrides(app.services.store) == {}
    assert "      max_pilot_days: 90 (teams file)" in status_lines(app)


def test_a_retried_submission_stores_once(app, dm):
    values = form(coverage="5")
    assert submit(dm, MANAGER, values).status == 200
    assert submit(dm, MANAGER, values).status == 200
    rows = app.services.store.db.execute("SELECT team, name, value FROM team_settings").fetchall()
    assert rows == [("west", "coverage_multiple", "5.0")]
    assert run_store.list_runs(app.services.store) == []
