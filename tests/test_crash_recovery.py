"""Crashes and contention: a real `rebound serve` killed with SIGKILL mid-conversation loses
no acknowledged answer, resumes where it was and sends what it had queued, once; and
concurrent writers (HTTP threads, the scheduler, the outbox, a second process) never see
"database is locked".

The crash test runs the real command in a subprocess, so it waits for that process with
bounded polls: the one place a wait is right, since its threads are not the test's.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path


from bot.config import PROJECT_ROOT
from bot.store import runs as run_store
from bot.store.db import Store, open_store
from tests.security_support import consistency_problems, duplicate_posts, stop_app
from tests.support.rebound_app import stop_server
from tests.support.rebound_app import start_app, write_teams
from tests.support.slack_requests import SlackSender

SECRET = "crash-test-signing-secret"
REP = "U0REP1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what: str, timeout: float = 20.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Serve:
    """`rebound serve` in a subprocess on a free port, logging to a file."""

    def __init__(self, tmp_path: Path, slack_api, name: str, args: tuple[str, ...] = ()):
        self.db = tmp_path / "rebound.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"{name}.log"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
        env.update({
            "REBOUND_DB": str(self.db), "REBOUND_TEAMS": str(tmp_path / "teams.yml"),
            "SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.url,
            "REBOUND_LOG_LEVEL": "INFO", "PYTHONPATH": str(PROJECT_ROOT),
        })
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads", "4",
             *args],
            env=env, cwd=tmp_path, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_for(self._healthy, f"rebound serve on port {self.port} (log: {self.log_path})")
        except AssertionError:
            self.stop()
            raise

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"rebound serve exited:\n{self.log_path.read_text()}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def slack_is_back(slack_api) -> None:
    # The stand-in has no public way to cancel failures queued with fail_next().
    with slack_api._lock:
        slack_api._failures.clear()


def outbox_rows(db: Path) -> list[tuple[str, str, str, int, str]]:
    store = Store(db)
    try:
        return store.db.execute("SELECT key, method, status, attempts, next_attempt_at FROM outbox ORDER BY id").fetchall()
    finally:
        store.close()


def quiet_moment(db: Path) -> bool:
    """Nothing being sent, every tried row waiting for a retry at least half a second away.

    Untried rows of the same conversation wait behind them (the outbox keeps a run's calls
    in order), so only the tried ones say when the next send can happen."""
    rows = outbox_rows(db)
    unsent = [row for row in rows if row[2] != "sent"]
    tried = [row for row in unsent if row[3] > 0]
    if not tried or any(row[2] == "sending" for row in unsent):
        return False
    soonest = min(datetime.fromisoformat(row[4]) for row in tried)
    return (soonest - datetime.now(timezone.utc)).total_seconds() > 0.5


def test_kill_9_mid_conversation_loses_no_acknowledged_answer_and_sends_the_queue_once(tmp_path, slack_api):
    write_teams(tmp_path)
    first = Serve(tmp_path, slack_api, "first")
    sender = SlackSender(first.url, SECRET, response_url=slack_api.response_url)
    try:
        assert sender.command("/debrief", "", user_id=REP).status == 200
        wait_for(lambda: slack_api.calls_to("chat.postMessage"), "the first question in the DM")
        # Slack starts failing: from here posts wait in the outbox, retried with backoff
        for method in ("chat.postMessage", "chat.update"):
            slack_api.fail_next(method, status=503, times=100_000)
        acknowledged = {"deal": "Acme renewal", "amount": "$120k"}
        for index, text in enumerate(acknowledged.values()):
            assert sender.dm(REP, text, event_id=f"Ev0ANSWER{index}").status == 200
        # (the answers are worked after their ack: wait for that too, so their posts are queued)
        wait_for(lambda: all(row[1] == "done" for row in inbox_rows(first.db)) and quiet_moment(first.db),
                 "the answers worked and the queued posts waiting for their retry")
        first.signal(signal.SIGSTOP)  # frozen: the next answer reaches the socket, never the app
        in_flight: dict = {}
        thread = threading.Thread(target=lambda: in_flight.update(
            reply=_try(lambda: sender.dm(REP, "Lost to a competitor", event_id="Ev0INFLIGHT"))))
        thread.start()
        time.sleep(0.2)
        first.kill9()
        thread.join(10)
    finally:
        first.stop()
    assert in_flight["reply"] is None, "the in-flight answer was never acknowledged"

    # What survived: every acknowledged answer; the queue, unsent
    store = open_store(first.db)
    run = run_store.find_active(store, REP, "debrief")
    assert {k: run.answers.get(k) for k in acknowledged} == {"deal": "Acme renewal",
                                                            "amount": {"amount": 120000, "currency": "USD"}}
    assert "primary_reason" not in run.answers
    store.close()
    queued = [row for row in outbox_rows(first.db) if row[2] != "sent"]
    assert queued and all(row[2] == "pending" for row in queued)

    slack_is_back(slack_api)
    calls_before = len(slack_api.calls)
    second = Serve(tmp_path, slack_api, "second")
    sender = SlackSender(second.url, SECRET, response_url=slack_api.response_url)
    try:
        # The worker drains on its own: every post queued before the crash goes out
        wait_for(lambda: all(row[2] == "sent" for row in outbox_rows(second.db)), "the queue to drain after restart")
        sent_after = [c for c in slack_api.calls[calls_before:]
                      if c.method in ("chat.postMessage", "chat.update") and (c.response or {}).get("ok")]
        assert len(sent_after) == len(queued), "each queued post sent once"
        # Slack retries the answer that got no 200, and redelivers one that did: each counts once
        assert sender.dm(REP, "Lost to a competitor", event_id="Ev0INFLIGHT", retry_num=1).status == 200
        assert sender.dm(REP, "$999k", event_id="Ev0ANSWER1", retry_num=1).status == 200
        assert sender.dm(REP, "Samsara", event_id="Ev0NEXT").status == 200  # the conversation goes on
        wait_for(lambda: all(row[1] != "waiting" for row in inbox_rows(second.db))
                 and all(row[2] == "sent" for row in outbox_rows(second.db)), "the new answers worked and posted")
    finally:
        second.stop()

    store = open_store(first.db)
    try:
        run = run_store.find_active(store, REP, "debrief")
        assert run.answers["amount"] == {"amount": 120000, "currency": "USD"}
        assert run.answers["primary_reason"] == "competitor" and run.answers["competitor"] == "Samsara"
        assert run_store.history_of(store, run.id) == []
        assert store.db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0
    finally:
        store.close()
    assert duplicate_posts(slack_api) == []
    logs = first.log_path.read_text() + second.log_path.read_text()
    assert f"run_id={run.id}" in logs and " INFO rebound.http request path=/slack/events status=200" in logs
    assert slack_api.token not in logs and SECRET not in logs
    assert "Traceback" not in logs and "database is locked" not in logs


def inbox_rows(db: Path) -> list[tuple[str, str, int]]:
    """The requests in the inbox file beside the database ``db``."""
    store = Store(db.with_name(f"{db.stem}.inbox{db.suffix}"))
    try:
        return store.db.execute("SELECT dedup_key, status, attempts FROM inbox ORDER BY id").fetchall()
    finally:
        store.close()


def test_kill_9_between_the_ack_and_the_work_does_the_work_once_after_restart(tmp_path, slack_api):
    """Acknowledged requests wait in the inbox (here a server that works none: --inbox-threads 0)
    when the process is killed; the next server works each exactly once, Slack's retries too."""
    write_teams(tmp_path)
    first = Serve(tmp_path, slack_api, "first", args=("--inbox-threads", "0"))
    sender = SlackSender(first.url, SECRET, response_url=slack_api.response_url)
    try:
        assert sender.command("/debrief", "", user_id=REP).status == 200
        assert sender.dm(REP, "Acme renewal", event_id="Ev0KILL0").status == 200
        assert sender.dm(REP, "$120k", event_id="Ev0KILL1").status == 200
        first.kill9()
    finally:
        first.stop()
    rows = inbox_rows(first.db)
    assert [row[1:] for row in rows] == [("waiting", 0)] * 3  # acknowledged and stored, not worked
    assert [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("channel") in (REP, "D" + REP)] == []
    assert slack_api.calls_to("response_url") == []
    store = open_store(first.db)
    assert run_store.find_active(store, REP, "debrief") is None
    store.close()

    second = Serve(tmp_path, slack_api, "second")
    sender = SlackSender(second.url, SECRET, response_url=slack_api.response_url)
    try:
        def all_done() -> bool:
            return (all(row[1] == "done" for row in inbox_rows(second.db))
                    and all(row[2] == "sent" for row in outbox_rows(second.db)))

        wait_for(all_done, "the inbox to be worked and its posts sent after restart")
        # Slack redelivers an event it has an ack for, and retries one: each is the same request
        assert sender.dm(REP, "$120k", event_id="Ev0KILL1", retry_num=1).status == 200
        assert sender.dm(REP, "Lost to a competitor", event_id="Ev0KILL2").status == 200
        wait_for(lambda: all_done() and len(inbox_rows(second.db)) == 4, "the next answer")
    finally:
        second.stop()
    assert [row[1:] for row in inbox_rows(first.db)] == [("done", 1)] * 4
    store = open_store(first.db)
    try:
        run = run_store.find_active(store, REP, "debrief")
        assert run.answers == {"deal": "Acme renewal", "amount": {"amount": 120000, "currency": "USD"},
                               "primary_reason": "competitor"}
        assert run_store.history_of(store, run.id) == []
    finally:
        store.close()
    (reply,) = slack_api.calls_to("response_url")  # the command's reply, once
    assert "in our DM" in reply.params["text"]
    assert duplicate_posts(slack_api) == []
    logs = first.log_path.read_text() + second.log_path.read_text()
    assert f"run_id={run.id}" in logs and "outcome=done" in logs and "Traceback" not in logs


def _try(call):
    try:
        return call()
    except OSError:  # the connection died with the process: no acknowledgement
        return None


# -- contention ----------------------------------------------------------------------------------


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage() + (self.formatException(record.exc_info) if record.exc_info else ""))

    formatException = logging.Formatter().formatException  # noqa: N815 - logging's naming


def test_concurrent_writers_never_see_database_is_locked(tmp_path, slack_api):
    """HTTP threads, the scheduler, the outbox sender and a second process's connection all
    write at once for a few seconds; WAL and the busy timeout make them take turns."""
    from tests.security_support import TEAMS_YAML, WEST_REPS

    write_teams(tmp_path, TEAMS_YAML)
    app = start_app(tmp_path, slack_api)
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    other_process = Store(tmp_path / "rebound.db")  # a second process's connection (`rebound status`, forget...)
    stop = threading.Event()
    statuses: list[int] = []
    failures: list[str] = []

    def rep(user: str) -> None:
        sender = SlackSender(app.url, "test-signing-secret", response_url=slack_api.response_url)
        n = 0
        while not stop.is_set():
            n += 1
            for reply in (sender.command("/debrief", f"Deal {n}", user_id=user), sender.dm(user, "$120k"),
                          sender.dm(user, "not a reason"), sender.event({"type": "app_home_opened", "user": user})):
                statuses.append(reply.status)
            if n % 3 == 0:
                run = run_store.find_active(app.services.store, user, "debrief")
                if run:
                    sender.action(user, "rb_cancel", value=json.dumps({"r": run.id}))

    def background(name: str, work) -> None:
        while not stop.is_set():
            try:
                work()
            except Exception as error:  # the test reports any failure, "database is locked" above all
                failures.append(f"{name}: {type(error).__name__}: {error}")
                return

    def other_writer() -> None:
        with other_process.transaction() as db:
            db.execute("INSERT OR IGNORE INTO deliveries (key, received_at) VALUES (?, ?)",
                       [f"other:{time.monotonic_ns()}", "2026-11-23T09:00:00+00:00"])

    threads = [threading.Thread(target=rep, args=(user,)) for user in WEST_REPS[:6]]
    threads += [threading.Thread(target=background, args=("ticker", lambda: app.services.tick())),
                threading.Thread(target=background, args=("outbox", lambda: app.services.drain(limit=20))),
                threading.Thread(target=background, args=("other process", other_writer))]
    try:
        for thread in threads:
            thread.start()
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(20)
        logging.getLogger().removeHandler(recorder)
        other_process.close()
    try:
        assert failures == []
        assert len(statuses) > 100 and set(statuses) == {200}
        locked = [line for line in recorder.lines if "locked" in line.lower()]
        assert locked == []
        assert [line for line in recorder.lines if "unexpected error" in line] == []
        assert app.services.store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert consistency_problems(app.services) == []
    finally:
        stop_app(app)


def test_an_answer_is_acknowledged_only_once_it_is_stored(tmp_path, slack_api):
    """`rebound serve` builds the app with create_app's defaults: Slack's 200 follows the commit
    of the request to the inbox, so a process that dies before that never acknowledged it
    (Slack retries it), and one that dies after it works it after the restart."""
    import waitress

    from bot.app import create_app
    from bot.config import load_settings
    from bot.slack.http import create_wsgi_app
    from bot.services import build_services

    write_teams(tmp_path)
    settings = load_settings({"REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml"),
                              "SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": SECRET,
                              "SLACK_API_URL": slack_api.url})
    services = build_services(settings, teams_required=True, slack=True)
    app = create_app(settings, services)  # the defaults, as in `rebound serve` (its worker threads not started)
    server = waitress.create_server(create_wsgi_app(app, services.store, inbox=services.inbox),
                                    host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        sender = SlackSender(f"http://127.0.0.1:{server.effective_port}", SECRET)
        assert sender.command("/debrief", "", user_id=REP).status == 200
        assert sender.dm(REP, "Acme renewal", event_id="Ev0STORED").status == 200
        # no waiting: acknowledged means committed, as another process reads it
        assert [row[:2] for row in inbox_rows(tmp_path / "r.db")] == [
            (row[0], "waiting") for row in inbox_rows(tmp_path / "r.db")]
        assert inbox_rows(tmp_path / "r.db")[1][0] == "event:Ev0STORED"
        assert services.inbox.drain() == 2
        assert run_store.find_active(services.store, REP, "debrief").answers == {"deal": "Acme renewal"}
    finally:
        stop_server(server, thread)
        services.close()
