"""Reading a file a person uploaded through a modal's ``file_input`` (the CSV import).

The modal's answer depends on the file, so it is read during the request (files.info, then
the private download URL with the bot token; ``files:read``), with a short timeout and a size
cap, and never retried: a failure is said beside the file input and the person tries again.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.conversation.slack_calls import FetchedFile

log = logging.getLogger("rebound.files")

MAX_FILE_BYTES = 1024 * 1024  # a CRM export of a few thousand opportunities is far smaller
FETCH_TIMEOUT = 2  # seconds: the modal's acknowledgement waits on this


class FileFetcher:
    def __init__(self, client: WebClient):
        self.client = WebClient(token=client.token, base_url=client.base_url, timeout=FETCH_TIMEOUT,
                                retry_handlers=[])

    def __call__(self, file_id: str) -> FetchedFile:
        try:
            info = self.client.files_info(file=file_id).data.get("file") or {}
        except SlackApiError as error:
            reason = (error.response.data or {}).get("error") if isinstance(error.response.data, dict) else None
            log.info("files.info refused: %s", reason)
            return FetchedFile(problem="Slack didn't let me read that file" + (f" ({reason})" if reason else "") + ".")
        except (SlackClientError, OSError) as error:
            log.info("files.info failed: %s", type(error).__name__)
            return FetchedFile(problem="I couldn't reach Slack to read that file. Please try again.")
        name = str(info.get("name") or "file")
        size = info.get("size") if isinstance(info.get("size"), int) else 0
        if size > MAX_FILE_BYTES:
            return FetchedFile(name, problem=f"That file is {size // 1024:,} KB; please keep an import under "
                                             f"{MAX_FILE_BYTES // 1024:,} KB.")
        url = info.get("url_private_download") or info.get("url_private")
        if not isinstance(url, str):
            return FetchedFile(name, problem="Slack gave no way to download that file.")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.client.token}"})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
                kind = response.headers.get("Content-Type", "")
                content = response.read(MAX_FILE_BYTES + 1)
        except (urllib.error.URLError, OSError) as error:
            log.info("file download failed: %s", type(error).__name__)
            return FetchedFile(name, problem="I couldn't download that file from Slack. Please try again.")
        if kind.startswith("text/html"):  # Slack's sign-in page: the token may not read files (files:read)
            return FetchedFile(name, problem="Slack wouldn't let me read that file; the app may lack files:read.")
        if len(content) > MAX_FILE_BYTES:
            return FetchedFile(name, problem=f"Please keep an import under {MAX_FILE_BYTES // 1024:,} KB.")
        return FetchedFile(name, content)
