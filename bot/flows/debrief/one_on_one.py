""""Schedule 1:1 review" schedules something: the manager picks the day and is reminded that
morning, once.

The click itself is recorded by :class:`bot.flows.debrief.service.DebriefFlow` (the weekly
summary counts planned 1:1s); this module sends the manager a date picker, schedules the
reminder for the picked day at ``REMIND_AT`` in the team's time zone (picking again moves
it), and sends the reminder DM when the dispatcher finds it due.
"""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from bot import clock, ids
from bot.conversation.inputs import ActionInput
from bot.errors import ActionRefused
from bot.flows.debrief.messages import remind_on_blocks
from bot.flows.debrief.service import reviewable_debrief
from bot.flows.hooks import FlowTools
from bot.jobs.schedule import reminder_due_at
from bot.render import blocks as bk
from bot.store import outbox, reminders
from bot.store import runs as run_store
from bot.store.reminders import Reminder
from bot.store.runs import Run

log = logging.getLogger("rebound.debrief")

KIND = "debrief_one_on_one"
REMIND_AT = "09:00"


class OneOnOneReminders:
    def __init__(self, tools: FlowTools):
        self.tools = tools
        self.store = tools.store

    def say(self, name: str, **context) -> str:
        return self.tools.renderer.render(f"debrief/{name}.md.j2", context)

    def zone(self, run: Run) -> str:
        team = self.tools.teams.get(run.team) if run.team else None
        return team.timezone if team else "UTC"

    def offer_picker(self, run: Run, manager: str) -> None:
        """After "Schedule 1:1 review": ask the manager for the day (inside the click's transaction)."""
        text = self.say("one_on_one_pick", deal=run.answers.get("deal"), rep=run.user_id)
        payload = {"channel": manager, "text": bk.fallback_text(text), "blocks": remind_on_blocks(run.id, text),
                   "unfurl_links": False}
        outbox.enqueue(self.store, f"debrief_review:{run.id}:{manager}:one_on_one_pick", "chat.postMessage", payload,
                       run_id=run.id, team=run.team)

    def on_pick(self, action: ActionInput, context: ids.ActionValue) -> None:
        """The manager picked the day: (re)schedule the reminder and confirm it."""
        run = reviewable_debrief(self.tools, context.run_id, action.user_id)
        manager = action.user_id
        try:
            day = date.fromisoformat(str(action.selected))
        except ValueError:
            raise ActionRefused("malformed", "no date") from None
        zone = self.zone(run)
        today = clock.now().astimezone(ZoneInfo(zone)).date()
        deal = run.answers.get("deal")
        if day < today:
            self.tools.screens.note(manager, self.say("one_on_one_set", deal=deal, day=day, past=True))
            return
        due = reminder_due_at(day, REMIND_AT, zone)
        reminders.cancel_for_run(self.store, run.id, [KIND])  # a new pick moves the reminder
        # Keyed by the pick (Slack's retries of one pick were already dropped by the chat), so
        # picking a day again after moving away from it schedules it again.
        reminders.schedule(self.store, f"{KIND}:{run.id}:{manager}:{day.isoformat()}:{action.action_ts}", KIND, due,
                           {"run_id": run.id, "manager": manager, "day": day.isoformat()},
                           run_id=run.id, team=run.team, user_id=manager)
        self.tools.screens.note(manager, self.say("one_on_one_set", deal=deal, day=day, past=False, at=REMIND_AT))

    def on_due(self, reminder: Reminder) -> None:
        """The dispatcher's handler: the reminder DM to the manager, unless the debrief is gone."""
        run = run_store.get_run(self.store, reminder.payload["run_id"])
        if run.status != run_store.SUBMITTED:
            return
        manager = reminder.payload["manager"]
        text = self.say("one_on_one_due", deal=run.answers.get("deal"), rep=run.user_id, run_id=run.id)
        payload = {"channel": manager, "text": bk.fallback_text(text), "blocks": bk.text_blocks(text),
                   "unfurl_links": False}
        outbox.enqueue(self.store, f"{reminder.key}:post", "chat.postMessage", payload, run_id=run.id, team=run.team)
