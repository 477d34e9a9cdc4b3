"""Helpers for the pilot tests: plan a pilot over the real endpoint, find and click the
pilot's own messages (forms with inputs, cards), read the uploaded agreement."""

from __future__ import annotations

import json
from typing import Any

import yaml

from bot import ids
from bot.config import PROJECT_ROOT
from bot.store import pilots as pilot_store
from bot.store.pilots import Pilot
from tests.support.dm_driver import DmDriver, walk_to_review
from tests.support.frozen_app import driver, frozen_app  # noqa: F401 (driver: the pilot tests import it here)
from tests.support.modal_driver import ModalDriver

REP = "U0REP1"
TEAM_CHANNEL = "C0WEST"
SUBMITTED = "2026-12-01T17:00:00Z"  # the plan is submitted; the app starts at this moment
EXAMPLE = yaml.safe_load((PROJECT_ROOT / "examples" / "answers" / "pilot-plan.yml").read_text())


# The pilot tests' app, started with time frozen at SUBMITTED (import these into the module).
frozen, app, dm = frozen_app(SUBMITTED)


def answer_everything(dm: DmDriver, user: str, answers: dict[str, Any]) -> None:
    """Answer each question on screen from ``answers`` by typing; skip optional ones it lacks."""
    walk_to_review(dm, user, "pilot-plan", answers)


def plan_pilot(dm: DmDriver, user: str = REP, answers: dict[str, Any] | None = None) -> Pilot:
    """/pilot-plan, every answer typed in the DM, then Submit on the review card."""
    dm.command(user, "/pilot-plan")
    answer_everything(dm, user, EXAMPLE if answers is None else answers)
    dm.click(user, "Submit")
    (pilot,) = [p for p in pilot_store.list_pilots(dm.app.services.store, user_id=user)
                if p.account == (answers or EXAMPLE)["account"] and p.version == 1] or [None]
    assert pilot is not None, "submitting the plan records the pilot"
    return pilot


def messages_in(slack_api, channel: str) -> list[tuple[str, dict]]:
    """(ts, message) in a channel (a user id means their DM), oldest first, as Slack shows them now."""
    channel = "D" + channel if channel[:1] in ("U", "W") else channel
    return sorted(((ts, m) for (ch, ts), m in slack_api.messages.items() if ch == channel), key=lambda kv: kv[0])


def text_of(message: dict) -> str:
    return json.dumps(message.get("blocks"), ensure_ascii=False) + message.get("text", "")


def latest_with_action(slack_api, channel: str, action_prefix: str) -> tuple[str, dict]:
    for ts, message in reversed(messages_in(slack_api, channel)):
        for block in message.get("blocks") or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if str(element.get("action_id", "")).startswith(action_prefix):
                    return ts, message
    raise AssertionError(f"no message with a {action_prefix} button in {channel}")


def click_in(dm: DmDriver, user: str, channel: str, label: str, *, inputs: dict[str, str] | None = None,
             action_prefix: str = "rb_pilot"):
    """Click ``label`` on the newest message with a pilot button; ``inputs`` is what was typed
    into its input blocks (block id -> text), sent as Slack sends state with the click."""
    ts, message = latest_with_action(dm.slack_api, channel, action_prefix)
    state = {}
    for block in message.get("blocks") or []:
        if block.get("type") == "input" and block["block_id"] in (inputs or {}):
            element = block["element"]
            state[block["block_id"]] = {element["action_id"]: {"type": element["type"],
                                                                "value": inputs[block["block_id"]]}}
    labels = [e.get("text", {}).get("text") for b in message["blocks"] if b.get("type") == "actions"
              for e in b.get("elements", [])]
    choose = None
    if label not in labels and "Record the outcome" in labels:  # the outcome is picked in its modal
        label, choose = "Record the outcome", label
    for block in message["blocks"]:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("text", {}).get("text") == label:
                opened = len(dm.slack_api.calls_to("views.open"))
                reply = dm.sender.action(user, element["action_id"], value=element.get("value"),
                                         block_id=block.get("block_id"), message_ts=ts, state=state,
                                         channel_id=channel if channel[:1] in ("C", "G") else None)
                dm.app.drain()
                views = dm.slack_api.calls_to("views.open")[opened:]
                if views and views[-1].response.get("ok"):  # the button opened a modal: type there, submit
                    return submit_modal(dm, user, views[-1].response["view"], inputs or {}, choose=choose)
                return reply
    raise AssertionError(f"no {label!r} button on the newest pilot message in {channel}")


def submit_modal(dm: DmDriver, user: str, view: dict, inputs: dict[str, str], *, choose: str | None = None):
    """Submit a flow's modal with ``inputs`` typed (block id -> text), the option labelled ``choose``
    picked, the rest as drawn."""
    values = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        if element["type"] == "radio_buttons":
            option = next((o for o in element["options"] if o["text"]["text"] == choose), None)
            values[block["block_id"]] = {element["action_id"]: {"type": "radio_buttons", "selected_option": option}}
            continue
        typed_text = inputs.get(block["block_id"], element.get("initial_value"))
        values[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": typed_text}}
    reply = dm.sender.view_submission(user, view["callback_id"], values, private_metadata=view.get("private_metadata", ""))
    dm.app.drain()
    return reply


def uploaded_files(slack_api) -> list[dict]:
    """Every file uploaded: {title, filename, channel, comment, content}."""
    names = {c.response["file_id"]: c.params for c in slack_api.calls_to("files.getUploadURLExternal")
             if c.response and c.response.get("ok")}
    files = []
    for call in slack_api.calls_to("files.completeUploadExternal"):
        if not (call.response and call.response.get("ok")):
            continue
        for item in call.params["files"]:
            files.append({"title": item.get("title"), "filename": names[item["id"]].get("filename"),
                          "channel": call.params.get("channel_id"), "comment": call.params.get("initial_comment"),
                          "content": slack_api.uploads[item["id"]].decode("utf-8")})
    return files


def decode(value: str) -> ids.ActionValue:
    return ids.ActionValue.decode(value)


def quick_plan(dm: DmDriver, user: str = REP, answers: dict[str, Any] | None = None) -> Pilot:
    """A plan submitted over the endpoint without typing every answer: the run starts prefilled
    (as an edit does), the rest is answered on screen, then Submit."""
    answers = EXAMPLE if answers is None else answers
    services = dm.app.services
    with services.store.transaction():
        started = services.conversations.start("pilot-plan", user, source="slack", prefill_answers=answers)
        services.screens.begin(started.turn)
    dm.app.drain()
    answer_everything(dm, user, answers)
    dm.click(user, "Submit")
    return pilot_store.for_run(services.store, started.turn.run.id)


def review_edit(dm: DmDriver, user: str, step_id: str):
    """Click Edit beside one answer on the review card."""
    screen = dm.screen(user)
    assert screen.step_id == "review"
    for block, element in screen.buttons():
        target = ids.ActionValue.decode(element.get("value"))
        if element.get("text", {}).get("text") == "Edit" and target and target.step_id == step_id:
            reply = dm.sender.action(user, element["action_id"], value=element["value"], block_id=block.get("block_id"),
                                     message_ts=screen.ts)
            dm.app.drain()
            return reply
    raise AssertionError(f"no Edit button for {step_id} on the review card")


def edit_in_form(dm: DmDriver, user: str, step_id: str, value: Any) -> None:
    """From the review card, Edit one answer that lives on a form page: open the page, change
    that field, Save; the run is back at the review."""
    review_edit(dm, user, step_id)
    modal = ModalDriver(dm)
    modal.open(user)
    modal.fill(f"s|{step_id}", value)
    reply = modal.submit(user)
    assert reply.json() == {"response_action": "clear"}, reply.json()
    assert dm.screen(user).step_id == "review"
