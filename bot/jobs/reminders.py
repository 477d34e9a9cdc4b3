"""Sending due reminders: each one is completed and its post queued in one transaction, so
it goes out once even when two schedulers tick together, and a late tick catches up."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.conversation.conversations import Conversations
from bot.conversation.submissions import Submissions
from bot.render.templates import Renderer
from bot.store import reminders
from bot.store import runs as run_store
from bot.store.db import Store
from bot.store.reminders import Reminder

log = logging.getLogger("rebound.jobs")

# kind -> handler(reminder). Handlers queue posts through the outbox; they run inside the
# transaction that completes the reminder.
ReminderHandler = Callable[[Reminder], None]


PLAYBOOK_REMINDER = "playbook_reminder"


class ReminderDispatcher:
    def __init__(self, store: Store, conversations: Conversations, renderer: Renderer, submissions: Submissions, *,
                 handlers: Mapping[str, ReminderHandler] | None = None, wake: Callable[[], None] = lambda: None):
        self.store = store
        self.conversations = conversations
        self.renderer = renderer
        self.submissions = submissions
        self.wake = wake
        if handlers and PLAYBOOK_REMINDER in handlers:
            raise ValueError(f"the reminder kind {PLAYBOOK_REMINDER!r} is the playbooks' own")
        self.handlers: dict[str, ReminderHandler] = {PLAYBOOK_REMINDER: self.playbook_reminder, **(handlers or {})}

    def tick(self, now: datetime) -> int:
        """Send every reminder due at ``now``; returns how many this call sent."""
        sent = 0
        store = self.store
        for reminder in reminders.due(store, now, limit=200):
            handler = self.handlers.get(reminder.kind)
            if handler is None:
                log.warning("no handler for reminder kind=%s key=%s", reminder.kind, reminder.key)
                continue
            with store.transaction():
                if not reminders.complete(store, reminder.id):
                    continue  # another scheduler got it first
                handler(reminder)
            sent += 1
            log.info("reminder sent key=%s kind=%s run_id=%s", reminder.key, reminder.kind, reminder.run_id)
        if sent:
            self.wake()
        return sent

    def playbook_reminder(self, reminder: Reminder) -> None:
        """A reminder declared in a playbook's on_submit: its template rendered with the run's answers."""
        payload = reminder.payload
        run = run_store.get_run(self.store, payload["run_id"])
        if run.status != run_store.SUBMITTED:
            return
        ctx = self.conversations.template_context(run)
        ctx["reminder"] = {"id": payload.get("reminder"), "due_at": reminder.due_at}
        text = self.renderer.render(payload["template"], ctx)
        self.submissions.post_text(run, payload.get("to", "user"), text, key=f"{reminder.key}:post")
