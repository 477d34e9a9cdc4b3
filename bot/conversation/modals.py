"""The flows' own modals (bot.flows.hooks.ModalHook: team weights, review notes, a file upload):
opened from a command's or a button's trigger, answered synchronously on submit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot import ids
from bot.conversation.forms import Forms
from bot.conversation.inputs import Reply, ViewAck, ViewInput
from bot.conversation.screens import Screens
from bot.errors import ActionRefused, Forbidden, NotFound
from bot.store.db import Store

log = logging.getLogger("rebound.chat")


class FlowModals:
    def __init__(self, store: Store, screens: Screens, forms: Forms | None, modals: Mapping[str, Any],
                 wake: Callable[[], None]):
        self.store = store
        self.screens = screens
        self.forms = forms
        self.wake = wake
        self.by_callback: Mapping[str, Any] = modals
        self.by_command = {(m.command, m.verb): m for m in modals.values() if m.command and m.verb}
        self.by_button = {m.action_id: m for m in modals.values() if m.action_id}

    def open(self, modal: Any, user_id: str, context: ids.ActionValue | None, rest: str,
             trigger_id: str | None) -> Reply | None:
        """Open a flow's modal from a trigger; a Reply when it can't (refused, or Slack too late)."""
        try:
            view = modal.view(user_id, context, rest)
        except (ActionRefused, Forbidden, NotFound) as exc:
            return Reply(getattr(exc, "message", None) or self.screens.say("not_yours"))
        if isinstance(view, Reply):
            return view
        if trigger_id and self.forms is not None and self.forms.calls.open_view(trigger_id, view):
            return None if context is not None else Reply(self.screens.say("modal_opened"))
        return Reply(self.screens.say("modal_expired"))

    def submit(self, view: ViewInput) -> ViewAck:
        """A flow's modal submitted: its handler answers, inside one transaction (synchronous on
        purpose: the acknowledgement carries the errors or the next view)."""
        modal = self.by_callback.get(view.callback_id)
        if modal is None:
            return ViewAck("clear")
        with self.store.transaction():
            try:
                ack = modal.submit(view)
            except (ActionRefused, Forbidden, NotFound) as exc:
                log.info("refused modal %s: %s", view.callback_id, exc)
                ack = ViewAck("clear")
        self.wake()
        return ack
