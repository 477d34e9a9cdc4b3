"""Drives a conversation in a user's DM the way a person would: reads the question on
screen from what the app posted to the Slack stand-in, types replies or clicks its buttons
(signed requests to the real endpoint), and drains the outbox after each step."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot import ids
from tests.support.rebound_app import SIGNING_SECRET, RunningApp
from tests.support.slack_requests import Reply, SlackSender


@dataclass
class Screen:
    """The newest interactive message in a DM: a question (step id) or the review card."""

    channel: str
    ts: str
    blocks: list[dict[str, Any]]
    run_id: str
    step_id: str  # "review" for the review card

    def buttons(self) -> list[tuple[dict, dict]]:
        found = []
        for block in self.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                found.append((block, element))
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                found.append((block, accessory))
        return found

    def text(self) -> str:
        return json.dumps(self.blocks)


class DmDriver:
    def __init__(self, app: RunningApp, slack_api):
        self.app = app
        self.slack_api = slack_api
        self.sender = SlackSender(app.url, SIGNING_SECRET, response_url=slack_api.response_url)

    # -- reading ------------------------------------------------------------------------

    def posts_to(self, channel: str) -> list[dict]:
        """Posts to a channel; for a user id, posts to their DM by user id or by D... channel id."""
        names = {channel, "D" + channel} if channel[:1] in ("U", "W") else {channel}
        return [c.params for c in self.slack_api.calls_to("chat.postMessage") if c.params.get("channel") in names]

    def dm_texts(self, user: str) -> list[str]:
        """Everything the bot posted to the user's DM (as JSON of blocks and text), oldest first."""
        return [json.dumps(p.get("blocks")) + p.get("text", "") for p in self.posts_to(user)]

    def screen(self, user: str) -> Screen:
        for (channel, ts), message in sorted(self.slack_api.messages.items(), key=lambda kv: kv[0][1], reverse=True):
            if channel != "D" + user:
                continue
            for block in message.get("blocks") or []:
                context = ids.ActionValue.decode(block.get("block_id"))
                if block.get("type") == "actions" and context and context.value == "nav":
                    return Screen(channel, ts, message["blocks"], context.run_id, context.step_id)
        raise AssertionError(f"no question or review card in {user}'s DM")

    # -- acting -------------------------------------------------------------------------

    def command(self, user: str, command: str, text: str = ""):
        """Send a slash command; returns what the person sees as its reply: the message the app
        posted to the command's response_url after the ack (``.json()``), with the ack's status."""
        return command_reply(self.app, self.slack_api, lambda: self.sender.command(command, text, user_id=user))

    def type(self, user: str, text: str, **kw):
        reply = self.sender.dm(user, text, **kw)
        self.app.drain()
        return reply

    def click(self, user: str, label: str, *, screen: Screen | None = None):
        screen = screen or self.screen(user)
        for block, element in screen.buttons():
            if element.get("text", {}).get("text") == label:
                reply = self.sender.action(user, element["action_id"], value=element.get("value"),
                                           block_id=block.get("block_id"), message_ts=screen.ts)
                self.app.drain()
                return reply
        raise AssertionError(f"no button {label!r} on the screen: {[e.get('text', {}).get('text') for _, e in screen.buttons()]}")

    def _input_block(self, screen: Screen) -> dict:
        for block in screen.blocks:
            context = ids.ActionValue.decode(block.get("block_id"))
            if context and context.value == "in":
                return block
        raise AssertionError("no input element on the screen")

    def select(self, user: str, value: str, *, screen: Screen | None = None):
        screen = screen or self.screen(user)
        block = self._input_block(screen)
        element = block["elements"][0]
        reply = self.sender.action(user, element["action_id"], block_id=block["block_id"], selected_option=value,
                                   message_ts=screen.ts)
        self.app.drain()
        return reply

    def pick_date(self, user: str, day: str):
        screen = self.screen(user)
        block = self._input_block(screen)
        reply = self.sender.action(user, ids.DATE, block_id=block["block_id"], selected_date=day, message_ts=screen.ts)
        self.app.drain()
        return reply

    def check(self, user: str, values: list[str]):
        """Tick checkboxes and press Done (Slack sends the ticked state with the Done click)."""
        screen = self.screen(user)
        block = self._input_block(screen)
        state = {block["block_id"]: {ids.MULTI_TOGGLE: {"type": "checkboxes",
                                                       "selected_options": [{"value": v} for v in values]}}}
        reply = self.sender.action(user, ids.MULTI_DONE, value="done", block_id=block["block_id"], state=state,
                                   message_ts=screen.ts)
        self.app.drain()
        return reply


def command_reply(app: RunningApp, slack_api, send) -> Reply:
    """Run ``send`` (a slash command), drain, and return the ack with the body replaced by the
    reply posted to the command's response_url (the ack itself is empty: the work comes after)."""
    before = len(slack_api.calls_to("response_url"))
    ack = send()
    app.drain()
    replies = slack_api.calls_to("response_url")[before:]
    if ack.status != 200 or not replies:
        return ack
    return Reply(ack.status, ack.headers, json.dumps(replies[-1].params).encode())


def typed(raw: Any, fields: list[str] | None = None) -> str:
    """An example answer as a person would type it in a DM (lists: one item per line, fields by |)."""
    if isinstance(raw, list) and raw and isinstance(raw[0], dict):
        keys = fields or list(raw[0])
        return "\n".join(" | ".join(str(item.get(k, "") or "") for k in keys) for item in raw)
    if isinstance(raw, list):
        return ", ".join(str(x) for x in raw)
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return str(raw)


def walk_to_review(dm: DmDriver, user: str, playbook_id: str, answers: dict[str, Any], *, pick_dates: bool = False,
                   click_for: dict[str, str] | None = None) -> None:
    """Answer each question on screen from ``answers`` until the review card, as a person would:
    type the answer (see :func:`typed`), or pick it from the date picker with ``pick_dates``;
    skip an optional question ``answers`` lacks. A required one it lacks fails the walk, unless
    ``click_for`` names the button to press for that type of step (``{"yes_no": "No"}``).
    Every answer must be taken: the next question (or the review) is a new message."""
    playbook = dm.app.services.playbooks[playbook_id]
    for _ in range(len(playbook.steps) * 2):
        screen = dm.screen(user)
        if screen.step_id == "review":
            return
        if screen.step_id.startswith("form:"):  # form pages: filled in their modal, page by page
            from tests.support.modal_driver import ModalDriver

            ModalDriver(dm).complete(user, playbook, answers)
            assert dm.screen(user).ts != screen.ts, f"{playbook_id}.{screen.step_id} was not accepted"
            continue
        step = playbook.step(screen.step_id)
        if answers.get(step.id) is not None:
            if pick_dates and step.type == "date":
                dm.pick_date(user, str(answers[step.id]))
            else:
                dm.type(user, typed(answers[step.id], [f.id for f in step.fields] if step.fields else None))
        elif not step.required:
            dm.click(user, "Skip")
        elif step.type in (click_for or {}):
            dm.click(user, click_for[step.type])
        else:
            raise AssertionError(f"no answer for the required step {playbook_id}.{step.id}")
        assert dm.screen(user).ts != screen.ts, f"{playbook_id}.{step.id} was not accepted"
    raise AssertionError(f"{playbook_id} never reached its review card")
