"""Settings from the environment: defaults, one clear line per mistake, secrets never shown."""

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import SettingError


def test_defaults_need_no_environment():
    settings = load_settings({})
    assert settings.db_path == Path("rebound.db")
    assert settings.teams_path == Path("teams.yml")
    assert settings.slack_api_url == "https://slack.com/api/"


def test_api_url_gets_trailing_slash():
    assert load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == "http://127.0.0.1:9/api/"


def test_bad_api_url_names_the_setting():
    with pytest.raises(SettingError) as err:
        load_settings({"SLACK_API_URL": "slack.com"})
    assert err.value.name == "SLACK_API_URL"


def test_empty_db_path_names_the_setting():
    with pytest.raises(SettingError) as err:
        load_settings({"REBOUND_DB": " "})
    assert err.value.name == "REBOUND_DB"


def test_missing_slack_settings_name_what_and_where():
    settings = load_settings({})
    with pytest.raises(SettingError) as err:
        settings.require_slack()
    assert err.value.name == "SLACK_BOT_TOKEN"
    assert "OAuth & Permissions" in str(err.value)
    assert "SLACK_SIGNING_SECRET" in str(err.value)


def test_socket_mode_needs_app_token():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(SettingError) as err:
        settings.require_slack(socket_mode=True)
    assert err.value.name == "SLACK_APP_TOKEN"


def test_secrets_never_in_repr():
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "sig-very-secret"})
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())
