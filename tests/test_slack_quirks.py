"""Slack's own quirks, over the real HTTP path: a slash command's text reaches the flow unchanged."""

from __future__ import annotations

import pytest

from bot.slack.http import parse_body
from bot.store import runs as run_store

REP = "U0REP1"

AWKWARD_TEXTS = [
    "payload slipped at Zürich Öl",
    "Payload CMS",
    "payload=",
    "payload={\"type\": \"block_actions\"}",
    "command=/recover & text=x",
    "Smith & Sons",
    "a=b=c",
    "1+1 = 2",
    "100% off, 50%25 more",
    "the \"Big\" 'One'",
    "Ærø Ψ 東京 مرحبا",
    "🚀 launch 👩‍💻 team",
    "%F0%9F%9A%80 not an emoji",
]


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_command_text_reaches_the_first_answer_unchanged(app, dm, text):
    reply = dm.command(REP, "/debrief", text)
    assert reply.status == 200, reply.text
    run = run_store.find_active(app.services.store, REP, "debrief")
    assert run is not None, f"no run started for {text!r}"
    first = app.services.playbooks["debrief"].questions[0].id
    assert run.answers[first] == text


def test_a_form_is_an_interaction_only_when_it_has_a_payload_field():
    assert parse_body("command=%2Fdebrief&text=payload", "application/x-www-form-urlencoded") == {
        "command": "/debrief", "text": "payload"}
    assert parse_body("payload=%7B%22type%22%3A%22block_actions%22%7D", "application/x-www-form-urlencoded") == {
        "type": "block_actions"}
    assert parse_body("text=a%26payload%3D1", None) == {"text": "a&payload=1"}
