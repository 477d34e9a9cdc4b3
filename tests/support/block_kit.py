"""What Slack would reject in a message or a view, for the Web API stand-in (slack_api.py).

Block Kit shape is checked by ``slack_sdk.models``; what it does not check (or drops
silently), Slack's own limits and unknown fields, is checked here. Each check returns
Slack's error code with an explanation a failing test can show.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# Slack's limits that slack_sdk.models does not check (or checks only on some objects).
# View limits (100 blocks, 24-character title) are checked by View.validate_json().
MAX_MESSAGE_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_BUTTON_VALUE = 2000
MAX_ID = 255  # action_id, block_id, callback_id
MAX_MESSAGE_TEXT = 40_000


def message_violations(params: dict) -> list[tuple[str, str]]:
    """What Slack would reject in a message: ``(error code, explanation)`` pairs."""
    text, blocks = params.get("text"), params.get("blocks")
    if not text and not blocks and not params.get("attachments"):
        return [("no_text", "a message needs `text` or `blocks`")]
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return [("msg_too_long", f"text is {len(text)} characters; Slack allows {MAX_MESSAGE_TEXT}")]
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [("invalid_blocks_format", "blocks must be a JSON array")]
    problems = []
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks; a message may have {MAX_MESSAGE_BLOCKS}")
    problems += block_problems(blocks)
    return [("invalid_blocks", problem) for problem in problems]


def view_violations(view: Any, expected_type: str) -> list[tuple[str, str]]:
    """What Slack would reject in a view. Slack answers views.* with ``invalid_arguments``.

    ``View.validate_json()`` already checks the view's own limits (100 blocks, title, submit
    and close 24 characters, private_metadata 3000, callback_id 255).
    """
    if not isinstance(view, dict):
        return [("invalid_arguments", "view must be a JSON object")]
    problems = []
    if view.get("type") != expected_type:
        problems.append(f"view type is {view.get('type')!r}; this method takes a {expected_type!r} view")
    if expected_type == "modal" and not view.get("title"):
        problems.append("a modal needs a title")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        problems.append("view.blocks must be an array")
        blocks = []
    block_errors = block_problems(blocks, "view.blocks")
    problems += block_errors
    try:
        parsed = View(**view)
        parsed.validate_json()
        if not block_errors:  # to_dict() re-checks the blocks; report them once
            _dropped_fields(view, parsed.to_dict(), "view", problems)
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as exc:
        problems.append(f"view: {exc}")
    return [("invalid_arguments", problem) for problem in problems]


def block_problems(blocks: list, where: str = "blocks") -> list[str]:
    """Block Kit errors (slack_sdk) and Slack limits slack_sdk does not check."""
    problems: list[str] = []
    for index, raw in enumerate(blocks):
        label = f"{where}[{index}]"
        if not isinstance(raw, dict):
            problems.append(f"{label}: a block must be an object")
            continue
        label += f" ({raw.get('type')})"
        try:
            block = Block.parse(raw)
            if block is None:
                problems.append(f"{label}: unknown block type")
                continue
            block.validate_json()  # the block itself
            _dropped_fields(raw, block.to_dict(), label, problems)  # to_dict() checks nested elements
        except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{label}: {exc}")  # like Slack, the first error in a block is enough
            continue
        _limits(raw, label, problems)
    return problems


def _dropped_fields(sent: Any, parsed: Any, where: str, problems: list[str]) -> None:
    """slack_sdk silently drops fields it does not know; Slack rejects them."""
    if isinstance(sent, dict) and isinstance(parsed, dict):
        for key, value in sent.items():
            if key not in parsed:
                if value is not None:
                    problems.append(f"{where}: unknown or misplaced field `{key}`")
            else:
                _dropped_fields(value, parsed[key], f"{where}.{key}", problems)
    elif isinstance(sent, list) and isinstance(parsed, list) and len(sent) == len(parsed):
        for index, (a, b) in enumerate(zip(sent, parsed)):
            _dropped_fields(a, b, f"{where}[{index}]", problems)


def _text_of(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text")
    return value if isinstance(value, str) else ""


def _limits(node: Any, where: str, problems: list[str]) -> None:
    def too_long(what: str, value: str, limit: int) -> None:
        if len(value) > limit:
            problems.append(f"{where}: {what} is {len(value)} characters; Slack allows {limit}")

    if isinstance(node, list):
        for item in node:
            _limits(item, where, problems)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("section", "markdown"):
        too_long(f"{kind} text", _text_of(node.get("text")), MAX_SECTION_TEXT)
    elif kind == "header":
        too_long("header text", _text_of(node.get("text")), MAX_HEADER_TEXT)
    elif kind == "button":
        too_long("button value", str(node.get("value") or ""), MAX_BUTTON_VALUE)
    for key in ("action_id", "block_id"):
        if isinstance(node.get(key), str):
            too_long(key, node[key], MAX_ID)
    options = list(node.get("options") or []) + list(node.get("initial_options") or [])
    options += [node["initial_option"]] if isinstance(node.get("initial_option"), dict) else []
    for option in options:
        if isinstance(option, dict):
            too_long("option text", _text_of(option.get("text")), MAX_OPTION_TEXT)
            too_long("option value", str(option.get("value") or ""), MAX_OPTION_VALUE)
    for key, value in node.items():
        if isinstance(value, (dict, list)) and key not in ("options", "initial_options", "initial_option"):
            _limits(value, where, problems)
