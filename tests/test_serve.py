"""`rebound serve` refuses to start with one clear line when Slack settings are missing or wrong."""

from click.testing import CliRunner

from bot.cli.main import main
from tests.support.rebound_app import write_teams


def test_serve_names_the_missing_token(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--port", "3999"], env={"REBOUND_DB": str(tmp_path / "r.db"),
                                                                    "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""})
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN: is not set" in result.output
    assert "OAuth & Permissions" in result.output


def test_socket_mode_names_the_app_token(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--socket"], env={"REBOUND_DB": str(tmp_path / "r.db"),
                                                                "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": ""})
    assert result.exit_code == 1
    assert "SLACK_APP_TOKEN: is not set" in result.output


def test_serve_without_teams_file_says_so(tmp_path, slack_api):
    result = CliRunner().invoke(main, ["serve", "--port", "3999"], env={
        "REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(tmp_path / "missing.yml"),
        "SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack_api.url})
    assert result.exit_code == 1
    assert "the teams file does not exist" in result.output


def test_serve_with_a_token_slack_rejects(tmp_path, slack_api):
    teams = write_teams(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--port", "3999"], env={
        "REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(teams),
        "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack_api.url})
    assert result.exit_code == 1
    assert "Slack did not accept SLACK_BOT_TOKEN" in result.output
    assert "invalid_auth" in result.output
    assert "xoxb-revoked" not in result.output
