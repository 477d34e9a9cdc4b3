"""The durable inbox: the ack stores the request, the work comes after it (bot.slack.inbox_worker).

Slack retrying while a request waits, one person's requests kept in order while workers take
many people's at once, a request that always fails set aside without blocking anyone, the
command's reply through its response_url, and `rebound status` showing what waits. The kill -9
between the ack and the work is in tests/test_crash_recovery.py (a real `rebound serve`).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from urllib.parse import urlencode

from click.testing import CliRunner

from bot import clock
from bot.cli.main import main
from bot.store import inbox
from bot.store import runs as run_store
from tests.security_support import TEAMS_YAML, WEST_REPS, consistency_problems, stop_app
from tests.support.rebound_app import SIGNING_SECRET, start_app, write_teams
from tests.support.slack_requests import SlackSender

REP, OTHER = "U0REP1", "U0REP2"
# Four answers in a row that only fit in this order: a deal name, an amount, a reason, a competitor.
ANSWERS = ["Acme renewal", "$120k", "Lost to a competitor", "Samsara"]
EXPECTED = {"deal": "Acme renewal", "amount": {"amount": 120000, "currency": "USD"},
            "primary_reason": "competitor", "competitor": "Samsara"}


def inbox_rows(store) -> list[tuple]:
    return store.db.execute("SELECT dedup_key, user_id, status, attempts, retry_num FROM inbox ORDER BY id").fetchall()


def test_the_ack_stores_the_request_and_the_work_comes_after_it(tmp_path, slack_api):
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        reply = sender.command("/debrief", "", user_id=REP)
        assert (reply.status, reply.body) == (200, b"")
        assert [row[1:] for row in inbox_rows(app.services.inbox_store)] == [(REP, "waiting", 0, 0)]
        assert run_store.find_active(app.services.store, REP, "debrief") is None  # not worked yet
        assert slack_api.calls_to("response_url") == []

        assert app.services.inbox.drain() == 1
        assert [row[2:] for row in inbox_rows(app.services.inbox_store)] == [("done", 1, 0)]
        assert run_store.find_active(app.services.store, REP, "debrief") is not None
        app.drain()
        (shown,) = slack_api.calls_to("response_url")  # the command's reply, after the ack
        assert "in our DM" in shown.params["text"] and shown.params["response_type"] == "ephemeral"
        assert app.services.inbox.drain() == 0
    finally:
        stop_app(app)


def test_slack_retrying_while_the_request_waits_stores_it_once_and_works_it_once(tmp_path, slack_api):
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        sender.command("/debrief", "", user_id=REP)
        app.drain()
        assert sender.dm(REP, "Acme renewal", event_id="Ev0DEAL").status == 200
        # Slack heard nothing in time (say) and sends the same event twice more while it waits
        assert sender.dm(REP, "Acme renewal", event_id="Ev0DEAL", retry_num=1).status == 200
        assert sender.dm(REP, "Acme renewal", event_id="Ev0DEAL", retry_num=2).status == 200
        rows = inbox_rows(app.services.inbox_store)
        assert [row for row in rows if row[0] == "event:Ev0DEAL"] == [("event:Ev0DEAL", REP, "waiting", 0, 0)]
        assert len(rows) == 2

        assert app.services.inbox.drain() == 1
        run = run_store.find_active(app.services.store, REP, "debrief")
        assert run.answers == {"deal": "Acme renewal"} and run.cursor == "amount"
        # and once it is done, a late retry is still the same request
        assert sender.dm(REP, "Acme renewal", event_id="Ev0DEAL", retry_num=3).status == 200
        assert app.services.inbox.drain() == 0
        assert run_store.history_of(app.services.store, run.id) == []
        app.drain()
        posts = [c.params for c in slack_api.calls_to("chat.postMessage") if c.params.get("channel") in (REP, "D" + REP)]
        assert [p["text"] for p in posts].count(posts[-1]["text"]) == 1 and "worth" in posts[-1]["text"]
        assert len(posts) == 3, [p["text"] for p in posts]  # intro, the first question, the second: nothing twice
    finally:
        stop_app(app)


def test_one_persons_requests_keep_their_order_while_workers_take_many_people_at_once(tmp_path, slack_api):
    write_teams(tmp_path, TEAMS_YAML)
    app = start_app(tmp_path, slack_api, inline=False)
    reps = WEST_REPS[:8]
    worker = app.services.inbox.start(4)
    try:
        senders = {rep: SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url) for rep in reps}
        for rep in reps:
            senders[rep].command("/debrief", "", user_id=rep)
        barrier = threading.Barrier(len(reps))
        statuses: list[int] = []

        def person(rep: str) -> None:
            barrier.wait()
            for text in ANSWERS:  # typed as fast as the ack comes back, before any is worked
                statuses.append(senders[rep].dm(rep, text).status)

        threads = [threading.Thread(target=person, args=(rep,)) for rep in reps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        worker.stop()
        app.services.inbox.drain()  # whatever the threads had not reached yet
        assert statuses == [200] * len(reps) * len(ANSWERS)
        for rep in reps:
            run = run_store.find_active(app.services.store, rep, "debrief")
            assert run.answers == EXPECTED, rep
            assert run_store.history_of(app.services.store, run.id) == []
        done = app.services.inbox_store.db.execute(
            "SELECT user_id, id, done_at FROM inbox WHERE kind = 'event:message' ORDER BY done_at, id").fetchall()
        for rep in reps:
            ids = [row[1] for row in done if row[0] == rep]
            assert ids == sorted(ids) and len(ids) == len(ANSWERS), rep
        app.drain()
        assert consistency_problems(app.services) == []
    finally:
        worker.stop()
        stop_app(app)


def test_a_request_that_always_fails_is_set_aside_after_three_tries_and_blocks_no_one(tmp_path, slack_api, caplog):
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    real_dm = app.services.chat.dm

    def dm(user, channel, text, event_id=None):
        if text == "poison":
            raise RuntimeError("a bug this text always hits")
        return real_dm(user, channel, text, event_id)

    app.services.chat.dm = dm
    try:
        for user in (REP, OTHER):
            sender.command("/debrief", "", user_id=user)
        app.drain()
        sender.dm(REP, "poison", event_id="Ev0POISON")
        sender.dm(REP, "Acme renewal", event_id="Ev0AFTER")  # waits: REP's requests keep their order
        sender.dm(OTHER, "Globex", event_id="Ev0OTHER")  # does not wait for REP's
        now = clock.now()
        with caplog.at_level(logging.WARNING, logger="rebound.inbox"):
            assert app.services.inbox.drain(now) == 2  # the poison (1st try) and OTHER's answer
            assert run_store.find_active(app.services.store, OTHER, "debrief").answers == {"deal": "Globex"}
            assert run_store.find_active(app.services.store, REP, "debrief").answers == {}
            assert app.services.inbox.drain(now + timedelta(seconds=0.4)) == 0  # 1st retry due after 0.5 s
            assert app.services.inbox.drain(now + timedelta(seconds=0.6)) == 1  # 2nd try; 3rd after 2 s more
            assert app.services.inbox.drain(now + timedelta(seconds=2.5)) == 0
            assert app.services.inbox.drain(now + timedelta(seconds=2.7)) == 2  # 3rd try: set aside; then the next
        poison = inbox.get(app.services.inbox_store, 3)
        assert (poison.dedup_key, poison.status, poison.attempts) == ("event:Ev0POISON", "set_aside", 3)
        assert run_store.find_active(app.services.store, REP, "debrief").answers == {"deal": "Acme renewal"}
        set_aside = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(set_aside) == 1 and f"inbox id={poison.id}" in set_aside[0].getMessage()
        assert set_aside[0].exc_info and "always hits" in str(set_aside[0].exc_info[1])
        reference = set_aside[0].getMessage().split("ref=")[1][:8]
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2  # tries 1 and 2
        app.drain()
        told = [c.params for c in slack_api.calls_to("chat.postMessage")
                if c.params.get("channel") in (REP, "D" + REP) and "went wrong" in json.dumps(c.params)]
        assert len(told) == 1 and reference in json.dumps(told[0]) and "always hits" not in json.dumps(told[0])
        assert not [c for c in slack_api.calls_to("chat.postMessage")
                    if c.params.get("channel") in (OTHER, "D" + OTHER) and "went wrong" in json.dumps(c.params)]

        status = CliRunner().invoke(main, ["status"], env={"REBOUND_DB": str(tmp_path / "rebound.db"),
                                                           "REBOUND_TEAMS": str(tmp_path / "teams.yml")})
        assert "Inbox: 0 waiting, 1 set aside, 4 done" in status.output, status.output
        assert f"#{poison.id} event:message from {REP}" in status.output
    finally:
        stop_app(app)


def test_status_shows_the_inbox_depth_and_its_oldest_waiting_request(tmp_path, slack_api):
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        sender.command("/debrief", "", user_id=REP)
        sender.dm(OTHER, "hello", event_id="Ev0HELLO")
        env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}
        result = CliRunner().invoke(main, ["status"], env=env)
        assert "Inbox: 2 waiting, 0 set aside, 0 done" in result.output, result.output
        assert f"Database: {tmp_path / 'rebound.db'} (inbox: {tmp_path / 'rebound.inbox.db'})" in result.output
        assert f"Oldest waiting: #1 command:/debrief from {REP}, received " in result.output
        data = json.loads(CliRunner().invoke(main, ["status", "--json"], env=env).output)
        assert data["inbox"]["waiting"] == 2 and data["inbox"]["oldest_waiting"]["id"] == 1
        assert data["inbox"]["oldest_waiting"]["waiting_seconds"] >= 0
        app.services.inbox.drain()
        result = CliRunner().invoke(main, ["status"], env=env)
        assert "Inbox: 0 waiting, 0 set aside, 2 done" in result.output and "Oldest waiting" not in result.output
    finally:
        stop_app(app)


def test_finished_requests_are_forgotten_after_two_days_and_waiting_ones_never(tmp_path, slack_api):
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        sender.command("/debrief", "", user_id=REP)
        app.services.inbox.drain()
        sender.dm(OTHER, "hello", event_id="Ev0LATER")  # still waiting
        assert inbox.get(app.services.inbox_store, 1).status == "done"
        finished = app.services.inbox_store.db.execute("SELECT done_at FROM inbox WHERE id = 1").fetchone()[0]
        at = datetime.fromisoformat(finished)
        assert app.services.inbox.prune(at + timedelta(days=2) - timedelta(seconds=1)) == 0
        app.services.tick(at + timedelta(days=2, seconds=1))  # the scheduled task
        assert [row[0] for row in inbox_rows(app.services.inbox_store)] == ["event:Ev0LATER"]
        assert app.services.inbox.prune(at + timedelta(days=30)) == 0
    finally:
        stop_app(app)


def test_forget_deletes_a_persons_stored_requests_waiting_or_done(tmp_path, slack_api):
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        sender.command("/debrief", "", user_id=REP)
        app.services.inbox.drain()
        sender.dm(REP, "Acme renewal, which I'd rather you forgot", event_id="Ev0SECRET")  # still waiting
        sender.dm(OTHER, "hello", event_id="Ev0KEPT")
        env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}
        result = CliRunner().invoke(main, ["forget", "--user", REP, "--yes"], env=env)
        assert result.exit_code == 0, result.output
        assert [row[:3] for row in inbox_rows(app.services.inbox_store)] == [("event:Ev0KEPT", OTHER, "waiting")]
    finally:
        stop_app(app)


def test_a_command_reply_goes_only_to_slacks_host_and_is_not_retried_elsewhere(tmp_path, slack_api):
    from bot.store import outbox

    app = start_app(tmp_path, slack_api)
    try:
        elsewhere = SlackSender(app.url, SIGNING_SECRET, response_url="https://evil.example/hook")
        assert elsewhere.command("/debrief", "", user_id=REP).status == 200
        app.drain()
        (row,) = [i for i in outbox.pending_and_failed(app.services.store) if i.method == "response_url"]
        assert (row.status, row.last_error) == ("failed", "untrusted_response_url: a command's response_url not on Slack's host")
        assert slack_api.calls_to("response_url") == [] and row.attempts == 1
        assert app.drain() == 0  # nothing left to retry
    finally:
        stop_app(app)


def test_the_command_reply_is_enqueued_under_the_method_the_sender_and_scopes_know():
    from bot.outbox.response_urls import COMMAND_REPLY
    from bot.slack.scopes import METHOD_SCOPES, outbox_calls

    calls = [call for call in outbox_calls() if call.path.name == "inbox_worker.py"]
    assert [call.method for call in calls] == [COMMAND_REPLY] and METHOD_SCOPES[COMMAND_REPLY] == ()


def test_the_ack_does_not_wait_for_work_holding_the_databases_write_lock(tmp_path, slack_api):
    """The inbox is a file of its own: while a worker's transaction holds the main database's
    write lock (here held on purpose until the ack is back), a request is still stored and
    answered. With the inbox in the main database this request waited for the lock to go."""
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    answered: list[int] = []
    try:
        with app.services.store.transaction() as db:  # as a worker's replay does, for its whole work
            db.execute("INSERT INTO inbox_worked (dedup_key, inbox_id, worked_at) VALUES ('held', 0, 'x')")
            thread = threading.Thread(target=lambda: answered.append(sender.command("/debrief", "", user_id=REP).status))
            thread.start()
            thread.join(10)  # a safety net, not a timing: the lock is released only after this
            assert answered == [200]
            assert [row[1:3] for row in inbox_rows(app.services.inbox_store)] == [(REP, "waiting")]
        assert app.services.inbox.drain() == 1
        assert run_store.find_active(app.services.store, REP, "debrief") is not None
    finally:
        stop_app(app)


def test_a_request_worked_whose_done_mark_was_lost_is_not_worked_again(tmp_path, slack_api, caplog):
    """The crash between the two commits: the effects and their record are in the database, the
    inbox file still says waiting. Taken again, it is marked done and changes nothing."""
    app = start_app(tmp_path, slack_api, inline=False)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        sender.command("/debrief", "", user_id=REP)
        sender.dm(REP, "Acme renewal", event_id="Ev0ONCE")
        assert app.services.inbox.drain() == 2
        run = run_store.find_active(app.services.store, REP, "debrief")
        assert run.answers == {"deal": "Acme renewal"} and run.cursor == "amount"
        with app.services.inbox_store.transaction() as db:  # as if the process died before this commit
            db.execute("UPDATE inbox SET status = 'waiting', done_at = NULL WHERE dedup_key = 'event:Ev0ONCE'")
        with caplog.at_level(logging.INFO, logger="rebound.inbox"):
            assert app.services.inbox.drain() == 1
        assert "outcome=done_before" in caplog.text
        again = run_store.find_active(app.services.store, REP, "debrief")
        assert (again.answers, again.cursor) == ({"deal": "Acme renewal"}, "amount")
        assert run_store.history_of(app.services.store, run.id) == []  # "Acme renewal" was not typed twice
        assert [row[2] for row in inbox_rows(app.services.inbox_store)] == ["done", "done"]
    finally:
        stop_app(app)


def test_requests_an_older_database_kept_move_to_the_inbox_file_and_are_worked_once(tmp_path, slack_api):
    """Upgrading: a database from before the inbox file holds its requests in its own ``inbox``
    table. The waiting ones are worked after the upgrade; a done one is not worked again when
    Slack retries it late."""
    from bot.store.db import open_store

    write_teams(tmp_path)
    old = open_store(tmp_path / "rebound.db")
    now = inbox.to_iso(clock.now())
    body_command = urlencode({"team_id": "T0TEST", "channel_id": "D0REP1", "user_id": REP, "user_name": "rep",
                              "command": "/debrief", "text": "", "api_app_id": "A0REBOUND",
                              "response_url": slack_api.response_url + "/command/1", "trigger_id": "T0WAIT"})
    with old.transaction() as db:
        for key, kind, status, body in [("command:T0DONE", "command:/debrief", "done", body_command),
                                        ("command:T0WAIT", "command:/debrief", "waiting", body_command)]:
            db.execute("INSERT INTO inbox (dedup_key, kind, user_id, body, content_type, status, attempts, not_before,"
                       " received_at, done_at) VALUES (?, ?, ?, ?, 'application/x-www-form-urlencoded', ?, ?, ?, ?, ?)",
                       [key, kind, REP, body, status, 1 if status == "done" else 0, now, now,
                        now if status == "done" else None])
    old.close()
    app = start_app(tmp_path, slack_api, inline=False)
    try:
        assert app.services.store.db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 0
        assert [row[0] for row in app.services.store.db.execute("SELECT dedup_key FROM inbox_worked")] == ["command:T0DONE"]
        assert [(row[0], row[2]) for row in inbox_rows(app.services.inbox_store)] == [
            ("command:T0DONE", "done"), ("command:T0WAIT", "waiting")]
        assert app.services.inbox.drain() == 1
        assert run_store.find_active(app.services.store, REP, "debrief") is not None
        assert [row[2] for row in inbox_rows(app.services.inbox_store)] == ["done", "done"]
    finally:
        stop_app(app)


def test_background_work_waits_while_a_request_is_being_acknowledged():
    """AckPriority: the inbox's workers and the outbox's senders yield before each piece of
    work while an ack is in progress (at most a moment), and go on at once when none is."""
    from bot.jobs.threads import AckPriority

    acks = AckPriority()
    acks.yield_to_acks(at_most=10)  # none in progress: returns at once (a hang would time the test out)
    went_on = threading.Event()
    acks.started()
    acks.started()
    waiter = threading.Thread(target=lambda: (acks.yield_to_acks(at_most=10), went_on.set()))
    waiter.start()
    assert not went_on.wait(0.2)  # two acks in progress
    acks.finished()
    assert not went_on.wait(0.2)  # one still is
    acks.finished()
    assert went_on.wait(5)
    waiter.join(5)


def test_the_outboxs_senders_yield_to_acks_before_each_send(tmp_path, slack_api):
    app = start_app(tmp_path, slack_api)
    sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)
    try:
        sender.command("/debrief", "", user_id=REP)  # queues the reply, the intro and the first question
        pauses: list[int] = []
        report = app.services.sender.drain(pause=lambda: pauses.append(len(slack_api.calls)))
        assert report.sent >= 3
        assert len(pauses) == report.sent + 1  # before each claim, and before the one that found none
        assert pauses == sorted(pauses) and pauses[0] < pauses[-1]
    finally:
        stop_app(app)
