"""pytest fixtures shared by every test module (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
