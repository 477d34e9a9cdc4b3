"""Sending due reminders: each one is completed and its post queued in one transaction, so
it goes out once even when two schedulers tick together, and a late tick catches up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.store import reminders
from bot.store import runs as run_store
from bot.store.reminders import Reminder

log = logging.getLogger("rebound.jobs")

# kind -> handler(reminder). Handlers queue posts through the outbox; they run inside the
# transaction that completes the reminder.
Handler = Callable[[Reminder], None]


class ReminderDispatcher:
    def __init__(self, services):
        self.services = services
        self.handlers: dict[str, Handler] = {"playbook_reminder": self.playbook_reminder}

    def tick(self, now: datetime) -> int:
        """Send every reminder due at ``now``; returns how many this call sent."""
        sent = 0
        store = self.services.store
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
            self.services.wake()
        return sent

    def playbook_reminder(self, reminder: Reminder) -> None:
        """A reminder declared in a playbook's on_submit: its template rendered with the run's answers."""
        payload = reminder.payload
        run = run_store.get_run(self.services.store, payload["run_id"])
        if run.status != run_store.SUBMITTED:
            return
        ctx = self.services.conversations.template_context(run)
        ctx["reminder"] = {"id": payload.get("reminder"), "due_at": reminder.due_at}
        text = self.services.renderer.render(payload["template"], ctx)
        self.services.submissions.post_text(run, payload.get("to", "user"), text, key=f"{reminder.key}:post")
