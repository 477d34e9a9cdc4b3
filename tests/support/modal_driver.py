"""Fills in Rebound's form pages (modals) the way a person would, through the real endpoint.

Opens a form from the DM's "Open the form" button (Slack then calls views.open on the
stand-in), reads the open view from the stand-in, types into its inputs, and submits the page
as Slack does (view_submission with the view's state). Every view the app answers with in an
acknowledgement is checked against Block Kit and Slack's limits, like those it sends.
"""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from tests.support.dm_driver import DmDriver
from tests.support.slack_api import view_violations
from tests.support.slack_requests import APP_ID, Reply

FORM_CALLBACK = "rb_form"


class ModalDriver:
    def __init__(self, dm: DmDriver):
        self.dm = dm
        self.view: dict | None = None  # the page on screen, as Slack holds it
        self.values: dict[str, dict] = {}  # block id -> {"v": element state}, what is typed now

    @property
    def slack_api(self):
        return self.dm.slack_api

    # -- opening ---------------------------------------------------------------------------

    def open(self, user: str, label: str | None = None) -> dict:
        """Click the newest "Open the form" / "Resume the form" button in the DM; the modal opened."""
        screen = self.dm.screen(user)
        labels = [label] if label else ["Open the form", "Resume the form"]
        before = len(self.slack_api.calls_to("views.open"))
        for block, element in screen.buttons():
            if element.get("text", {}).get("text") in labels:
                self.dm.sender.action(user, element["action_id"], value=element.get("value"),
                                      block_id=block.get("block_id"), message_ts=screen.ts)
                self.dm.app.drain()
                break
        else:
            raise AssertionError(f"no {labels} button on the DM screen {screen.step_id}")
        opened = self.slack_api.calls_to("views.open")[before:]
        assert opened and opened[-1].response and opened[-1].response.get("ok"), "the form did not open"
        return self._show(opened[-1].response["view"])

    def _show(self, view: dict) -> dict:
        problems = view_violations(view, "modal")
        assert not problems, problems
        self.view = view
        self.values = {}
        return view

    def refresh(self) -> dict:
        """The page as the stand-in holds it now (after a views.update through the outbox)."""
        return self._show(self.slack_api.views[self.view["id"]])

    # -- reading ---------------------------------------------------------------------------

    def inputs(self) -> dict[str, dict]:
        return {b["block_id"]: b for b in self.view["blocks"] if b["type"] == "input"}

    def labels(self) -> list[str]:
        return [b["label"]["text"] for b in self.inputs().values()]

    def initial(self, block_id: str) -> Any:
        element = self.inputs()[block_id]["element"]
        for key in ("initial_value", "initial_date", "initial_user"):
            if key in element:
                return element[key]
        if "initial_option" in element:
            return element["initial_option"]["value"]
        if "initial_options" in element:
            return [o["value"] for o in element["initial_options"]]
        return None

    # -- typing ----------------------------------------------------------------------------

    def fill(self, block_id: str, value: Any) -> None:
        """Type, pick or tick ``value`` in an input, in the shape Slack keeps it in view.state."""
        element = self.inputs()[block_id]["element"]
        self.values[block_id] = {element["action_id"]: element_state(element, value)}

    def state(self) -> dict[str, dict]:
        """What Slack sends: every input, with what was typed or its initial value."""
        values = {}
        for block_id, block in self.inputs().items():
            if block_id in self.values:
                values[block_id] = self.values[block_id]
                continue
            element = block["element"]
            kind = element["type"]
            state: dict[str, Any] = {"type": kind}
            if kind in ("plain_text_input", "number_input"):
                state["value"] = element.get("initial_value")
            elif kind == "datepicker":
                state["selected_date"] = element.get("initial_date")
            elif kind == "users_select":
                state["selected_user"] = element.get("initial_user")
            elif kind in ("static_select", "radio_buttons"):
                state["selected_option"] = element.get("initial_option")
            else:
                state["selected_options"] = element.get("initial_options", [])
            values[block_id] = {element["action_id"]: state}
        return values

    # -- acting ----------------------------------------------------------------------------

    def submit(self, user: str) -> Reply:
        """Press Next / Save. The acknowledgement is the answer: errors, the next page, or close."""
        reply = self.dm.sender.view_submission(user, FORM_CALLBACK, self.state(),
                                               private_metadata=self.view["private_metadata"],
                                               view_id=self.view["id"], blocks=self.view["blocks"])
        assert reply.status_code == 200, reply.text
        body = reply.json() if reply.text.strip() else {}
        if body.get("response_action") == "update":
            problems = view_violations(body["view"], "modal")
            assert not problems, problems
            self._show({**body["view"], "id": self.view["id"]})
        elif body.get("response_action") in (None, "clear"):
            self.view = None
        self.dm.app.drain()
        return reply

    def click(self, user: str, label: str) -> Reply:
        """A button inside the page (Back, Add another): Slack sends the view with its state."""
        for block in self.view["blocks"]:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element["text"]["text"] == label:
                    view = {**self.view, "state": {"values": self.state()}}
                    reply = self.dm.sender.action(user, element["action_id"], value=element.get("value"),
                                                  block_id=block["block_id"], view=view)
                    self.dm.app.drain()
                    self.refresh()
                    return reply
        raise AssertionError(f"no {label!r} button in the page")

    def close(self, user: str) -> Reply:
        """Close the modal (Slack sends view_closed, since Rebound asks for notify_on_close)."""
        payload = {
            "type": "view_closed", "team": {"id": self.dm.sender.team_id, "domain": "rebound-test"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.dm.sender.team_id},
            "api_app_id": APP_ID, "token": "verification-token-unused", "is_cleared": False,
            "view": {**self.view, "state": {"values": self.state()}},
        }
        reply = self.dm.sender._send_payload(payload)
        self.view = None
        self.dm.app.drain()
        return reply

    # -- a whole form from example answers ------------------------------------------------

    def fill_answers(self, playbook, answers: dict[str, Any]) -> None:
        """Fill the page from a dict of example answers (as in examples/answers/*.yml); lists grow
        with "Add another" as needed."""
        for block_id in list(self.inputs()):
            kind, step_id, *rest = block_id.split("|")
            if kind != "s" or answers.get(step_id) is None:
                continue
            step = playbook.step(step_id)
            self.fill(block_id, _as_input(step.type, answers[step_id]))
        for step_id in {b.split("|")[1] for b in self.inputs() if b.startswith("l|")}:
            items = answers.get(step_id) or []
            while sum(1 for b in self.inputs() if b.startswith(f"l|{step_id}|") and b.endswith(
                    "|" + playbook.step(step_id).fields[0].id)) < len(items):
                typed_so_far = dict(self.values)
                self._click_add(step_id)
                self.values = typed_so_far
            step = playbook.step(step_id)
            for index, item in enumerate(items):
                for field in step.fields:
                    if item.get(field.id) is not None:
                        self.fill(f"l|{step_id}|{index}|{field.id}", _as_input(field.type, item[field.id]))

    def _click_add(self, step_id: str) -> None:
        for block in self.view["blocks"]:
            if block.get("block_id") == f"add|{step_id}":
                element = block["elements"][0]
                user = self._user
                view = {**self.view, "state": {"values": self.state()}}
                self.dm.sender.action(user, element["action_id"], value=element["value"], block_id=block["block_id"],
                                      view=view)
                self.dm.app.drain()
                self.refresh()
                return
        raise AssertionError(f"no Add another for {step_id}")

    _user = "U0REP1"

    def complete(self, user: str, playbook, answers: dict[str, Any]) -> int:
        """Open the form on screen and fill every page until the modal closes; returns the pages."""
        self._user = user
        self.open(user)
        pages = 0
        while self.view is not None:
            self.fill_answers(playbook, answers)
            reply = self.submit(user)
            body = reply.json() if reply.text.strip() else {}
            assert body.get("response_action") != "errors", body
            pages += 1
        return pages


def element_state(element: dict, value: Any) -> dict:
    """What Slack keeps in view.state for ``element`` holding ``value`` (an option by value or label)."""
    kind = element["type"]
    if kind in ("plain_text_input", "number_input"):
        return {"type": kind, "value": None if value is None else str(value)}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind in ("static_select", "radio_buttons"):
        option = next((o for o in element["options"] if value in (o["value"], o["text"]["text"])), None)
        assert value is None or option is not None, f"{value!r} is not an option"
        return {"type": kind, "selected_option": option}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [o for o in element["options"] if o["value"] in value]}
    raise AssertionError(f"cannot fill a {kind}")


def page_values(playbook, view: dict, answers: dict[str, Any]) -> dict[str, dict]:
    """state.values for a whole page filled from example answers (a list's items need the page
    drawn with that many items)."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        kind, step_id, *rest = block["block_id"].split("|")
        step = playbook.step(step_id)
        value = answers.get(step_id)
        if kind == "l":
            items = value or []
            index, field_id = int(rest[0]), rest[1]
            value = items[index].get(field_id) if index < len(items) else None
            step = next(f for f in step.fields if f.id == field_id)
        if value is not None:
            values[block["block_id"]] = {block["element"]["action_id"]: element_state(block["element"],
                                                                                      _as_input(step.type, value))}
    return values


def _as_input(kind: str, value: Any) -> Any:
    if kind == "yes_no":
        return "yes" if value in (True, "yes") else "no"
    if kind == "currency" and isinstance(value, dict):
        return f"{value['amount']} {value.get('currency', '')}".strip()
    if kind == "multi_choice":
        return list(value)
    if kind in ("number", "percent") and isinstance(value, str):
        return value.strip().rstrip("%")  # a number input holds digits only
    if kind == "date":
        return str(value)[:10]
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def form_id_of(screen_step: str) -> str | None:
    return screen_step.split(":", 1)[1] if screen_step.startswith("form:") else None


__all__ = ["ModalDriver", "form_id_of", "ids"]
