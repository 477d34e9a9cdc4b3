"""Telling a team's managers when Slack refuses a post for a reason they can fix.

A summary to a channel the bot was never invited to fails with ``not_in_channel`` on
every attempt; retrying can't help, and nobody reads the server's logs. So when the outbox
gives up on a post to a team's channel for such a reason, each of the team's managers gets
one DM saying which channel, why, and what to do. The notice is keyed by reason, channel,
manager and day, so a week of failed posts (or two instances) tells them once a day at most.
"""

from __future__ import annotations

import logging
import re

from markupsafe import Markup

from bot import clock
from bot.render import blocks as bk
from bot.render.templates import Renderer
from bot.store import outbox
from bot.store.db import Store
from bot.store.outbox import OutboxItem
from bot.files.teams import Teams

log = logging.getLogger("rebound.outbox")

CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")

# Slack's reason -> what a manager can do about it.
FIXES = {
    "not_in_channel": "invite me there: type `/invite @Rebound` in that channel",
    "channel_not_found": "check the channel in the teams file: it may have been deleted, or be private "
                         "and not shared with me (invite me, or give another channel id)",
    "is_archived": "unarchive it, or give your team another channel in the teams file",
}


class FailureNotices:
    """An :class:`~bot.outbox.sender.OutboxSender` ``on_failure`` hook."""

    template = "slack/post_failed.md.j2"

    def __init__(self, store: Store, teams: Teams, renderer: Renderer):
        self.store = store
        self.teams = teams
        self.renderer = renderer

    def __call__(self, item: OutboxItem, reason: str) -> None:
        channel = item.payload.get("channel") if isinstance(item.payload, dict) else None
        if reason not in FIXES or item.method != "chat.postMessage" or not isinstance(channel, str) \
                or not CHANNEL.match(channel):
            return  # a DM that failed, or a reason no manager can fix: `rebound status` shows it
        team = self.teams.get(item.team) if item.team else None
        if team is None or not team.managers:
            log.warning("post refused and no manager to tell key=%s channel=%s reason=%s", item.key, channel, reason)
            return
        text = self.renderer.render(self.template, {
            "channel": Markup(f"<#{channel}>"), "reason": reason, "fix": FIXES[reason], "team": team.name})
        day = clock.now().date().isoformat()
        for manager in team.managers:
            queued = outbox.enqueue(self.store, f"notice:{reason}:{channel}:{manager}:{day}", "chat.postMessage",
                                    {"channel": manager, "text": bk.fallback_text(text), "blocks": bk.text_blocks(text),
                                     "unfurl_links": False}, team=team.id)
            if queued:
                log.info("manager told of a refused post manager=%s channel=%s reason=%s", manager, channel, reason)
