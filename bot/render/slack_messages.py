"""Block Kit for the conversation in a DM: questions, answered questions, the review card,
notes and the App Home. Pure functions from already-rendered text to blocks.

Text that reaches a ``plain_text`` field (buttons, options, headers) is plain: Slack shows
entities there literally. Text that reaches ``mrkdwn`` comes from the escaping environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import ids
from bot.engine.model import Step
from bot.render import blocks as bk
from bot.render.mrkdwn import escape

MAX_BUTTON_OPTIONS = 5
MAX_CHECKBOX_OPTIONS = 10
MAX_BUTTON_VALUE = 2000  # Slack's limit on a button's value; a longer suggestion is typed instead


def plain(text: str, limit: int = bk.MAX_OPTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": bk.clip(text or " ", limit), "emoji": True}


def button(label: str, action_id: str, value: str | None = None, style: str | None = None,
           confirm: dict | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label), "action_id": action_id}
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def option(label: str, value: str, hint: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"text": plain(label), "value": value[: bk.MAX_OPTION_VALUE]}
    if hint:
        item["description"] = plain(hint)
    return item


@dataclass
class QuestionView:
    """A question, rendered: the text is mrkdwn-safe already."""

    run_id: str
    step: Step
    ask: str
    help: str | None
    position: int
    total: int
    expected: str
    current: str | None = None  # display text of the existing answer (after back / edit)
    can_go_back: bool = True
    today: str | None = None
    core: bool = True  # counted among the core questions ("2/5"), or the optional ones ("Optional 1/11")
    suggestion: tuple[str, str] | None = None  # (value a click sends, what it shows): "Usually Pepper Potts"


def _block_id(run_id: str, step_id: str, tag: str) -> str:
    return ids.ActionValue(run_id, step_id, tag).encode()


def _input_elements(view: QuestionView) -> list[dict[str, Any]]:
    step = view.step
    if step.type == "yes_no":
        return [button("Yes", f"{ids.ANSWER}:1", "yes", "primary"), button("No", f"{ids.ANSWER}:2", "no")]
    if step.type == "choice" and len(step.options) <= MAX_BUTTON_OPTIONS:
        return [button(o.label, f"{ids.ANSWER}:{i}", o.value) for i, o in enumerate(step.options, 1)]
    if step.type == "choice":
        return [{"type": "static_select", "action_id": ids.SELECT, "placeholder": plain("Choose one"),
                 "options": [option(o.label, o.value) for o in step.options[:100]]}]
    if step.type == "multi_choice":
        if len(step.options) <= MAX_CHECKBOX_OPTIONS:
            chooser = {"type": "checkboxes", "action_id": ids.MULTI_TOGGLE,
                       "options": [option(o.label, o.value, o.hint) for o in step.options]}
        else:
            chooser = {"type": "multi_static_select", "action_id": ids.MULTI_TOGGLE,
                       "placeholder": plain("Choose any"), "options": [option(o.label, o.value) for o in step.options[:100]]}
        return [chooser, button("Done", ids.MULTI_DONE, "done", "primary")]
    if step.type == "date":
        picker: dict[str, Any] = {"type": "datepicker", "action_id": ids.DATE, "placeholder": plain("Pick a date")}
        return [picker]
    if step.type == "user":
        return [{"type": "users_select", "action_id": ids.USER, "placeholder": plain("Choose a person")}]
    return []


def question_blocks(view: QuestionView) -> list[dict[str, Any]]:
    step = view.step
    counter = f"{view.position}/{view.total}" if view.core else f"Optional {view.position}/{view.total}"
    blocks: list[dict[str, Any]] = [bk.section(f"*{counter}* {view.ask}")]
    if view.help:
        blocks.append(bk.context(view.help))
    if view.current:
        blocks.append(bk.context(f"Current answer: {escape(view.current)}"))
    elements = _input_elements(view)
    if elements:
        blocks.append({"type": "actions", "block_id": _block_id(view.run_id, step.id, "in"), "elements": elements})
    if step.type not in ("choice", "multi_choice", "yes_no", "user"):
        how = "Reply here with your answer" if step.type != "date" else "Pick a date, or reply with one"
        skip = ", or type skip to leave it out" if not step.required else ""
        blocks.append(bk.context(f"{how}: {escape(view.expected)}{skip}."))
    nav = []
    if view.can_go_back:
        nav.append(button("Back", ids.BACK, "back"))
    if view.suggestion is not None and len(view.suggestion[0]) <= MAX_BUTTON_VALUE:
        nav.append(button(f"Use {view.suggestion[1]}", f"{ids.ANSWER}:0", view.suggestion[0]))
    if not step.required:
        nav.append(button("Skip", ids.SKIP, "skip"))
    nav.append(button("Cancel", ids.CANCEL, "cancel", "danger", confirm={
        "title": plain("Cancel this?", 24), "text": {"type": "mrkdwn", "text": "Your answers are kept, but it won't be submitted."},
        "confirm": plain("Cancel it"), "deny": plain("Keep going"),
    }))
    blocks.append({"type": "actions", "block_id": _block_id(view.run_id, step.id, "nav"), "elements": nav})
    return blocks


def answered_blocks(ask: str, display: str, *, skipped: bool = False) -> list[dict[str, Any]]:
    """The question once answered: a clean transcript line, no buttons left to click."""
    shown = "_skipped_" if skipped else escape(display)
    quoted = "\n".join("> " + line for line in (shown.splitlines() or [""]))
    return [bk.section(bk.clip(f"✅ {ask}\n{quoted}", bk.MAX_SECTION_TEXT))]


def review_blocks(run_id: str, title: str, items: list[tuple[str, str, str, bool]], missing: list[str]) -> list[dict[str, Any]]:
    """The review card: every answer with an Edit button. ``items`` are (step_id, label, display, skipped)."""
    blocks: list[dict[str, Any]] = [bk.header(f"Review your {title.lower()}")]
    room = bk.MAX_MESSAGE_BLOCKS - 4
    for index, (step_id, label, display, skipped) in enumerate(items):
        shown = "_skipped_" if skipped else escape(display or "—")
        text = bk.clip(f"*{label}*\n{shown}", bk.MAX_SECTION_TEXT)
        if index < room:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text},
                           "accessory": button("Edit", f"{ids.EDIT}:{index}", ids.ActionValue(run_id, step_id).encode())})
        else:  # past Slack's 50-block limit the rest are listed without buttons
            blocks[-1]["text"]["text"] = bk.clip(blocks[-1]["text"]["text"] + "\n" + text, bk.MAX_SECTION_TEXT)
    if missing:
        blocks.append(bk.context("Still needed before you can submit: " + escape(", ".join(missing))))
    actions = [button("Submit", ids.SUBMIT, ids.ActionValue(run_id).encode(), "primary"),
               button("Cancel", ids.CANCEL, ids.ActionValue(run_id).encode(), "danger")]
    blocks.append({"type": "actions", "block_id": _block_id(run_id, "review", "nav"), "elements": actions})
    return blocks


def note_blocks(text: str) -> list[dict[str, Any]]:
    return bk.text_blocks(text)


def resume_blocks(run_id: str, text: str) -> list[dict[str, Any]]:
    value = ids.ActionValue(run_id).encode()
    return [bk.section(text), {"type": "actions", "elements": [
        button("Resume", ids.RESUME, value, "primary"), button("Start over", ids.START_OVER, value)]}]


def home_view(sections: list[tuple[str, list[tuple[str, str | None]]]], *,
              starts: Sequence[tuple[str, str]] = (), settings: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """App Home: a row of start buttons ((label, playbook id)), a team-settings button for each
    team the person manages ((team name, team id)), then titled sections of (mrkdwn line, run id
    to resume or None)."""
    blocks: list[dict[str, Any]] = [bk.header("Rebound")]
    if starts:  # an actions block holds at most 25 elements
        blocks.append({"type": "actions", "block_id": "rb_home_starts", "elements": [
            button(label, f"{ids.START}:{index}", playbook, "primary" if index == 0 else None)
            for index, (label, playbook) in enumerate(starts[:25])]})
    if settings:
        blocks.append({"type": "actions", "block_id": "rb_home_settings", "elements": [
            button(f"Settings: {name}", f"{ids.SETTINGS}:{index}", team) for index, (name, team) in enumerate(settings[:25])]})
    if starts or settings:
        blocks.append(bk.divider())
    for title, rows in sections:
        if len(blocks) >= bk.MAX_VIEW_BLOCKS - 3:
            break
        blocks.append(bk.section(f"*{title}*"))
        if not rows:
            blocks.append(bk.context("Nothing here yet."))
        for index, (line, run_id) in enumerate(rows):
            if len(blocks) >= bk.MAX_VIEW_BLOCKS - 1:
                break
            block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": bk.clip(line, bk.MAX_SECTION_TEXT)}}
            if run_id:
                block["accessory"] = button("Resume", f"{ids.OPEN_RUN}:{index}", ids.ActionValue(run_id).encode())
            blocks.append(block)
        blocks.append(bk.divider())
    return {"type": "home", "blocks": blocks[: bk.MAX_VIEW_BLOCKS]}
