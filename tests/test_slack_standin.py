"""The test doubles for Slack behave like Slack: the Web API stand-in answers a real
``slack_sdk.WebClient`` as Slack would, and SlackSender signs requests Bolt accepts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.support.slack_api import SlackApiStandIn
from tests.support.slack_requests import SlackSender

SECRET = "test-signing-secret"


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def select_with_option(label: str) -> dict:
    option = {"text": {"type": "plain_text", "text": label}, "value": "v"}
    return {"type": "actions", "elements": [{"type": "static_select", "action_id": "rb_select", "options": [option]}]}


@pytest.fixture
def client(slack_api: SlackApiStandIn) -> WebClient:
    return WebClient(token=slack_api.token, base_url=slack_api.url)


# ------------------------------------------------------------------ Web API stand-in


def test_post_message_with_blocks_is_recorded_and_echoed(slack_api, client):
    first = client.chat_postMessage(channel="C0SALES", text="Debrief", blocks=[section("*Acme* lost")])
    second = client.chat_postMessage(channel="U0SELLER", text="Hi")

    assert first["channel"] == "C0SALES"
    assert first["message"]["blocks"] == [section("*Acme* lost")]
    assert second["channel"] == "DU0SELLER"  # a user id lands in the bot's DM, as on Slack
    assert first["ts"] < second["ts"] and first["ts"].count(".") == 1
    (call, _) = slack_api.calls_to("chat.postMessage")
    assert call.params["blocks"] == [section("*Acme* lost")]
    assert call.token == "xoxb-test-token"
    assert slack_api.invalid == []


@pytest.mark.parametrize(
    ("blocks", "complaint"),
    [
        ([section("x")] * 51, "51 blocks"),
        ([section("x" * 3001)], "3000"),
        ([select_with_option("o" * 80)], "option text is 80 characters"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "acessory": {}}], "`acessory`"),
        ([{"type": "no_such_block"}], "unknown block type"),
    ],
    ids=["51-blocks", "3001-char-section", "80-char-option", "misspelt-field", "unknown-type"],
)
def test_invalid_blocks_are_rejected_and_recorded(slack_api, client, blocks, complaint):
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0SALES", text="x", blocks=blocks)

    assert raised.value.response["error"] == "invalid_blocks"
    assert len(slack_api.invalid) >= 1 and complaint in slack_api.invalid[0]
    assert slack_api.invalid[0].startswith("chat.postMessage: ")
    slack_api.invalid.clear()  # rejected on purpose


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_text_limits_use_slack_error_codes(slack_api, client):
    with pytest.raises(SlackApiError) as empty:
        client.chat_postMessage(channel="C0SALES", text="")
    with pytest.raises(SlackApiError) as long:
        client.chat_update(channel="C0SALES", ts="1700000000.000100", text="x" * 40_001)

    assert empty.value.response["error"] == "no_text"
    assert long.value.response["error"] == "msg_too_long"
    assert len(slack_api.invalid) == 2
    slack_api.invalid.clear()


def test_form_encoded_blocks_sent_as_json_string_are_parsed(slack_api, client):
    client.api_call("chat.postMessage", params={"channel": "C0SALES", "text": "x", "blocks": json.dumps([section("y")])})

    (call,) = slack_api.calls_to("chat.postMessage")
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == [section("y")]


def test_rate_limit_reaches_client_as_429_with_retry_after(slack_api, client):
    slack_api.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0SALES", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C0SALES", text="x")["ok"]  # only the next call failed
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_slack_sdk_retry_handler_retries_after_rate_limit(slack_api):
    client = WebClient(token=slack_api.token, base_url=slack_api.url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    slack_api.fail_next("chat.postMessage", status=429, retry_after=0)

    assert client.chat_postMessage(channel="C0SALES", text="x")["ok"]
    assert len(slack_api.calls_to("chat.postMessage")) == 2


def test_fail_next_server_error_and_api_error(slack_api, client):
    slack_api.fail_next("chat.update", status=503)
    slack_api.fail_next("chat.update", error="channel_not_found", times=2)

    statuses = []
    for _ in range(3):
        with pytest.raises(SlackApiError) as raised:
            client.chat_update(channel="C0SALES", ts="1.1", text="x")
        statuses.append((raised.value.response.status_code, raised.value.response["error"]))

    assert statuses == [(503, "internal_error"), (200, "channel_not_found"), (200, "channel_not_found")]
    assert client.chat_update(channel="C0SALES", ts="1.1", text="x")["ok"]


def test_wrong_token_is_invalid_auth(slack_api):
    stranger = WebClient(token="xoxb-someone-else", base_url=slack_api.url)

    with pytest.raises(SlackApiError) as raised:
        stranger.auth_test()

    assert raised.value.response["error"] == "invalid_auth"
    assert slack_api.calls_to("auth.test")[0].token == "xoxb-someone-else"


def test_unknown_method_is_refused(slack_api, client):
    with pytest.raises(SlackApiError) as raised:
        client.api_call("reactions.add", params={"name": "tada"})

    assert raised.value.response["error"] == "unknown_method"


def test_files_upload_v2_works_end_to_end(slack_api, client):
    result = client.files_upload_v2(channel="C0SALES", content="deal,amount\nAcme,1000\n", filename="losses.csv", title="Losses")

    assert result["file"]["title"] == "Losses"
    assert result["file"]["channels"] == ["C0SALES"]
    assert slack_api.uploads[result["file"]["id"]] == b"deal,amount\nAcme,1000\n"
    assert [call.method for call in slack_api.calls] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def test_views_users_and_dm_channels(slack_api, client):
    home = {"type": "home", "blocks": [section("Your runs")]}
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Debrief"}, "blocks": [section("Edit")]}
    slack_api.users["U0TOKYO"] = {"tz": "Asia/Tokyo"}

    published = client.views_publish(user_id="U0SELLER", view=home)
    opened = client.views_open(trigger_id="1.2.3", view=modal)
    updated = client.views_update(view_id=opened["view"]["id"], view={**modal, "blocks": [section("Saved")]})

    assert slack_api.home["U0SELLER"]["blocks"] == [section("Your runs")]
    assert published["view"]["id"] != opened["view"]["id"] == updated["view"]["id"]
    assert client.users_info(user="U0SELLER")["user"]["tz"] == "America/Los_Angeles"
    assert client.users_info(user="U0TOKYO")["user"]["tz"] == "Asia/Tokyo"
    assert client.conversations_open(users="U0SELLER")["channel"]["id"] == "DU0SELLER"


def test_invalid_view_is_rejected_like_slack(slack_api, client):
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "A title longer than 24 chars"}, "blocks": [section("x")]}

    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id="1.2.3", view=modal)

    assert raised.value.response["error"] == "invalid_arguments"
    assert "title" in slack_api.invalid[0]
    slack_api.invalid.clear()


def test_latency_is_added_and_reset_forgets(slack_api, client):
    slack_api.latency = 0.05
    started = time.perf_counter()
    client.auth_test()
    assert time.perf_counter() - started >= 0.05

    slack_api.fail_next("auth.test", error="fatal_error")
    slack_api.reset()
    assert slack_api.calls == [] and client.auth_test()["ok"]


def test_two_standins_run_side_by_side():
    with SlackApiStandIn() as one, SlackApiStandIn() as two:
        assert one.url != two.url and one.url.endswith("/api/")


# ------------------------------------------------------------------ signed requests


@pytest.fixture
def bolt_url(slack_api: SlackApiStandIn) -> Iterator[tuple[str, list]]:
    """A real Bolt App behind a WSGI server, its WebClient pointed at the stand-in."""
    seen: list = []
    app = App(
        client=WebClient(token=slack_api.token, base_url=slack_api.url),
        signing_secret=SECRET,
        process_before_response=True,
    )

    @app.command("/debrief")
    def debrief(ack, command, client):
        ack()
        seen.append(("command", command["text"]))
        client.chat_postMessage(channel=command["user_id"], text=f"Debrief of {command['text']}")

    @app.event("message")
    def message(event):
        seen.append(("dm", event["channel_type"], event["text"]))

    @app.action("rb_answer")
    def answer(ack, action):
        ack()
        seen.append(("action", action["value"]))

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events", seen
    finally:
        server.shutdown()
        server.server_close()


def test_signature_is_what_slack_sdk_verifier_accepts(bolt_url):
    sender = SlackSender(bolt_url[0], SECRET)
    stale = sender.stale()
    sender.command("/debrief", "Acme")
    stale.command("/debrief", "Acme")

    body, headers = sender.sent[-1]
    stale_body, stale_headers = stale.sent[-1]
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    assert not SignatureVerifier(SECRET).is_valid_request(stale_body, stale_headers)


def test_bolt_accepts_signed_requests_and_refuses_bad_ones(bolt_url, slack_api):
    url, seen = bolt_url
    sender = SlackSender(url, SECRET, response_url=slack_api.response_url)

    assert sender.command("/debrief", "Acme renewal", user_id="U0ANA").status == 200
    assert sender.dm("U0ANA", "hello").status == 200
    assert sender.action("U0ANA", "rb_answer", value='{"r":"1"}').status == 200
    assert sender.stale().command("/debrief", "late").status == 401
    assert sender.signed_with("wrong").command("/debrief", "forged").status == 401
    assert sender.raw(b"payload=%7B%7D", {"Content-Type": "application/x-www-form-urlencoded"}, sign=False).status == 401

    assert seen == [("command", "Acme renewal"), ("dm", "im", "hello"), ("action", '{"r":"1"}')]
    (post,) = slack_api.calls_to("chat.postMessage")
    assert post.params["channel"] == "U0ANA" and post.response["channel"] == "DU0ANA"
    form = parse_qs(sender.sent[0][0].decode())
    # a response_url per command, as Slack mints them, served by the stand-in
    assert form["response_url"][0].startswith(slack_api.response_url + "/command/") and form["command"] == ["/debrief"]


def test_response_url_is_served_and_validated(slack_api):
    import urllib.request

    request = urllib.request.Request(
        slack_api.response_url, data=json.dumps({"text": "Done"}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        assert response.read() == b"ok"

    (call,) = slack_api.calls_to("response_url")
    assert call.params == {"text": "Done"}


def test_the_test_server_stops_even_when_its_triggers_write_end_was_closed_under_it(tmp_path, slack_api):
    """The harness's own teardown (tests/support/rebound_app.stop_server): the descriptor the
    loop is woken through was found closed at teardown in some full runs; the server must still
    stop, its loop returned and its port closed, rather than the teardown raising EBADF."""
    import os

    from tests.support.rebound_app import start_app
    from tests.support.slack_requests import SlackSender

    app = start_app(tmp_path, slack_api)
    assert SlackSender(app.url, "unused").command("/debrief", "").status == 401  # it serves
    os.close(app.server.trigger.trigger)  # what an earlier object's stale close did
    app.stop()
    assert not app.thread.is_alive()
    with pytest.raises(OSError):
        SlackSender(app.url, "unused", timeout=2).command("/debrief", "")
