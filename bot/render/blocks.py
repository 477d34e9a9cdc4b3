"""Block Kit built within Slack's limits, which ``slack_sdk.models`` does not all check:
50 blocks per message, 100 per view, 3,000 characters per section text, 150 per header,
75 per option text, 150 per option value.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_MODAL_TITLE = 24  # a modal's title, submit and close labels


def clip(text: str, limit: int) -> str:
    """Shorten to ``limit`` characters with an ellipsis; never cut an entity like ``&amp;`` in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Split long mrkdwn into chunks under ``limit``, at blank lines, then lines, then hard."""
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        while len(paragraph) > limit:
            piece = clip(paragraph, limit)
            chunks.append(piece)
            paragraph = paragraph[len(piece) - 1 :]
        current = paragraph
    if current:
        chunks.append(current)
    return chunks or [""]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text or " ", MAX_SECTION_TEXT)}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text or " ", MAX_HEADER_TEXT), "emoji": True}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text or " ", MAX_SECTION_TEXT)}]}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def text_blocks(text: str, *, title: str | None = None) -> list[dict[str, Any]]:
    """A rendered mrkdwn message as section blocks (split so none passes 3,000 characters)."""
    blocks = [header(title)] if title else []
    blocks.extend(section(chunk) for chunk in split_text(text) if chunk.strip())
    return blocks


def fallback_text(text: str) -> str:
    """The notification text Slack shows where blocks can't be (push notifications, search)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return clip(first.replace("*", ""), 300)
