"""Block Kit modals: a form page's inputs, derived from each step's type, within Slack's limits.

Pure functions from already-rendered text to a view. The element of a step follows its type
(the DM's buttons and the terminal's prompt follow the same type): text and long text → a
(multiline) text input, number and percent → a number input, currency → a text input (it takes
"120k EUR"), date → a date picker, choice and yes/no → a select and radio buttons, multi choice
→ checkboxes (or a multi-select past ten options), user → a user picker, list → one group of
inputs per item with "Add another".

Every value Slack sends back is read by block id: ``s|<step>`` for a step, ``l|<step>|<item>|<field>``
for a list field, the element's action id is always ``v``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot import ids
from bot.render import blocks as bk
from bot.render.slack_messages import button, plain

CALLBACK_ID = "rb_form"
VALUE = "v"  # every input element's action id
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_PRIVATE_METADATA = 3000
MAX_TEXT_INPUT = 3000
MAX_CHECKBOXES = 10
MAX_SELECT_OPTIONS = 100


@dataclass
class FieldInput:
    """One input: a step's or one list item's field. ``initial`` is what to show in it, in the
    shape Slack sends it back (text, an option value, a list of values, a date, a user id)."""

    block_id: str
    label: str  # plain text
    kind: str  # the step type
    optional: bool
    hint: str | None = None  # plain text
    options: list[tuple[str, str, str | None]] = field(default_factory=list)  # (label, value, hint)
    initial: Any = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    placeholder: str | None = None  # plain text, for a text input


@dataclass
class ListGroup:
    """A list step: its question, one group of inputs per item, and "Add another" while there is room."""

    step_id: str
    title: str  # mrkdwn, escaped
    items: list[list[FieldInput]]
    can_add: bool


@dataclass
class Page:
    """A form page, rendered: what goes into the modal and what its private_metadata carries."""

    run_id: str
    form_id: str
    title: str
    intro: str | None  # mrkdwn, escaped
    parts: list[FieldInput | ListGroup]
    counts: dict[str, int]  # list step -> items shown
    can_go_back: bool
    has_next: bool
    notes: list[str] = field(default_factory=list)  # mrkdwn context lines at the end (percentages ...)


def step_block(step_id: str) -> str:
    return f"s|{step_id}"


def item_block(step_id: str, item: int, field_id: str) -> str:
    return f"l|{step_id}|{item}|{field_id}"


def read_block_id(block_id: str) -> tuple[str, int | None, str | None] | None:
    """(step id, item, field id) of a block id this module drew; None for anything else."""
    parts = block_id.split("|")
    if len(parts) == 2 and parts[0] == "s":
        return parts[1], None, None
    if len(parts) == 4 and parts[0] == "l" and parts[2].isdigit():
        return parts[1], int(parts[2]), parts[3]
    return None


def metadata(page: Page) -> str:
    data = json.dumps({"r": page.run_id, "f": page.form_id, "n": page.counts}, separators=(",", ":"))
    if len(data) > MAX_PRIVATE_METADATA:  # a run id, a form id and a few counts: never near the limit
        raise ValueError(f"private_metadata of {len(data)} characters; Slack allows {MAX_PRIVATE_METADATA}")
    return data


def read_metadata(raw: Any) -> tuple[str, str, dict[str, int]] | None:
    """(run id, form id, list counts) from a view's private_metadata; None when it isn't ours."""
    if not isinstance(raw, str) or len(raw) > MAX_PRIVATE_METADATA:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("r"), str) or not isinstance(data.get("f"), str):
        return None
    counts = data.get("n") if isinstance(data.get("n"), dict) else {}
    return data["r"], data["f"], {k: v for k, v in counts.items() if isinstance(k, str) and isinstance(v, int) and 0 < v <= 50}


def page_view(page: Page) -> dict[str, Any]:
    """The modal of one page: its inputs, Back and Add another buttons, Next (or Save) and Close."""
    blocks: list[dict[str, Any]] = []
    if page.intro:
        blocks.append(bk.context(page.intro))
    add_index = 0
    for part in page.parts:
        if isinstance(part, FieldInput):
            blocks.append(input_block(part))
            continue
        blocks.append(bk.section(bk.clip(part.title, bk.MAX_SECTION_TEXT)))
        for item in part.items:
            blocks.extend(input_block(item_field) for item_field in item)
        if part.can_add:
            add_index += 1
            value = ids.ActionValue(page.run_id, part.step_id, page.form_id).encode()
            blocks.append({"type": "actions", "block_id": f"add|{part.step_id}",
                           "elements": [button("Add another", f"{ids.FORM_ADD}:{add_index}", value)]})
    for note in page.notes:
        blocks.append(bk.context(note))
    if page.can_go_back:
        value = ids.ActionValue(page.run_id, None, page.form_id).encode()
        blocks.append({"type": "actions", "block_id": "nav", "elements": [button("Back", ids.FORM_BACK, value)]})
    if len(blocks) > bk.MAX_VIEW_BLOCKS:
        raise ValueError(f"form page {page.form_id!r} has {len(blocks)} blocks; a modal holds {bk.MAX_VIEW_BLOCKS}")
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(page.title, bk.MAX_MODAL_TITLE),
        "submit": plain("Next" if page.has_next else "Save", bk.MAX_MODAL_TITLE),
        "close": plain("Close", bk.MAX_MODAL_TITLE),
        "notify_on_close": True,
        "private_metadata": metadata(page),
        "blocks": blocks,
    }


def _option(label: str, value: str, hint: str | None, *, described: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"text": plain(label), "value": value[: bk.MAX_OPTION_VALUE]}
    if hint and described:  # only checkboxes and radio buttons show a description
        item["description"] = plain(hint)
    return item


def element_of(spec: FieldInput) -> dict[str, Any]:
    """The input element for a step type, with its initial value."""
    kind, initial = spec.kind, spec.initial
    if kind in ("number", "percent"):
        element: dict[str, Any] = {"type": "number_input", "is_decimal_allowed": True}
        if spec.minimum is not None:
            element["min_value"] = _number_text(spec.minimum)
        if spec.maximum is not None:
            element["max_value"] = _number_text(spec.maximum)
        if initial not in (None, ""):
            element["initial_value"] = str(initial)
    elif kind == "date":
        element = {"type": "datepicker"}
        if isinstance(initial, str) and initial:
            element["initial_date"] = initial[:10]
    elif kind == "user":
        element = {"type": "users_select"}
        if isinstance(initial, str) and initial.startswith(("U", "W")):
            element["initial_user"] = initial
    elif kind in ("choice", "yes_no"):
        options = spec.options if kind == "choice" else [("Yes", "yes", None), ("No", "no", None)]
        radio = kind == "yes_no" or len(options) <= 5
        element = {"type": "radio_buttons" if radio else "static_select",
                   "options": [_option(*o, described=radio) for o in options[: MAX_SELECT_OPTIONS]]}
        chosen = next((o for o in element["options"] if o["value"] == initial), None)
        if chosen is not None:
            element["initial_option"] = chosen
    elif kind == "multi_choice":
        boxes = len(spec.options) <= MAX_CHECKBOXES
        element = {"type": "checkboxes" if boxes else "multi_static_select",
                   "options": [_option(*o, described=boxes) for o in spec.options[:MAX_SELECT_OPTIONS]]}
        chosen = [o for o in element["options"] if isinstance(initial, list) and o["value"] in initial]
        if chosen:
            element["initial_options"] = chosen
    else:  # text, long_text, currency (typed like "120k EUR")
        element = {"type": "plain_text_input", "multiline": kind == "long_text"}
        if spec.max_length:
            element["max_length"] = min(spec.max_length, MAX_TEXT_INPUT)
        if kind == "currency":
            element["placeholder"] = plain("e.g. 120k, $1.2M or 120,000 EUR", MAX_PLACEHOLDER)
        elif spec.placeholder:
            element["placeholder"] = plain(spec.placeholder, MAX_PLACEHOLDER)
        if isinstance(initial, str) and initial:
            element["initial_value"] = initial[: element.get("max_length", MAX_TEXT_INPUT)]
    element["action_id"] = VALUE
    return element


def input_block(spec: FieldInput) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": spec.block_id, "label": plain(spec.label, MAX_LABEL),
                             "element": element_of(spec), "optional": spec.optional}
    if spec.hint:
        block["hint"] = plain(spec.hint, MAX_HINT)
    return block


def state_value(element: Any) -> Any:
    """What one input holds in a view's ``state.values``, in the shape :class:`FieldInput` takes."""
    if not isinstance(element, dict):
        return None
    if isinstance(element.get("selected_option"), dict):
        value = element["selected_option"].get("value")
        return value if isinstance(value, str) else None
    if isinstance(element.get("selected_options"), list):
        return [o.get("value") for o in element["selected_options"] if isinstance(o, dict) and isinstance(o.get("value"), str)]
    for key in ("selected_date", "selected_user", "value"):
        if isinstance(element.get(key), str):
            return element[key]
    if isinstance(element.get("files"), list):
        return [f for f in element["files"] if isinstance(f, dict)]
    return None


def read_state(values: Any) -> dict[str, Any]:
    """Block id -> value of every input this module drew, from a view's ``state.values``."""
    read: dict[str, Any] = {}
    if not isinstance(values, dict):
        return read
    for block_id, elements in values.items():
        if isinstance(block_id, str) and isinstance(elements, dict) and read_block_id(block_id):
            read[block_id] = state_value(elements.get(VALUE))
    return read


def read_state_by_block(values: Any) -> dict[str, Any]:
    """Block id -> value of every ``v`` input in a view's ``state.values`` (a flow's own modal)."""
    if not isinstance(values, dict):
        return {}
    return {block_id: state_value(elements.get(VALUE)) for block_id, elements in values.items()
            if isinstance(block_id, str) and isinstance(elements, dict)}


def file_view(title: str, label: str, hint: str, callback_id: str, private_metadata: str) -> dict[str, Any]:
    """A modal with one file input (a CSV upload), the file types it takes named in the hint."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, bk.MAX_MODAL_TITLE),
        "submit": plain("Import", bk.MAX_MODAL_TITLE),
        "close": plain("Cancel", bk.MAX_MODAL_TITLE),
        "blocks": [{"type": "input", "block_id": "file", "label": plain(label, MAX_LABEL), "hint": plain(hint, MAX_HINT),
                    "element": {"type": "file_input", "action_id": VALUE, "filetypes": ["csv", "txt"], "max_files": 1}}],
    }
    if private_metadata:  # Slack drops an empty one; send none
        view["private_metadata"] = private_metadata
    return view


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def offer_blocks(run_id: str, form_id: str, text: str, label: str) -> list[dict[str, Any]]:
    """The DM message standing for a form page: what it asks, and a button that opens it."""
    value = ids.ActionValue(run_id, None, form_id).encode()
    # The block id marks the message as the run's screen, like a question's navigation row.
    screen = ids.ActionValue(run_id, f"form:{form_id}", "nav").encode()
    return [bk.section(bk.clip(text, bk.MAX_SECTION_TEXT)),
            {"type": "actions", "block_id": screen,
             "elements": [button(label, ids.FORM_OPEN, value, style="primary")]}]
