"""`/recover import` in Slack: a modal with a file input for the CRM export (``files:read``),
instead of a paste. The file is read and imported while the modal waits (a CSV of a few
thousand rows takes milliseconds), and the modal turns into the import's outcome: rows added
or updated, and each row left out with its line and reason. Pasting after the command still
works, and `rebound recover import` on the server too.
"""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.conversation.inputs import Reply, ViewAck, ViewInput
from bot.conversation.slack_calls import SlackCalls
from bot.flows.recovery.actions import MAX_IMPORT_ERRORS_SHOWN
from bot.flows.recovery.service import Recovery
from bot.render import blocks as bk
from bot.render import modals
from bot.render.slack_messages import plain
from bot.render.templates import Renderer

CALLBACK_ID = "rb_import"
DONE_CALLBACK_ID = "rb_import_done"


class ImportModal:
    def __init__(self, recovery: Recovery, renderer: Renderer, calls: SlackCalls):
        self.recovery = recovery
        self.renderer = renderer
        self.calls = calls

    def view(self, user_id: str, clicked: ids.ActionValue | None, rest: str) -> dict[str, Any] | Reply:
        return modals.file_view(
            "Import opportunities", "Your CRM's export (CSV)",
            "Header row first. Name and Amount are needed; Currency, Probability, Close Date, Account, Fit, "
            "Relationship and Effort (1-5) help the ranking.", CALLBACK_ID, "")

    def submit(self, view: ViewInput) -> ViewAck:
        files = modals.read_state_by_block(view.state_values).get("file") or []
        file_id = files[0].get("id") if files and isinstance(files[0], dict) else None
        if not isinstance(file_id, str):
            return ViewAck("errors", errors={"file": "Please add the CSV file."})
        fetched = self.calls.fetch_file(file_id)
        if fetched.content is None:
            return ViewAck("errors", errors={"file": fetched.problem or "I couldn't read that file."})
        try:
            text = fetched.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ViewAck("errors", errors={"file": "That file isn't UTF-8 text; export it from your CRM as CSV (UTF-8)."})
        outcome = self.recovery.import_csv(view.user_id, text)
        if not (outcome.added or outcome.updated) and outcome.errors:  # nothing in: say why beside the file
            first = outcome.errors[0]
            return ViewAck("errors", errors={"file": bk.clip(f"Nothing imported: {first}", 1000)})
        said = self.renderer.render("recover/import.md.j2", {"outcome": {
            "added": outcome.added, "updated": outcome.updated, "ignored_columns": list(outcome.ignored_columns),
            "errors": [str(error) for error in outcome.errors[:MAX_IMPORT_ERRORS_SHOWN]],
            "more_errors": max(len(outcome.errors) - MAX_IMPORT_ERRORS_SHOWN, 0),
            "currencies": list(outcome.currencies)}})
        return ViewAck("update", view={
            "type": "modal", "callback_id": DONE_CALLBACK_ID, "title": plain("Import opportunities", bk.MAX_MODAL_TITLE),
            "close": plain("Done", bk.MAX_MODAL_TITLE),
            "blocks": bk.text_blocks(said)[: bk.MAX_VIEW_BLOCKS]})
