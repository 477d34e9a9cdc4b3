"""Upcoming graceful-no check-backs, in App Home and in the team's weekly summary. The
check-back itself is a playbook reminder (on_submit.reminders); this only reads them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import clock
from bot.domain.errors import UnknownKey
from bot.domain.taxonomy import graceful_no_reason
from bot.files.teams import Team, Teams
from bot.flows.graceful_no import PLAYBOOK
from bot.flows.hooks import SummarySection
from bot.render.templates import Renderer
from bot.store import graceful as graceful_store
from bot.store.db import Store

HOME_DAYS = 120  # check-backs shown in App Home
OPEN_ITEM_DAYS = 7  # check-backs listed among the rep's open items ("this week")


class Checkbacks:
    def __init__(self, store: Store, teams: Teams, renderer: Renderer):
        self.store = store
        self.teams = teams
        self.renderer = renderer

    def _checkbacks(self, **where: Any) -> list[dict[str, Any]]:
        rows = graceful_store.checkbacks(self.store, playbook=PLAYBOOK, **where)
        found = []
        for row in rows:
            answers = row["answers"]
            team = self.teams.get(row["team"]) if row["team"] else None
            local_day = _local_day(row["due_at"], team.timezone if team else None)
            try:
                reason = graceful_no_reason(answers.get("reason_category")).label
            except UnknownKey:  # an old run's category that has left the list: show it as given
                reason = str(answers.get("reason_category") or "")
            found.append({"run_id": row["run_id"], "user_id": row["user_id"], "due": local_day,
                          "account": answers.get("account"), "contact_name": answers.get("contact_name"),
                          "reason": reason})
        return found

    def summary_section(self, team: Team, week_start: date, next_monday: date) -> SummarySection | None:
        start = clock.utc_start(next_monday, team.timezone)
        end = clock.utc_start(next_monday + timedelta(days=7), team.timezone)
        checkbacks = self._checkbacks(team=team.id, start=start, end=end)
        if not checkbacks:
            return None
        return SummarySection(key="checkbacks", title="Graceful-no check-backs next week",
                              template="graceful-no/weekly_checkbacks.md.j2", context={"checkbacks": checkbacks},
                              order=70)

    def home_sections(self, user_id: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        now = clock.now()
        checkbacks = self._checkbacks(user_id=user_id, start=now.replace(microsecond=0).isoformat(),
                                      end=(now + timedelta(days=HOME_DAYS)).replace(microsecond=0).isoformat())
        if not checkbacks:
            return []
        text = self.renderer.render("graceful-no/home.md.j2", {"checkbacks": checkbacks[:10]})
        return [("Check-backs coming up", [(line, None) for line in text.splitlines() if line.strip()])]

    def open_items(self, user_id: str) -> list[str]:
        now = clock.now().replace(microsecond=0)
        checkbacks = self._checkbacks(user_id=user_id, start=now.isoformat(),
                                      end=(now + timedelta(days=OPEN_ITEM_DAYS)).isoformat())
        if not checkbacks:
            return []
        text = self.renderer.render("graceful-no/home_open.md.j2", {"checkbacks": checkbacks[:10]})
        return [line for line in text.splitlines() if line.strip()]


def _local_day(due_at: str, tz: str | None) -> str:
    """The calendar day a stored UTC due time falls on for the team."""
    return datetime.fromisoformat(due_at).astimezone(ZoneInfo(tz or "UTC")).date().isoformat()
