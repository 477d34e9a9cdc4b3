"""Every start-up failure is one line, never a traceback, and none is silent: through the real
`rebound` CLI (CliRunner, or a real process where the server must run)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.support.rebound_app import stop_server
from tests.support.rebound_app import SIGNING_SECRET, write_teams


def cli(env: dict, *args: str):
    result = CliRunner().invoke(main, list(args), env=env)
    # A failure is click's one-line "Error: ..." and exit 1, never an exception escaping the command.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("Error:")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
    return {**env, **extra}


# -- REBOUND_DB --------------------------------------------------------------------------------


def test_a_db_in_a_missing_folder_is_refused_and_nothing_is_created(tmp_path):
    target = tmp_path / "rebuond" / "rebound.db"  # the typo a person makes
    result = cli({"REBOUND_DB": str(target)}, "export")
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: REBOUND_DB: the folder {target.parent} does not exist (check the path for a typo, create the "
        "folder, or set REBOUND_DB_CREATE_DIR=1 to have Rebound create it)"]
    assert not target.parent.exists()


def test_the_folder_is_created_when_asked(tmp_path):
    target = tmp_path / "data" / "deep" / "rebound.db"
    result = cli({"REBOUND_DB": str(target), "REBOUND_DB_CREATE_DIR": "1"}, "export")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []
    assert target.is_file()


def test_a_new_file_in_an_existing_folder_is_still_created_on_first_start(tmp_path):
    result = cli({"REBOUND_DB": str(tmp_path / "rebound.db")}, "export")
    assert result.exit_code == 0
    assert (tmp_path / "rebound.db").is_file()


def test_a_db_path_that_is_a_folder_is_one_line(tmp_path):
    result = cli({"REBOUND_DB": str(tmp_path)}, "export")
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: REBOUND_DB: {tmp_path} is a folder, not a database file "
                                   f"(give a file path inside it, like {tmp_path / 'rebound.db'})"]


def test_a_file_that_is_not_a_database_is_one_line_and_left_alone(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a database\n" * 100)
    result = cli({"REBOUND_DB": str(notes)}, "export")
    assert result.exit_code == 1
    [line] = error_lines(result)
    assert line.startswith(f"Error: REBOUND_DB: cannot use {notes}: it is not a SQLite database (file is not a database)")
    assert notes.read_text() == "my notes, not a database\n" * 100


def test_a_place_sqlite_cannot_write_is_one_line():
    # /proc exists for everyone and takes no new files, even for root (CI runs as root).
    result = cli({"REBOUND_DB": "/proc/rebound.db"}, "export")
    assert result.exit_code == 1
    [line] = error_lines(result)
    assert line.startswith("Error: REBOUND_DB: cannot use /proc/rebound.db: SQLite cannot open or create it here")
    assert "choose a folder this user can write to" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_database_is_one_line(tmp_path):
    target = tmp_path / "ro" / "rebound.db"
    target.parent.mkdir()
    assert cli({"REBOUND_DB": str(target)}, "export").exit_code == 0
    os.chmod(target, 0o444)
    os.chmod(target.parent, 0o555)
    try:
        result = cli({"REBOUND_DB": str(target)}, "export")
    finally:
        os.chmod(target.parent, 0o755)
        os.chmod(target, 0o644)
    assert result.exit_code == 1
    assert f"REBOUND_DB: cannot use {target}: it is read-only" in result.output


def test_serve_reports_a_bad_database_in_one_line(tmp_path, slack_api):
    teams = write_teams(tmp_path)
    result = cli({"REBOUND_DB": str(tmp_path / "missing" / "r.db"), "REBOUND_TEAMS": str(teams),
                  "SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack_api.url},
                 "serve", "--port", str(free_port()))
    assert result.exit_code == 1
    assert error_lines(result)[0].startswith(f"Error: REBOUND_DB: the folder {tmp_path / 'missing'} does not exist")
    assert slack_api.calls == []  # refused before reaching Slack


# -- REBOUND_TEAMS -----------------------------------------------------------------------------


def test_check_fails_when_the_teams_file_named_in_rebound_teams_is_missing(tmp_path):
    typo = tmp_path / "temas.yml"
    result = cli({"REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(typo)}, "check")
    assert result.exit_code == 1
    assert f"{typo}: the teams file does not exist" in result.output
    assert "1 problem(s) found" in result.output
    assert "All good" not in result.output and "skipped" not in result.output


def test_check_only_notes_a_missing_default_teams_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./teams.yml here
    result = CliRunner().invoke(main, ["check"], env={"REBOUND_DB": "r.db", "REBOUND_TEAMS": None})
    assert result.exit_code == 0, result.output
    assert "note: no teams file at teams.yml (REBOUND_TEAMS): skipped" in result.output


# -- export -o -------------------------------------------------------------------------------


def test_export_into_a_missing_folder_is_one_line(tmp_path):
    target = tmp_path / "reports" / "runs.csv"
    result = cli({"REBOUND_DB": str(tmp_path / "r.db")}, "export", "--format", "csv", "-o", str(target))
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: cannot write {target}: the folder {target.parent} does not exist"]
    assert not (tmp_path / "r.db").exists()  # refused before opening anything


def test_export_onto_a_folder_is_one_line(tmp_path):
    (tmp_path / "out.json").mkdir()
    result = cli({"REBOUND_DB": str(tmp_path / "r.db")}, "export", "-o", str(tmp_path / "out.json"))
    assert result.exit_code == 2
    assert "is a directory" in result.output


# -- serve: the port, and Slack out of reach ---------------------------------------------------


def test_serve_on_a_taken_port_is_one_line(tmp_path, slack_api):
    teams = write_teams(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli({"REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(teams),
                      "SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": slack_api.url},
                     "serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.exit_code == 1
    assert error_lines(result) == [f"Error: cannot listen on 127.0.0.1:{port}: the port is already in use "
                                   "(another Rebound, or another server); choose one with --port"]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_without_slack_keeps_retrying_and_healthz_says_why(tmp_path):
    teams = write_teams(tmp_path)
    port, nowhere = free_port(), free_port()  # nothing listens on `nowhere`: connection refused
    env = process_env(REBOUND_DB=str(tmp_path / "r.db"), REBOUND_TEAMS=str(teams), SLACK_BOT_TOKEN="xoxb-test",
                      SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=f"http://127.0.0.1:{nowhere}/api/")
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        for line in server.stderr:  # blocks until the server writes: no sleeping
            lines.append(line)
            if "try 1 failed" in line:
                break
        status, health = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503
        assert health["ok"] is False and health["slack"] == "unreachable" and health["tries"] >= 1
        assert health["reason"].startswith("ConnectionRefusedError")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=b"{}", method="POST")
        assert get_error(request) == (503, {"ok": False, "error": "slack_not_connected"})
    finally:
        server.terminate()
        _, rest = server.communicate(timeout=10)
    output = "".join(lines) + rest
    [retry] = [line for line in lines if "Slack is unreachable" in line]
    assert f"Slack is unreachable at http://127.0.0.1:{nowhere}/api/ (ConnectionRefusedError" in retry
    assert "try 1 failed, next in 1 s" in retry
    assert "Traceback" not in output


def get_error(request) -> tuple[int, dict]:
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    raise AssertionError("expected an HTTP error")



def test_serve_connects_once_slack_answers_and_healthz_follows(tmp_path, slack_api, caplog):
    """Slack answers 503 twice, then accepts the token: 503 on /healthz until then, one log line
    per failed try, then the real app answers a signed slash command."""
    import threading

    from bot.app import create_app
    from bot.config import load_settings
    from bot.services import build_services
    from bot.slack import serving
    from bot.slack.http import create_wsgi_app
    from tests.support.slack_requests import SlackSender

    settings = load_settings({"REBOUND_DB": str(tmp_path / "r.db"), "REBOUND_TEAMS": str(write_teams(tmp_path)),
                              "SLACK_BOT_TOKEN": slack_api.token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                              "SLACK_API_URL": slack_api.url})
    services = build_services(settings, teams_required=True, slack=True)
    slack_api.fail_next("auth.test", status=503, times=2)
    failed, go_on, connected = threading.Semaphore(0), threading.Semaphore(0), threading.Event()

    def delays():  # the test decides when the next try happens: no sleeping, no polling
        while True:
            failed.release()
            assert go_on.acquire(timeout=10)
            yield 0  # the wait happened above

    app = create_app(settings, services, token_verification=False)
    link = serving.SlackLink(settings.slack_api_url)
    server = serving.bind_http(serving.gate(create_wsgi_app(app, services.store), link), host="127.0.0.1",
                               port=0, threads=2)
    base = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=serving.serve_until_stopped,
                              args=(server, link, app.client, connected.set, delays()), daemon=True)
    with caplog.at_level("INFO", logger="rebound.serve"):
        thread.start()
        try:
            assert failed.acquire(timeout=10)
            assert get(f"{base}/healthz") == (503, {"ok": False, "slack": "unreachable",
                                                    "reason": "HTTP 503 internal_error", "tries": 1})
            go_on.release()
            assert failed.acquire(timeout=10)
            assert get(f"{base}/healthz")[1]["tries"] == 2
            go_on.release()
            assert connected.wait(10)
            assert get(f"{base}/healthz") == (200, {"ok": True, "database": "reachable"})
            reply = SlackSender(base, SIGNING_SECRET).command("/debrief", "Acme renewal", user_id="U0REP1")
            assert reply.status == 200 and "in our DM" in reply.json()["text"]
        finally:
            stop_server(server, thread)
            services.close()
    lines = [record.getMessage() for record in caplog.records if record.name == "rebound.serve"]
    assert [line.split(": try ")[1] for line in lines if "unreachable" in line] == ["1 failed, next in 0 s",
                                                                                    "2 failed, next in 0 s"]
    assert any(line.startswith("Slack accepted the bot token") and line.endswith("tries=3") for line in lines)
    assert len(slack_api.calls_to("auth.test")) >= 3


def test_backoff_doubles_up_to_a_minute():
    from itertools import islice

    from bot.slack.serving import backoff_delays

    assert list(islice(backoff_delays(), 9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60]
