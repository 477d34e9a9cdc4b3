"""Opening a modal: the one Web API call that cannot wait in the outbox.

``views.open`` must answer a ``trigger_id`` within 3 seconds of the click or command that
made it, so a queued retry would only ever fail with ``expired_trigger_id``. It is called
here, directly, once; when Slack refuses (an expired trigger, a rate limit, a network fault)
the caller falls back to a button in the DM, which is queued in the outbox as usual.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger("rebound.modals")

OPEN_TIMEOUT = 2  # seconds: the trigger dies at 3, so waiting longer only delays the DM fallback


class ViewOpener:
    def __init__(self, client: WebClient):
        self.client = WebClient(token=client.token, base_url=client.base_url, timeout=OPEN_TIMEOUT,
                                retry_handlers=[])

    def __call__(self, trigger_id: str, view: dict[str, Any]) -> str | None:
        """The opened view's id, or None when Slack refused (the reason is logged)."""
        try:
            response = self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            log.info("views.open refused: %s", data.get("error") or error.response.status_code)
            return None
        except (SlackClientError, OSError) as error:
            log.info("views.open failed: %s", type(error).__name__)
            return None
        view_data = response.data.get("view") if isinstance(response.data, dict) else None
        return view_data.get("id") if isinstance(view_data, dict) else None
