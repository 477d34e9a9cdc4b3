"""App Home for a team's managers: the debriefs waiting for their review and a link to the last
weekly summary. Slack gives a permalink only for a posted message, so the link is built from the
channel and ts the outbox recorded when the summary was posted."""

from __future__ import annotations

from bot.files.teams import Teams
from bot.render.templates import Renderer
from bot.store import reports
from bot.store.db import Store

MAX_WAITING = 10


def message_link(channel: str, ts: str) -> str:
    """Slack's archive link to one message (it opens the message in the workspace)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


class DebriefHome:
    def __init__(self, store: Store, teams: Teams, renderer: Renderer):
        self.store = store
        self.teams = teams
        self.renderer = renderer

    def home_sections(self, user_id: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        sections = []
        for team in self.teams.managed_by(user_id):
            waiting = reports.awaiting_review(self.store, team.id, MAX_WAITING)
            last = reports.last_summary_post(self.store, team.id)
            if last is not None:
                last = {**last, "url": message_link(last["channel"], last["ts"])}
            text = self.renderer.render("debrief/home_team.md.j2", {
                "waiting": [{**row, "deal": row["deal"] or "a debrief"} for row in waiting],
                "last_summary": last, "channel": team.summary_channel})
            sections.append((f"{team.name}: reviews and summary",
                             [(line, None) for line in text.splitlines() if line.strip()]))
        return sections
