"""Socket Mode end to end: the real slack_bolt SocketModeHandler (slack_sdk's built-in client)
connects to a local websocket stand-in, and the HTTP endpoint's size and shape checks apply."""

from __future__ import annotations

import json
import logging

import pytest

from bot.app import create_app
from bot.config import load_settings
from bot.services import build_services
from bot.slack.http import MAX_BODY_BYTES
from bot.slack.socket_mode import CheckedSocketModeHandler, envelope_problem
from bot.store import runs as run_store
from tests.support.rebound_app import write_teams
from tests.support.slack_api import TEAM_ID
from tests.support.slack_requests import APP_ID
from tests.support.socket_mode import SocketModeStandIn

REP = "U0REP1"


@pytest.fixture
def socket_app(tmp_path, slack_api):
    """The app connected over Socket Mode: Slack's websocket and Web API both played locally."""
    standin = SocketModeStandIn().start()
    slack_api.socket_mode_url = standin.url
    settings = load_settings({"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(write_teams(tmp_path)),
                              "SLACK_BOT_TOKEN": slack_api.token, "SLACK_APP_TOKEN": slack_api.app_token,
                              "SLACK_API_URL": slack_api.url})
    services = build_services(settings, teams_required=True, slack=True)
    app = create_app(settings, services, socket_mode=True)
    handler = CheckedSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    handler.connect()
    assert standin.connected.wait(10)
    yield standin, services
    handler.close()
    standin.stop()
    services.close()


def command(text: str, user_id: str = REP) -> dict:
    """A slash command's payload as Socket Mode delivers it: the form fields, already parsed."""
    return {"token": "unused", "team_id": TEAM_ID, "team_domain": "rebound-test", "channel_id": "D" + user_id,
            "channel_name": "directmessage", "user_id": user_id, "user_name": user_id.lower(), "command": "/debrief",
            "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": "http://127.0.0.1:9/nowhere", "trigger_id": "1.2.abc"}


def test_a_slash_command_over_socket_mode_starts_the_run_with_its_text(socket_app, slack_api):
    standin, services = socket_app
    text = "payload slipped at Zürich Öl & co = 100% 🚀"
    ack = standin.ack(standin.send("slash_commands", command(text)))
    assert "in our DM" in ack["payload"]["text"]
    run = run_store.find_active(services.store, REP, "debrief")
    first = services.playbooks["debrief"].questions[0].id
    assert run.answers[first] == text
    assert slack_api.calls_to("apps.connections.open")[0].token == slack_api.app_token


def test_an_interaction_shaped_unlike_slack_is_acknowledged_and_dropped(socket_app, caplog):
    standin, services = socket_app
    hostile = {"type": "block_actions", "user": {"id": REP}, "actions": [{"action_id": 7}]}
    with caplog.at_level(logging.INFO):
        ack = standin.ack(standin.send("interactive", hostile))
        # the connection still works after it
        standin.ack(standin.send("slash_commands", command("Acme renewal")))
    assert "payload" not in ack
    [refused] = [r.getMessage() for r in caplog.records if "status=refused" in r.getMessage()]
    assert 'refused="body.actions[0].action_id is not a string"' in refused and "type=interactive" in refused
    assert run_store.find_active(services.store, REP, "debrief").answers


def test_a_payload_over_the_size_limit_is_refused_before_bolt(socket_app, caplog):
    standin, services = socket_app
    huge = command("x" * MAX_BODY_BYTES)
    with caplog.at_level(logging.INFO):
        ack = standin.ack(standin.send("slash_commands", huge))
    assert "payload" not in ack
    assert run_store.find_active(services.store, REP, "debrief") is None
    assert any("status=refused" in r.getMessage() and "bytes" in r.getMessage() for r in caplog.records)


def test_the_size_limit_is_the_http_one_at_the_boundary():
    room = MAX_BODY_BYTES - len(json.dumps(command(""), ensure_ascii=False).encode())
    assert envelope_problem(command("x" * room)) is None  # exactly MAX_BODY_BYTES
    assert envelope_problem(command("x" * (room + 1))) == f"payload of {MAX_BODY_BYTES + 1} bytes"
    # Counted in UTF-8 bytes, not characters: "é" is two.
    assert envelope_problem(command("é" * (room // 2 + 1))) == f"payload of {MAX_BODY_BYTES - room % 2 + 2} bytes"


def test_the_shape_checks_are_the_http_ones():
    assert envelope_problem([{"type": "block_actions"}]) == "the body is not an object"
    assert envelope_problem({"type": "view_submission", "user": {"id": REP}, "view": {}}) == \
        "body.view.callback_id is missing"
    assert envelope_problem({"type": "event_callback", "event": {"type": "message", "text": "\ud800"}}) == \
        "the body holds text that is not valid Unicode"


def test_rebound_serve_socket_answers_a_command_through_the_real_cli(tmp_path, slack_api):
    import os
    import subprocess
    import sys

    standin = SocketModeStandIn().start()
    slack_api.socket_mode_url = standin.url
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
    env.update(REBOUND_DB=str(tmp_path / "r.db"), REBOUND_TEAMS=str(write_teams(tmp_path)),
               SLACK_BOT_TOKEN=slack_api.token, SLACK_APP_TOKEN=slack_api.app_token, SLACK_API_URL=slack_api.url)
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--socket"], env=env, cwd=tmp_path,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert standin.connected.wait(30), "serve --socket never connected"
        ack = standin.ack(standin.send("slash_commands", command("Payload CMS renewal")), timeout=30)
        assert "in our DM" in ack["payload"]["text"]
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
        standin.stop()
    assert "Traceback" not in errors
    assert "mode=socket" in errors and "type=slash_commands" in errors
    from bot.store import open_store

    store = open_store(tmp_path / "r.db")
    try:
        assert run_store.find_active(store, REP, "debrief").answers["deal"] == "Payload CMS renewal"
    finally:
        store.close()
