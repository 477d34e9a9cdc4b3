"""Modals: a form page submitted (view_submission) or closed (view_closed).

The submission is handled before the acknowledgement on purpose: the ack's body *is* the
answer (errors beside the fields, the next page, or close). The form service only parses,
commits and queues, well inside Slack's 3 seconds; it must stay synchronous and never call
Slack (other requests' work may move after the ack; this one cannot).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.conversation.inputs import ViewInput

FORM_CALLBACK = "rb_form"  # bot.render.modals.CALLBACK_ID


def to_view_input(body: dict[str, Any]) -> ViewInput | None:
    user = body.get("user")
    view = body.get("view")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not isinstance(view, dict):
        return None
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    values = state.get("values") if isinstance(state.get("values"), dict) else {}
    metadata = view.get("private_metadata")
    return ViewInput(user_id=user["id"], callback_id=str(view.get("callback_id") or ""),
                     private_metadata=metadata if isinstance(metadata, str) else "", state_values=values,
                     view_id=view.get("id") if isinstance(view.get("id"), str) else None)


def register(app: App, services) -> None:
    @app.view(FORM_CALLBACK)
    def on_form_page(ack: Ack, body: dict) -> None:
        view = to_view_input(body)
        reply = services.forms.submit(view).body() if view is not None else {}
        ack(**reply)

    @app.view(re.compile(r"^rb_(?!form$)[a-z_]+$"))
    def on_flow_modal(ack: Ack, body: dict) -> None:
        view = to_view_input(body)
        ack(**(services.chat.flow_modals.submit(view).body() if view is not None else {}))

    @app.view_closed(FORM_CALLBACK)
    def on_form_closed(ack: Ack, body: dict) -> None:
        ack()
        view = to_view_input(body)
        if view is not None:
            services.forms.closed(view)
