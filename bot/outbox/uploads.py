"""``files_upload_v2``'s arguments from an outbox row (the sender calls it just before sending).

The outbox stores JSON, so binary files (the weekly chart's PNG) are kept as base64 text under
``content_base64`` and become bytes here. Files are shared to a channel id, so a person's id
(a head of sales without a roll-up channel) becomes their DM's id through ``conversations.open``,
which answers the same DM every time.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from slack_sdk import WebClient


class InvalidUpload(ValueError):
    """A stored upload the same request would fail on again (not worth a retry)."""


def upload_args(client: WebClient, payload: dict[str, Any]) -> dict[str, Any]:
    args = dict(payload)
    uploads = args.get("file_uploads")
    if isinstance(uploads, list):
        args["file_uploads"] = [decoded(item) if isinstance(item, dict) else item for item in uploads]
    if "content_base64" in args:
        args = decoded(args)
    channel = args.get("channel")
    if isinstance(channel, str) and channel[:1] in ("U", "W"):
        opened = client.api_call("conversations.open", json={"users": channel}).data
        args["channel"] = (opened.get("channel") or {}).get("id") if isinstance(opened, dict) else None
    return args


def decoded(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with ``content_base64`` turned into ``content`` bytes."""
    item = dict(item)
    encoded = item.pop("content_base64", None)
    if encoded is not None:
        try:
            item["content"] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidUpload(f"content_base64 is not base64: {error}") from error
    return item


__all__ = ["InvalidUpload", "decoded", "upload_args"]
