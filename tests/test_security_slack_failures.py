"""Slack refusing a post for good: the outbox stops, logs the reason, lists it in `rebound
status`, and tells the team's managers once when they can fix it (invite the bot)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest

from bot.cli.ops import collect_status
from bot.store import outbox
from tests.security_support import app, shared, slack_api  # noqa: F401 (fixtures: one app per module)


def post(app, key: str, channel: str, team: str | None = "west") -> None:
    """Queue a post the way the weekly summary and a submit do."""
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Weekly summary*"}}]
    outbox.enqueue(app.services.store, key, "chat.postMessage",
                   {"channel": channel, "text": "Weekly summary", "blocks": blocks}, team=team)


def notices_to(slack_api, user: str) -> list[str]:
    return [c.params["text"] + json.dumps(c.params["blocks"]) for c in slack_api.calls_to("chat.postMessage")
            if c.params["channel"] == user and "couldn't post" in json.dumps(c.params)]


def test_a_summary_to_a_channel_the_bot_is_not_in_is_told_to_the_managers_once(app, slack_api, caplog):
    with caplog.at_level(logging.WARNING, logger="rebound.outbox"):
        for week in ("2026-W47", "2026-W48"):  # two refused posts, one notice
            post(app, f"weekly:west:{week}", "C0WEST")
            slack_api.fail_next("chat.postMessage", error="not_in_channel")
            app.drain()
    for week in ("2026-W47", "2026-W48"):
        item = outbox.get(app.services.store, f"weekly:west:{week}")
        assert (item.status, item.last_error, item.attempts) == ("failed", "not_in_channel", 1)
    (notice,) = notices_to(slack_api, "U0MGR1")
    assert "&lt;#C0WEST&gt;" not in notice and "<#C0WEST>" in notice and "(not_in_channel)" in notice
    assert "/invite @Rebound" in notice
    assert notices_to(slack_api, "U0MGR2") == [], "nothing about west goes to emea's manager"
    refused = [r.getMessage() for r in caplog.records if "outcome=failed" in r.getMessage()]
    assert len(refused) == 2 and all("reason='not_in_channel'" in line and "team=west" in line for line in refused)
    status = collect_status(app.services, datetime.now(timezone.utc))
    listed = {i["key"]: i["last_error"] for i in status["outbox"]["failed"]}
    assert listed["weekly:west:2026-W47"] == listed["weekly:west:2026-W48"] == "not_in_channel"


def test_an_archived_or_missing_channel_is_told_with_its_own_fix(app, slack_api):
    post(app, "weekly:emea:2026-W47", "C0EMEA", team="emea")
    slack_api.fail_next("chat.postMessage", error="channel_not_found")
    app.drain()
    (notice,) = notices_to(slack_api, "U0MGR2")
    assert "channel_not_found" in notice and "teams file" in notice


@pytest.mark.parametrize("channel, error", [("U0W150", "not_in_channel"), ("C0WEST", "invalid_blocks"),
                                            ("C0WEST", "msg_too_long")])
def test_refusals_no_manager_can_fix_are_not_told_but_are_listed(app, slack_api, channel, error):
    before = len(notices_to(slack_api, "U0MGR1"))
    key = f"post:{channel}:{error}"
    post(app, key, channel)
    slack_api.fail_next("chat.postMessage", error=error)
    app.drain()
    assert outbox.get(app.services.store, key).status == "failed"
    assert len(notices_to(slack_api, "U0MGR1")) == before
    status = collect_status(app.services, datetime.now(timezone.utc))
    assert key in {i["key"] for i in status["outbox"]["failed"]}
