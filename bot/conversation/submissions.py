"""Submitting a run: store it, render its summary, and queue every post and reminder it calls for.

All of it happens in one transaction with the status change, through the outbox and the
reminders table, so a double click posts once and a crash never posts half.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.conversation.conversations import Conversations
from bot.engine import conditions
from bot.engine.model import Playbook, Post, Reminder
from bot.errors import ActionRefused
from bot.jobs.schedule import reminder_due_at
from bot.render import blocks
from bot.render.templates import Renderer
from bot.store import outbox, reminders
from bot.store import runs as run_store
from bot.store.runs import Run
from bot.files.teams import Teams

log = logging.getLogger("rebound.submit")


@dataclass
class Delivery:
    """A post a submit queued (or could not queue, with the reason)."""

    to: str
    channel: str | None
    template: str
    skipped_reason: str | None = None


@dataclass
class Submitted:
    run: Run
    summary: str  # plain text, for the terminal and the rep's confirmation
    deliveries: list[Delivery] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    already: bool = False  # the run had been submitted before (a double click)


# A flow's own effect of a submit (a pilot's agreement file, a manager's review DM ...), called inside
# the submit transaction as hook(run, playbook, template context, deliver, result). ``deliver`` is
# False for the terminal, which posts nothing.
AfterSubmit = Callable[[Run, Playbook, dict[str, Any], bool, "Submitted"], None]


class Submissions:
    def __init__(self, conversations: Conversations, renderer: Renderer, teams: Teams,
                 after_submit: Sequence[AfterSubmit] = ()):
        self.conversations = conversations
        self.renderer = renderer
        self.teams = teams
        self.store = conversations.store
        self.after_submit: Sequence[AfterSubmit] = after_submit

    def destinations(self, to: str, run: Run) -> list[str]:
        """Channel or user ids for a destination name; empty when the teams file names none."""
        team = self.teams.get(run.team) if run.team else None
        if to == "user":
            return [run.user_id]
        if to == "team_channel":
            return [team.summary_channel] if team else []
        if to == "managers":
            return list(team.managers) if team else []
        if to == "product_channel":
            return [self.teams.routing.product_channel] if self.teams.routing.product_channel else []
        if to == "enablement_channel":
            return [self.teams.routing.enablement_channel] if self.teams.routing.enablement_channel else []
        return []

    def post_text(self, run: Run, to: str, text: str, *, key: str) -> list[str]:
        """Queue a rendered mrkdwn message to a destination (user, team_channel, managers...).
        Returns the channels it was queued for; ``key`` makes a repeat a no-op."""
        targets = self.destinations(to, run)
        for target in targets:
            payload = {"channel": target, "text": blocks.fallback_text(text), "blocks": blocks.text_blocks(text),
                       "unfurl_links": False}
            outbox.enqueue(self.store, f"{key}:{target}", "chat.postMessage", payload, run_id=run.id, team=run.team)
        return targets

    def submit(self, run_id: str, user_id: str, *, deliver: bool = True) -> Submitted:
        run = self.conversations.load(run_id, user_id)
        playbook = self.conversations.playbook(run.playbook)
        if run.status == run_store.SUBMITTED:
            return Submitted(run, self._summary(run, playbook), already=True)
        if run.status != run_store.ACTIVE:
            raise ActionRefused(run.status, f"This {playbook.title.lower()} was {run.status}.")
        missing = self.conversations.missing(run)
        if missing:
            raise ActionRefused("incomplete", "A few needed questions still have no answer: "
                                + ", ".join(step.id for step in missing))
        with self.store.transaction():
            if not run_store.mark_submitted(self.store, run.id):
                return Submitted(run_store.get_run(self.store, run.id), self._summary(run, playbook), already=True)
            run = run_store.get_run(self.store, run.id)
            result = Submitted(run, self._summary(run, playbook))
            if deliver:
                ctx = self.conversations.template_context(run)
                for index, post in enumerate(playbook.on_submit.posts):
                    result.deliveries.extend(self._queue_post(run, post, index, ctx))
                for reminder in playbook.on_submit.reminders:
                    key = self._schedule_reminder(run, reminder, ctx)
                    if key:
                        result.reminders.append(key)
            ctx = self.conversations.template_context(run)
            for hook in self.after_submit:
                hook(run, playbook, ctx, deliver, result)
        log.info("run submitted", extra={"run_id": run.id, "playbook": run.playbook,
                                         "posts": len(result.deliveries), "reminders": len(result.reminders)})
        return result

    def _summary(self, run: Run, playbook: Playbook) -> str:
        return self.renderer.render(playbook.on_submit.summary, self.conversations.template_context(run), plain=True)

    def _queue_post(self, run: Run, post: Post, index: int, ctx: dict[str, Any]) -> list[Delivery]:
        if post.when is not None and not conditions.truthy(post.when, ctx):
            return []
        targets = self.destinations(post.to, run)
        if not targets:
            return [Delivery(post.to, None, post.template, skipped_reason=f"no {post.to.replace('_', ' ')} configured")]
        text = self.renderer.render(post.template, ctx)
        deliveries = []
        for target in targets:
            payload = {"channel": target, "text": blocks.fallback_text(text), "blocks": blocks.text_blocks(text),
                       "unfurl_links": False}
            outbox.enqueue(self.store, f"submit:{run.id}:{index}:{target}", "chat.postMessage", payload,
                           run_id=run.id, team=run.team)
            deliveries.append(Delivery(post.to, target, post.template))
        return deliveries

    def _schedule_reminder(self, run: Run, reminder: Reminder, ctx: dict[str, Any]) -> str | None:
        if reminder.when is not None and not conditions.truthy(reminder.when, ctx):
            return None
        on = conditions.evaluate(reminder.due, ctx)
        if not on:
            return None
        team = self.teams.get(run.team) if run.team else None
        due_at = reminder_due_at(date.fromisoformat(str(on)[:10]), reminder.at, team.timezone if team else "UTC")
        key = f"reminder:{run.id}:{reminder.id}"
        reminders.schedule(
            self.store, key, "playbook_reminder", due_at,
            {"run_id": run.id, "reminder": reminder.id, "template": reminder.template, "to": reminder.to},
            run_id=run.id, team=run.team, user_id=run.user_id,
        )
        return key
