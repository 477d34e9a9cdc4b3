"""The rep's open pilot items in App Home: outcomes due (a live pilot past its end date in the
team's time zone) and debriefs a pilot that ended in a stop or a re-scope still owes."""

from __future__ import annotations

from datetime import timedelta

from bot import clock
from bot.files.teams import Teams
from bot.flows.pilots import LOSING_ACTIONS
from bot.render.templates import Renderer
from bot.store import pilots as pilot_store
from bot.store.db import Store

MAX_LINES = 10


class PilotHome:
    def __init__(self, store: Store, teams: Teams, renderer: Renderer):
        self.store = store
        self.teams = teams
        self.renderer = renderer

    def open_items(self, user_id: str) -> list[str]:
        team = self.teams.team_of(user_id)
        today = clock.today_in(team.timezone if team else None)
        due = pilot_store.list_pilots(self.store, user_id=user_id, statuses=pilot_store.LIVE,
                                      ending_before=(today + timedelta(days=1)).isoformat())
        owed = [p for p in pilot_store.list_pilots(self.store, user_id=user_id, statuses=[pilot_store.CLOSED])
                if p.action in LOSING_ACTIONS and p.debrief_run_id is None]
        if not due and not owed:
            return []
        text = self.renderer.render("pilot-plan/home_open.md.j2",
                                    {"due": [vars(p) for p in due[:MAX_LINES]], "owed": [vars(p) for p in owed[:MAX_LINES]]})
        return [line for line in text.splitlines() if line.strip()]
