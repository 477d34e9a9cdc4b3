"""The Web API calls that cannot wait in the outbox, handed in by the Slack layer.

Opening a modal answers a ``trigger_id`` that dies after 3 seconds, and reading a file a
person uploaded in a modal is what the modal's answer depends on: both happen during the
request. :func:`bot.app.create_app` fills these in (``bot.slack.modals``, ``bot.slack.files``);
until then (the terminal, tests of the services alone) they refuse, and callers fall back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class FetchedFile:
    """A file's bytes, or why it could not be read (said to the person beside the file input)."""

    name: str = ""
    content: bytes | None = None
    problem: str | None = None


class SlackCalls:
    def __init__(self) -> None:
        # open_view(trigger_id, view) -> the opened view's id, or None when Slack refused.
        self.open_view: Callable[[str, dict[str, Any]], str | None] = lambda trigger_id, view: None
        # fetch_file(file_id) -> its bytes, or the reason it can't be read.
        self.fetch_file: Callable[[str], FetchedFile] = lambda file_id: FetchedFile(
            problem="I can't reach Slack to read the file right now. Please try again in a minute.")
