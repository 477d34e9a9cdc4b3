"""`rebound outbox retry`: failed messages re-queued through the CLI on a real SQLite file,
then sent by the real sender to the Web API stand-in once the reason is fixed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.outbox.sender import OutboxSender, build_client
from bot.store import outbox
from bot.store.db import open_store

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


def post(text: str, channel: str) -> dict:
    return {"channel": channel, "text": text}


@pytest.fixture
def env(tmp_path):
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "none.yml")}


@pytest.fixture
def store(env):
    store = open_store(env["REBOUND_DB"])
    yield store
    store.close()


def invoke(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def failed(store, slack_api):
    """Three posts Slack refused (the bot not in C0WEST yet), and one that went out."""
    with freeze_time(NOW):
        for key, channel in (("summary:west", "C0WEST"), ("summary:emea", "C0EMEA"), ("digest", "C0PROD"),
                             ("sent", "C0LEAD")):
            outbox.enqueue(store, key, "chat.postMessage", post(key, channel))
        slack_api.fail_next("chat.postMessage", error="not_in_channel", times=3)
        sender = OutboxSender(store, build_client(slack_api.token, base_url=slack_api.url, timeout=5))
        assert sender.drain(NOW).failed == 3
    return sender


def test_retry_one_key_requeues_it_with_fresh_attempts_and_it_is_sent(env, store, slack_api, failed):
    result = invoke(env, "outbox", "retry", "summary:west")
    assert result.exit_code == 0, result.output
    assert result.output == "Re-queued 1 message(s); `rebound serve` sends them:\n  summary:west\n"
    item = outbox.get(store, "summary:west")
    assert (item.status, item.attempts, item.last_error) == ("pending", 0, "retried after: not_in_channel")
    assert outbox.get(store, "summary:emea").status == "failed"

    report = failed.drain(datetime.now(timezone.utc))  # the bot has been invited: Slack accepts it now
    assert (report.sent, report.failed) == (1, 0)
    assert outbox.get(store, "summary:west").status == "sent"
    texts = [c.params["text"] for c in slack_api.calls_to("chat.postMessage")]
    assert texts.count("summary:west") == 2  # refused once, then sent once


def test_retry_failed_requeues_every_failed_message_and_nothing_else(env, store, failed):
    result = invoke(env, "outbox", "retry", "--failed")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == ["  summary:west", "  summary:emea", "  digest"]
    assert outbox.counts(store) == {"pending": 3, "sending": 0, "failed": 0, "sent": 1}
    again = invoke(env, "outbox", "retry", "--failed")
    assert again.output == "No failed messages: nothing to re-queue.\n"


def test_retry_refuses_unknown_or_unfailed_keys_and_changes_nothing(env, store, failed):
    result = invoke(env, "outbox", "retry", "summary:west", "sent", "nope")
    assert result.exit_code == 1
    assert "sent: it is sent, not failed" in result.output and "nope: no such message" in result.output
    assert outbox.get(store, "summary:west").status == "failed"  # all or nothing
    usage = invoke(env, "outbox", "retry")
    assert usage.exit_code == 2 and "or --failed" in usage.output
    both = invoke(env, "outbox", "retry", "digest", "--failed")
    assert both.exit_code == 2
