"""pytest fixtures shared by every test module (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store import open_store
from tests.support.dm_driver import DmDriver
from tests.support.rebound_app import RunningApp, start_app
from tests.support.slack_api import SlackApiStandIn


@pytest.fixture
def slack_api() -> Iterator[SlackApiStandIn]:
    """A Slack Web API stand-in on a free local port, stopped after the test.

    Point the app at it with ``WebClient(token=slack_api.token, base_url=slack_api.url)``.
    When the test ends, any message or view Slack would have rejected fails it, so a
    renderer that breaks Block Kit or a limit cannot pass unnoticed. A test that sends
    invalid blocks on purpose clears ``slack_api.invalid`` after asserting on it.
    """
    standin = SlackApiStandIn().start()
    try:
        yield standin
    finally:
        standin.stop()
    assert not standin.invalid, (
        "messages or views Slack would reject (clear slack_api.invalid if the test meant it):\n"
        + "\n".join(standin.invalid)
    )


@pytest.fixture
def app(tmp_path, slack_api) -> Iterator[RunningApp]:
    """The real app over HTTP on a free port, its database in tmp_path, Slack played by ``slack_api``."""
    running = start_app(tmp_path, slack_api)
    yield running
    running.stop()


@pytest.fixture
def dm(app, slack_api) -> DmDriver:
    """Types and clicks in a user's DM with the app, like a person would."""
    return DmDriver(app, slack_api)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "rebound.db"


@pytest.fixture
def store(db_path):
    """A migrated SQLite file in tmp_path (the real store, never a mock)."""
    store = open_store(db_path)
    yield store
    store.close()
