"""Requests: only Slack-signed ones are read, oversized or malformed ones are refused without a
5xx, and retries and double clicks change state once. Everything over real HTTP."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse

import pytest

from bot import ids
from bot.slack.http import MAX_BODY_BYTES
from bot.store import runs as run_store
from tests.security_support import duplicate_posts, fresh_reps, table_counts, walk_to_review
from tests.security_support import app, dm, shared, slack_api  # noqa: F401 (fixtures: one app per module)
from tests.support.slack_requests import sign

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


REPS = fresh_reps()


@pytest.fixture
def rep():
    """Someone on the west team nobody else in this module has touched."""
    return next(REPS)


def form(**fields) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def payload(data) -> bytes:
    return form(payload=json.dumps(data))


# -- signatures --------------------------------------------------------------------------------


def test_unsigned_forged_and_stale_requests_get_401_and_touch_nothing(app, dm, rep):
    dm.command(rep, "/debrief")
    screen = dm.screen(rep)
    before = table_counts(app.services.store)
    posts = len(dm.slack_api.calls)
    wrong = dm.sender.signed_with("not-the-secret")
    attempts = [
        wrong.command("/debrief", user_id="U0REP2"),
        wrong.dm(rep, "Acme"),
        wrong.action(rep, ids.CANCEL, value="cancel", block_id=screen.blocks[-1]["block_id"]),
        dm.sender.stale().dm(rep, "Acme"),
        dm.sender.stale(-10 * 60).dm(rep, "Acme"),  # from the future
    ]
    body = wrong.sent[1][0]  # the DM event, as JSON
    attempts += [
        dm.sender.raw(body, JSON, sign=False),  # no signature at all
        dm.sender.raw(body, {**JSON, "X-Slack-Request-Timestamp": "soon"}),
        # signed, then tampered with: the signature covers the body
        dm.sender.raw(body.replace(b"Acme", b"Evil"), {**JSON, **dm.sender.signature_headers(body)}),
    ]
    assert [reply.status for reply in attempts] == [401] * len(attempts)
    app.drain()
    assert table_counts(app.services.store) == before
    assert len(dm.slack_api.calls) == posts


def test_a_signed_request_is_read(app, dm, rep):
    """The other side of the 401 test: the same body, correctly signed, is accepted."""
    body = form(command="/debrief", text="", user_id=rep, channel_id="C0SALES", team_id="T0REBOUND",
                response_url=dm.slack_api.response_url, trigger_id="1.2.3")
    timestamp = str(int(time.time()))
    reply = dm.sender.raw(body, {**FORM, "X-Slack-Request-Timestamp": timestamp,
                                 "X-Slack-Signature": sign("test-signing-secret", timestamp, body)}, sign=False)
    assert reply.status == 200
    assert run_store.find_active(app.services.store, rep, "debrief") is not None


# -- size --------------------------------------------------------------------------------------


def test_body_over_the_limit_is_refused_before_parsing_even_when_signed(app, dm, rep):
    before = table_counts(app.services.store)
    reply = dm.sender.command("/debrief", "x" * MAX_BODY_BYTES, user_id=rep)
    assert reply.status == 413
    assert reply.json() == {"ok": False, "error": "payload_too_large"}
    assert table_counts(app.services.store) == before


def test_100_kb_of_text_within_the_limit_gets_a_clear_reply(app, dm, rep):
    text = "Acme " * 20_000  # 100 KB
    reply = dm.command(rep, "/debrief", text)
    assert reply.status == 200 and "longer than I can take" in reply.json()["text"]
    assert run_store.list_runs(app.services.store, user_id=rep) == []
    dm.command(rep, "/debrief")
    screen = dm.screen(rep)
    posts = len(dm.posts_to(rep))
    assert dm.type(rep, text).status == 200
    run = run_store.find_active(app.services.store, rep, "debrief")
    assert run.answers == {} and dm.screen(rep).ts == screen.ts
    (note,) = dm.posts_to(rep)[posts:]
    assert "longer than I can take" in json.dumps(note)


# -- malformed payloads ------------------------------------------------------------------------

MALFORMED = {
    "bad JSON": (b'{"type": "event_callback", "event": ', JSON),
    "a JSON list": (b"[1, 2, 3]", JSON),
    "a JSON string": (b'"hello"', JSON),
    "payload not JSON": (form(payload="{not json"), FORM),
    "payload a list": (payload([{"type": "block_actions"}]), FORM),
    "action_id a number": (payload({"type": "block_actions", "user": {"id": "U0REP1"}, "actions": [{"action_id": 7}]}), FORM),
    "actions an object": (payload({"type": "block_actions", "user": {"id": "U0REP1"}, "actions": {"action_id": "rb_back"}}), FORM),
    "actions empty": (payload({"type": "block_actions", "user": {"id": "U0REP1"}, "actions": []}), FORM),
    "attachment action without actions": (payload({"type": "interactive_message", "callback_id": "x"}), FORM),
    "action without action_id": (payload({"type": "block_actions", "user": {"id": "U0REP1"}, "actions": [{"value": "x"}]}), FORM),
    "user a number": (payload({"type": "block_actions", "user": 42, "actions": [{"action_id": "rb_back"}]}), FORM),
    "user id a list": (payload({"type": "block_actions", "user": {"id": ["U1"]}, "actions": [{"action_id": "rb_back"}]}), FORM),
    "event a string": (json.dumps({"type": "event_callback", "event": "message"}).encode(), JSON),
    "event without type": (json.dumps({"type": "event_callback", "event": {"text": "hi"}}).encode(), JSON),
    "authorizations a string": (json.dumps({"type": "event_callback", "authorizations": "all",
                                            "event": {"type": "app_home_opened"}}).encode(), JSON),
    "view without callback_id": (payload({"type": "view_submission", "user": {"id": "U0REP1"}, "view": {}}), FORM),
    "lone surrogate": (json.dumps({"type": "event_callback", "event": {
        "type": "message", "channel_type": "im", "user": "U0REP1", "text": "\ud800"}}).encode(), JSON),
    "not UTF-8": (b'{"type": "event_callback", "event": {"type": "message", "text": "\xff\xfe"}}', JSON),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_payload_gets_400_and_touches_nothing(app, dm, name, rep):
    dm.command(rep, "/debrief")
    before = table_counts(app.services.store)
    body, headers = MALFORMED[name]
    reply = dm.sender.raw(body, headers)
    assert reply.status == 400, reply.text
    assert reply.json() == {"ok": False, "error": "malformed_payload"}
    app.drain()
    assert table_counts(app.services.store) == before


@pytest.mark.parametrize("body", [b"", form(ssl_check="1"), form(command="/nope", user_id="U0REP1"),
                                  json.dumps({"type": "event_callback", "event": {"type": "reaction_added"}}).encode()],
                         ids=["empty", "ssl_check", "unknown command", "unsubscribed event"])
def test_requests_for_nothing_we_handle_are_ignored_without_a_5xx(app, dm, body):
    before = table_counts(app.services.store)
    reply = dm.sender.raw(body, FORM if not body.startswith(b"{") else JSON)
    assert reply.status < 500
    assert "Traceback" not in reply.text
    assert table_counts(app.services.store) == before


def test_unknown_action_ids_and_wrong_types_are_ignored_quietly(app, dm, rep):
    dm.command(rep, "/debrief", "Acme renewal")
    screen = dm.screen(rep)
    nav = screen.blocks[-1]["block_id"]
    run_before = run_store.get_run(app.services.store, screen.run_id)
    replies = [
        dm.sender.action(rep, "zz_not_ours", value="x"),
        dm.sender.action(rep, "rb_no_such_action", value="x", block_id=nav),
        dm.sender.action(rep, ids.ANSWER + ":99", block_id=nav, raw_action={
            "action_id": ids.ANSWER, "block_id": nav, "value": {"nested": ["object"]}, "action_ts": "1.1"}),
        dm.sender.action(rep, ids.SELECT, block_id=nav, raw_action={
            "action_id": ids.SELECT, "block_id": nav, "selected_option": {"value": 12}, "action_ts": "1.2"}),
        dm.sender.action(rep, ids.DATE, block_id=nav, raw_action={
            "action_id": ids.DATE, "block_id": nav, "selected_date": 20261120, "action_ts": "1.3"}),
        dm.sender.action(rep, ids.MULTI_DONE, block_id=nav, state={"b": "not an object"}),
        dm.sender.action(rep, ids.BACK, block_id='{"r": 12}'),
        dm.sender.action(rep, ids.SKIP, value="skip", block_id=json.dumps({"r": screen.run_id, "s": ["x"]})),
        dm.sender.action(rep, ids.SUBMIT, value=json.dumps({"r": "r000000000000"})),
    ]
    app.drain()
    assert [r.status for r in replies] == [200] * len(replies)
    run_after = run_store.get_run(app.services.store, screen.run_id)
    assert (run_after.answers, run_after.cursor, run_after.status) == (run_before.answers, run_before.cursor, "active")
    assert dm.screen(rep).ts == screen.ts, "the question on screen is not asked again"


def test_clicks_on_a_cancelled_run_are_ignored_quietly(app, dm, rep):
    dm.command(rep, "/debrief", "Acme renewal")
    screen = dm.screen(rep)
    dm.click(rep, "Cancel")
    posts = len(dm.posts_to(rep))
    for label in ("Back", "Cancel"):
        assert dm.click(rep, label, screen=screen).status == 200
    assert dm.type(rep, "$120k").status == 200  # no run open: a short note, not an answer
    run = run_store.get_run(app.services.store, screen.run_id)
    assert run.status == "cancelled" and list(run.answers) == ["deal"]
    notes = dm.posts_to(rep)[posts:]
    assert len(notes) == 1 and "don't have a conversation open" in json.dumps(notes)


ODD = ["Ünïcödé ✓", "e\u0301\u0301\u0301 combining", "\u202eevil\u202c", "zero\u200bwidth\u200djoin",
       "👩‍👩‍👧‍👦 family", "line\u2028separator", "nul\x00byte", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\ufeffbom", "  "]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_unicode_in_a_text_answer_round_trips(app, dm, text, rep):
    dm.command(rep, "/debrief")
    reply = dm.type(rep, f"Acme {text}")
    assert reply.status == 200
    run = run_store.find_active(app.services.store, rep, "debrief")
    assert run.answers.get("deal", "").startswith("Acme")
    # the fixture fails the test if anything the bot posted is something Slack would refuse


def test_an_unexpected_error_gets_an_apology_with_a_reference_not_a_5xx(app, dm, monkeypatch, caplog, rep):
    dm.command(rep, "/debrief")

    def broken(*args, **kwargs):
        raise RuntimeError("boom: a bug we did not expect")

    monkeypatch.setattr(app.services.chat, "dm", broken)
    with caplog.at_level(logging.ERROR):
        reply = dm.type(rep, "Acme")
    assert reply.status == 200
    assert "Traceback" not in reply.text and "boom" not in reply.text
    (apology,) = [p for p in dm.posts_to(rep) if "went wrong" in json.dumps(p)]
    assert "boom" not in json.dumps(apology) and "Traceback" not in json.dumps(apology)
    reference = json.dumps(apology).split("reference `")[1][:8]
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)


# -- retries and double clicks -----------------------------------------------------------------


def _together(*calls):
    """Run the calls at the same moment in threads (a retry or a second click while the first is in flight)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_a_retry_arriving_while_the_first_delivery_is_in_flight_is_recorded_once(app, dm, rep):
    dm.command(rep, "/debrief")
    first = dm.screen(rep)
    replies = _together(lambda: dm.sender.dm(rep, "Acme renewal", event_id="Ev0SAME"),
                        lambda: dm.sender.dm(rep, "Acme renewal", event_id="Ev0SAME", retry_num=1),
                        lambda: dm.sender.dm(rep, "Acme renewal", event_id="Ev0SAME", retry_num=2))
    assert [r.status for r in replies] == [200, 200, 200]
    app.drain()
    run = run_store.find_active(app.services.store, rep, "debrief")
    assert run.answers == {"deal": "Acme renewal"}
    assert run_store.history_of(app.services.store, run.id) == []
    second = dm.screen(rep)
    assert second.step_id != first.step_id
    asked = [p for p in dm.posts_to(rep) if second.step_id in json.dumps(p.get("blocks"))]
    assert len(asked) == 1, "the next question is asked once"


@pytest.mark.parametrize("together", [False, True], ids=["one after the other", "at the same moment"])
def test_two_submit_clicks_post_the_summary_once(app, dm, slack_api, together, rep):
    dm.command(rep, "/debrief")
    walk_to_review(dm, rep, "debrief")
    review = dm.screen(rep)
    submit = next((b, e) for b, e in review.buttons() if e["text"]["text"] == "Submit")

    def click():
        return dm.sender.action(rep, submit[1]["action_id"], value=submit[1]["value"],
                                block_id=submit[0]["block_id"], message_ts=review.ts)

    since = len(slack_api.calls)
    replies = _together(click, click) if together else [click(), click()]
    assert [r.status for r in replies] == [200, 200]
    app.drain()
    run = run_store.get_run(app.services.store, review.run_id)
    assert run.status == "submitted"
    to_team = app.services.store.db.execute(
        "SELECT COUNT(*) FROM outbox WHERE run_id = ? AND payload LIKE '%\"C0WEST\"%'", [run.id]).fetchone()[0]
    posted = [c for c in slack_api.calls[since:] if c.method == "chat.postMessage" and c.params["channel"] == "C0WEST"]
    assert to_team >= 1 and len(posted) == to_team
    assert duplicate_posts(slack_api, since) == []
    keys = [row[0] for row in app.services.store.db.execute(
        "SELECT key FROM outbox WHERE key LIKE 'summary:%' AND run_id = ?", [run.id])]
    assert keys == [f"summary:{run.id}"]


def test_double_click_on_resume_asks_the_question_once(app, dm, rep):
    dm.command(rep, "/debrief", "Acme renewal")
    on_screen = dm.screen(rep)
    offer = dm.command(rep, "/debrief").json()
    block = next(b for b in offer["blocks"] if b["type"] == "actions")
    resume = block["elements"][0]
    posts = len(dm.posts_to(rep))
    for _ in range(2):
        dm.sender.action(rep, resume["action_id"], value=resume["value"], block_id=block["block_id"], channel_id="C0SALES")
    app.drain()
    assert len(dm.posts_to(rep)) == posts + 1
    assert dm.screen(rep).step_id == on_screen.step_id
    # a later offer still shows it again
    offer = dm.command(rep, "/debrief").json()
    block = next(b for b in offer["blocks"] if b["type"] == "actions")
    dm.sender.action(rep, block["elements"][0]["action_id"], value=block["elements"][0]["value"],
                     block_id=block["block_id"], channel_id="C0SALES")
    app.drain()
    assert len(dm.posts_to(rep)) == posts + 2


def test_double_click_on_start_over_starts_one_run(app, dm, rep):
    dm.command(rep, "/debrief", "Acme renewal")
    offer = dm.command(rep, "/debrief").json()
    block = next(b for b in offer["blocks"] if b["type"] == "actions")
    start_over = block["elements"][1]
    replies = [dm.sender.action(rep, start_over["action_id"], value=start_over["value"], block_id=block["block_id"],
                                channel_id="C0SALES") for _ in range(2)]
    assert [r.status for r in replies] == [200, 200]
    app.drain()
    runs = run_store.list_runs(app.services.store, user_id=rep)
    assert sorted(r.status for r in runs) == ["active", "cancelled"]
    intros = sum(app.services.store.db.execute("SELECT COUNT(*) FROM outbox WHERE key = ?", [f"intro:{r.id}"]).fetchone()[0]
                 for r in runs)
    assert intros == 2, "the first run's intro and the new run's, not a third"


@pytest.mark.parametrize("label", ["Back", "Skip"])
def test_double_click_on_a_nav_button_moves_once(app, dm, label, rep):
    dm.command(rep, "/debrief", "Acme renewal")
    dm.type(rep, "$120k")
    dm.select(rep, "competitor")
    screen = dm.screen(rep)  # competitor: optional, so it has Back and Skip
    dm.click(rep, label, screen=screen)
    after = dm.screen(rep)
    posts = len(dm.posts_to(rep))
    dm.click(rep, label, screen=screen)
    assert len(dm.posts_to(rep)) == posts
    assert dm.screen(rep).ts == after.ts
