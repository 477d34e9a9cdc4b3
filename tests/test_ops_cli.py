"""`rebound status`, `rebound forget` and `rebound export --user`, end to end on a real SQLite file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.config import PROJECT_ROOT, load_settings
from bot.store import jobs, outbox, reminders
from bot.store import runs as run_store
from bot.store.db import open_store
from tests.support.rebound_app import write_teams

EXAMPLES = PROJECT_ROOT / "examples" / "answers"
TOKEN = "xoxb-1234567890-SECRETTOKENVALUE"
SIGNING = "signing-secret-value-0123456789"
POST = {"channel": "C0WEST", "text": "Weekly summary", "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                                                "text": "hi"}}]}


@pytest.fixture
def env(tmp_path):
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(write_teams(tmp_path)),
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING}


@pytest.fixture
def store(env):
    store = open_store(env["REBOUND_DB"])
    yield store
    store.close()


def invoke(env, *args, input=None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def submit(env, *runs: tuple[str, str]):
    """Submit (user, playbook) runs from the example answers, as `rebound try --answers` does."""
    import yaml

    from bot.services import build_services
    from bot.cli.terminal import TerminalSession

    services = build_services(load_settings(env))
    try:
        for user, playbook in runs:
            answers = yaml.safe_load((EXAMPLES / f"{playbook}.yml").read_text(encoding="utf-8"))
            assert TerminalSession(services, user, write=lambda *_: None).run_scripted(playbook, answers) == 0
    finally:
        services.close()


# -- status -------------------------------------------------------------------------------------


def test_status_of_a_new_install_shows_empty_queues_and_each_teams_schedule(env, store):
    result = invoke(env, "status")
    assert result.exit_code == 0, result.output
    assert "Outbox: 0 pending, 0 sending, 0 failed, 0 sent" in result.output
    assert "bot token set" in result.output and "signing secret set" in result.output
    assert "west (West Enterprise) to C0WEST: monday 09:00 (America/Los_Angeles), next 20" in result.output
    assert "none posted yet" in result.output


def test_status_shows_pending_and_failed_items_reminders_and_the_last_summary_per_team(env, store):
    now = datetime.now(timezone.utc)
    outbox.enqueue(store, "summary-page:west:2026-W47:1", "chat.postMessage", POST, team="west")
    (refused,) = outbox.claim_due(store, now, 1)
    outbox.mark_failed(store, refused.id, "not_in_channel")
    outbox.enqueue(store, "weekly:west:2026-W47:0", "chat.postMessage", POST, team="west")
    (sent,) = outbox.claim_due(store, now, 1)
    outbox.mark_sent(store, sent.id, {"channel": "C0WEST", "ts": "1.2"})
    outbox.enqueue(store, "submit:r1:0:C0WEST", "chat.postMessage", POST, run_id="r1", team="west")
    reminders.schedule(store, "reminder:r2:midpoint", "playbook_reminder", now + timedelta(days=3), {},
                       run_id="r2", team="west")
    jobs.claim(store, "weekly_summary:west:2026-W47", "test")
    jobs.complete(store, "weekly_summary:west:2026-W47", {"posts": 1, "keys": [sent.key], "reason": None})

    result = invoke(env, "status")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Outbox: 1 pending, 0 sending, 1 failed, 1 sent" in out
    failed = out.split("Failed")[1].split("Waiting")[0]
    assert "summary-page:west:2026-W47:1" in failed and "not_in_channel" in failed and "channel=C0WEST" in failed
    assert "submit:r1:0:C0WEST" in out.split("Waiting to be sent")[1]
    assert "Scheduled reminders: 1" in out and "reminder:r2:midpoint" in out
    assert "west (West Enterprise)" in out and "last 2026-W47 at" in out and "1 post(s) (1 sent)" in out
    assert "emea (EMEA Mid-Market)" in out.split("Weekly summaries:")[1]

    data = json.loads(invoke(env, "status", "--json").output)
    assert data["outbox"]["counts"] == {"pending": 1, "sending": 0, "failed": 1, "sent": 1}
    assert [i["last_error"] for i in data["outbox"]["failed"]] == ["not_in_channel"]
    assert {s["team"]: (s["last"] or {}).get("week") for s in data["summaries"]} == {"west": "2026-W47", "emea": None}


def test_status_never_shows_a_secret(env, store):
    now = datetime.now(timezone.utc)
    outbox.enqueue(store, "k", "chat.postMessage", POST)
    (item,) = outbox.claim_due(store, now, 1)
    # a reason that, one day, quotes a token back (an error message from a proxy, say)
    outbox.mark_failed(store, item.id, f"invalid_auth: token {TOKEN} rejected; also xapp-1-A0-9999-abcdef")
    for args in (["status"], ["status", "--json"]):
        out = invoke(env, *args).output
        assert TOKEN not in out and SIGNING not in out and "xapp-1-A0" not in out
        assert "invalid_auth" in out and "[redacted]" in out


# -- forget and export ---------------------------------------------------------------------------


def _seed_slack_rows(store, user):
    """What a Slack conversation leaves beside the run: its posts, a reminder, a note to the person."""
    for run in run_store.list_runs(store, user_id=user):
        outbox.enqueue(store, f"summary:{run.id}", "chat.postMessage", {**POST, "channel": user}, run_id=run.id)
        reminders.schedule(store, f"reminder:{run.id}:check", "playbook_reminder",
                           datetime.now(timezone.utc) + timedelta(days=9), {}, run_id=run.id, user_id=user)
    outbox.enqueue(store, f"note:{user}:abc", "chat.postMessage", {**POST, "channel": user})


def test_forget_asks_then_deletes_the_persons_runs_answers_posts_and_reminders(env, store):
    submit(env, ("U0REP1", "debrief"), ("U0REP1", "graceful-no"), ("U0REP2", "debrief"))
    _seed_slack_rows(store, "U0REP1")
    _seed_slack_rows(store, "U0REP2")
    answers = sum(len(r.answers) for r in run_store.list_runs(store, user_id="U0REP1"))

    declined = invoke(env, "forget", "--user", "U0REP1", input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert f"2 runs, {answers} answers" in declined.output and "3 messages (queued or sent), 2 reminders" in declined.output
    assert len(run_store.list_runs(store, user_id="U0REP1")) == 2

    result = invoke(env, "forget", "--user", "U0REP1", input="y\n")
    assert result.exit_code == 0, result.output
    assert f"Deleted 2 runs, {answers} answers" in result.output and "for U0REP1." in result.output
    assert run_store.list_runs(store, user_id="U0REP1") == []
    for table in ("answers", "answer_history", "outbox", "reminders"):
        left = store.db.execute(f"SELECT COUNT(*) FROM {table} WHERE "
                                + ("run_id IN (SELECT id FROM runs)" if table != "outbox" else "1") ).fetchone()[0]
        total = store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert left == total, f"{table} keeps rows of deleted runs"
    assert "U0REP1" not in json.dumps(store.db.execute("SELECT key, payload FROM outbox").fetchall())
    assert store.db.execute("SELECT COUNT(*) FROM reminders WHERE user_id = 'U0REP1'").fetchone()[0] == 0
    # the other rep keeps everything
    assert len(run_store.list_runs(store, user_id="U0REP2")) == 1
    assert store.db.execute("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%U0REP2%'").fetchone()[0] == 2

    again = invoke(env, "forget", "--user", "U0REP1", "--yes")
    assert again.exit_code == 0 and "stores nothing about U0REP1" in again.output


def test_forget_with_yes_does_not_ask(env, store):
    submit(env, ("U0REP1", "debrief"))
    result = invoke(env, "forget", "--user", "U0REP1", "--yes")
    assert result.exit_code == 0 and result.output.startswith("Deleted 1 run, ") and "answers" in result.output
    assert run_store.list_runs(store) == []


def test_export_user_gives_back_only_that_persons_runs(env):
    submit(env, ("U0REP1", "debrief"), ("U0REP1", "recover"), ("U0REP2", "debrief"))
    records = json.loads(invoke(env, "export", "--format", "json", "--user", "U0REP1").output)
    assert sorted(r["playbook"] for r in records) == ["debrief", "recover"]
    assert {r["user_id"] for r in records} == {"U0REP1"}
    debrief = next(r for r in records if r["playbook"] == "debrief")
    assert debrief["answers"]["deal"] and debrief["answers"]["amount"] == {"amount": 120000, "currency": "USD"}
    csv_out = invoke(env, "export", "--format", "csv", "--user", "U0REP2").output.splitlines()
    assert len(csv_out) == 2 and "U0REP2" in csv_out[1] and "U0REP1" not in "\n".join(csv_out)
    invoke(env, "forget", "--user", "U0REP1", "--yes")
    assert json.loads(invoke(env, "export", "--format", "json", "--user", "U0REP1").output) == []


@pytest.mark.parametrize("command", ["status", "forget"])
def test_help_ends_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    description = result.output.split("Options:")[0]
    assert description.rstrip().splitlines()[-1].strip().startswith("rebound " + command)


def test_settings_never_show_their_secrets(env):
    settings = load_settings(env)
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert TOKEN not in text and SIGNING not in text
