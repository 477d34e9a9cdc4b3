"""`rebound summary`: print a team's week, or post it once (again only with --force)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from tests.support import debriefs


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """One database with two debriefs, copied for each test (building it is the slow part)."""
    folder = tmp_path_factory.mktemp("cli")
    services = debriefs.build(folder)
    with freeze_time("2026-11-18T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Northwind <b>", amount="$120k", primary_reason="competitor",
                        competitor="Samsara")
        debriefs.submit(services, "U0REP2", deal="Globex", amount="EUR 40k")
    services.close()
    return folder


@pytest.fixture
def env(data, tmp_path):
    for name in ("rebound.db", "teams.yml"):
        shutil.copy(data / name, tmp_path / name)
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}


def invoke(env, *args):
    return CliRunner().invoke(main, ["summary", *args], env=env, catch_exceptions=False)


def test_print_shows_last_weeks_summary_in_plain_text(env):
    with freeze_time("2026-11-24T12:00:00Z"):
        result = invoke(env, "--team", "west")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Closed-lost review · West Enterprise · 16–22 Nov 2026 (2026-W47)")
    assert "*2 deals lost* · USD 120,000 · EUR 40,000" in result.output
    assert "Northwind <b>" in result.output  # plain text: nothing escaped
    assert "Samsara: 1 · USD 120,000" in result.output


def test_print_an_empty_week_of_a_team_that_posts_nothing(env):
    result = invoke(env, "--team", "apac", "--week", "2026-W47", "--print")
    assert result.exit_code == 0
    assert "Nothing to post for apac in 2026-W47: no losses this week" in result.output


def test_unknown_team_and_bad_week_are_explained(env):
    result = CliRunner().invoke(main, ["summary", "--team", "north"], env=env)
    assert result.exit_code == 1 and "no team 'north'" in result.output and "west, emea, apac" in result.output
    result = CliRunner().invoke(main, ["summary", "--team", "west", "--week", "2026-47"], env=env)
    assert result.exit_code == 2 and "is not an ISO week like 2026-W47" in result.output
    result = CliRunner().invoke(main, ["summary", "--team", "west", "--week", "2026-W54"], env=env)
    assert result.exit_code == 2


def test_post_needs_the_bot_token(env):
    result = CliRunner().invoke(main, ["summary", "--team", "west", "--post"], env=env)
    assert result.exit_code == 1 and "SLACK_BOT_TOKEN is not set" in result.output


def test_post_once_then_force_posts_again(env, slack_api):
    env = {**env, "SLACK_BOT_TOKEN": slack_api.token, "SLACK_API_URL": slack_api.url}
    first = invoke(env, "--team", "west", "--week", "2026-W47", "--post")
    assert first.exit_code == 0, first.output
    assert "Posted 1 message(s) to C0WEST." in first.output
    again = invoke(env, "--team", "west", "--week", "2026-W47", "--post")
    assert "was already posted" in again.output and "--force" in again.output
    forced = invoke(env, "--team", "west", "--week", "2026-W47", "--post", "--force")
    assert "Posted 1 message(s) to C0WEST." in forced.output
    summaries = [c for c in slack_api.calls_to("chat.postMessage")
                 if c.params["channel"] == "C0WEST" and "Closed-lost review" in json.dumps(c.params["blocks"])]
    assert len(summaries) == 2


def test_help_ends_with_an_example():
    result = CliRunner().invoke(main, ["summary", "--help"])
    description = result.output.split("Options:")[0].rstrip()
    assert description.splitlines()[-1].strip() == "rebound summary --team west --week 2026-W47 --post"
