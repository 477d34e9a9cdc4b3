"""Structured logs: one line per event (request, outbox send, scheduled job) carrying the run
id, no answer text at INFO, and never a secret, even at DEBUG."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta, timezone

import pytest

from bot import logs
from bot.config import load_settings
from bot.store import reminders
from bot.store import runs as run_store
from tests.security_support import example_answers, fresh_reps, stop_app, walk_to_review
from tests.security_support import app, dm, shared, slack_api  # noqa: F401 (fixtures: one app per module)
from tests.support.dm_driver import DmDriver

REPS = fresh_reps()
TOKEN = "xoxb-2222222222-LOGSECRETVALUE"
SIGNING = "sign-secret-not-for-logs-42"
APP_TOKEN = "xapp-1-A0-333-appsecretvalue"


@pytest.fixture
def configured():
    """`rebound serve`'s logging, into a buffer; the root logger is put back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    settings = load_settings({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING, "SLACK_APP_TOKEN": APP_TOKEN,
                              "REBOUND_LOG_LEVEL": "DEBUG"})
    handler = logs.configure(settings, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    assert root.handlers == handlers


def test_each_event_is_one_line_with_its_fields(configured):
    log = logging.getLogger("rebound.test")
    log.info("outbox send key=%s", "summary:r1", extra={"run_id": "r1a2b3", "note": "two words"})
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        log.exception("task failed task=%s", "weekly")
    lines = configured.getvalue().splitlines()
    assert len(lines) == 2
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO rebound.test outbox send key=summary:r1 "
                    r'run_id=r1a2b3 note="two words"$', lines[0])
    assert " ERROR rebound.test task failed task=weekly exc=\"Traceback" in lines[1]
    assert "ValueError: first line\\nsecond line" in lines[1]


def test_configured_logging_redacts_every_secret_wherever_it_appears(configured):
    log = logging.getLogger("rebound.test")
    log.warning("token %s secret %s app %s", TOKEN, SIGNING, APP_TOKEN)
    log.info("someone else's token xoxp-9999-8888-abcdefabcdef leaked", extra={"header": f"Bearer {TOKEN}"})
    try:
        raise RuntimeError(f"auth failed with {TOKEN}")
    except RuntimeError:
        log.exception("call failed")
    out = configured.getvalue()
    for secret in (TOKEN, SIGNING, APP_TOKEN, "xoxp-9999"):
        assert secret not in out
    assert out.count("[redacted]") == 6


def test_a_conversation_logs_each_request_and_send_with_the_run_id_and_no_answer_text(shared, dm, caplog):
    app, _ = shared
    rep = next(REPS)
    marker = "ZEBRA7731"
    playbook = app.services.playbooks["debrief"]
    steps = {step.id: step for step in playbook.steps}
    answers = {key: f"{marker} {value}" if key in steps and steps[key].type in ("text", "long_text") else value
               for key, value in example_answers("debrief").items()}
    with caplog.at_level(logging.INFO):
        dm.command(rep, "/debrief")
        walk_to_review(dm, rep, "debrief", answers)
        dm.click(rep, "Submit")
    run = run_store.list_runs(app.services.store, user_id=rep)[0]
    assert run.status == "submitted" and marker in run.answers["deal"]
    formatter = logs.LineFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert not [line for line in lines if marker in line], "answer text reached an INFO log line"
    # Each request logs twice: the ack (rebound.http) and, after it, its work (rebound.inbox).
    assert len([line for line in lines if " rebound.http request " in line and "status=200" in line]) > len(run.answers)
    requests = [line for line in lines if " rebound.inbox inbox " in line]
    answered = [line for line in requests if f"run_id={run.id}" in line]
    assert len(answered) >= len(run.answers), "every answer's request line names the run"
    assert all("outcome=done" in line and "ms=" in line for line in answered)
    assert any("action=rb_submit" in line for line in answered)
    sends = [line for line in lines if "outbox send" in line and f"run_id={run.id}" in line]
    assert sends and all("outcome=sent" in line for line in sends)


def test_a_scheduled_reminder_logs_one_line_with_its_run(shared, dm, caplog):
    app, _ = shared
    rep = next(REPS)
    dm.command(rep, "/debrief")
    walk_to_review(dm, rep, "debrief")
    dm.click(rep, "Submit")
    run = run_store.list_runs(app.services.store, user_id=rep)[0]
    now = datetime.now(timezone.utc)
    reminders.schedule(app.services.store, f"reminder:{run.id}:logtest", "playbook_reminder", now - timedelta(minutes=1),
                       {"run_id": run.id, "reminder": "logtest", "template": "slack/at_review.md.j2", "to": "user"},
                       run_id=run.id, team=run.team, user_id=rep)
    with caplog.at_level(logging.INFO):
        assert app.services.tick(now) == []
        app.drain()
    lines = [logs.LineFormatter().format(r) for r in caplog.records]
    (sent,) = [line for line in lines if "reminder sent" in line and f"reminder:{run.id}:logtest" in line]
    assert f"run_id={run.id}" in sent


def test_nothing_logs_a_secret_even_at_debug(tmp_path, caplog):
    """Without any redaction: no code path (ours, Bolt's, slack_sdk's) writes the bot token or
    the signing secret, through a conversation, a refused token, a forged request and a crash."""
    from tests.support.rebound_app import SIGNING_SECRET, start_app
    from tests.support.slack_api import SlackApiStandIn

    token = "xoxb-debug-token-value-777"
    api = SlackApiStandIn(token=token).start()
    with caplog.at_level(logging.DEBUG):
        app = start_app(tmp_path, api)
        try:
            driver = DmDriver(app, api)
            rep = "U0REP1"
            driver.command(rep, "/debrief", "Acme renewal")
            driver.type(rep, "$120k")
            api.fail_next("chat.postMessage", error="invalid_auth")
            driver.type(rep, "not a choice")
            driver.sender.signed_with("guess").dm(rep, "forged")
            driver.sender.stale().dm(rep, "replayed")
            app.services.chat.dm = _boom
            driver.type(rep, "crash please")
        finally:
            stop_app(app)
            api.stop()
    dumped = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" + (logging.Formatter().formatException(r.exc_info)
                                                                   if r.exc_info else "") for r in caplog.records)
    assert "unexpected error" in dumped and "invalid_auth" in dumped  # the events did happen and were logged
    assert token not in dumped
    assert SIGNING_SECRET not in dumped


def _boom(*args, **kwargs):
    raise RuntimeError("a bug")
