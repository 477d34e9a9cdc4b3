"""Recovery progress in App Home (the rep's own plan, and each managed team's) and in the
team's weekly summary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.files.teams import Team, Teams
from bot.flows.hooks import SummarySection
from bot.flows.recovery import messages
from bot.flows.recovery.service import Recovery
from bot.render.templates import Renderer


class RecoveryReports:
    def __init__(self, recovery: Recovery, teams: Teams, renderer: Renderer):
        self.recovery = recovery
        self.teams = teams
        self.renderer = renderer

    def home_sections(self, user_id: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        sections = []
        view = self.recovery.view(user_id)
        if view.has_anything:
            sections.append(("Recovering lost revenue", [(line, None) for line in messages.home_lines(view, self.renderer)]))
        today = self.recovery.today_for(user_id)
        for team in self.teams.managed_by(user_id):
            rows = self.recovery.team_progress(team, today - timedelta(days=7), today + timedelta(days=1))
            if rows:
                text = self.renderer.render("recover/home_team.md.j2", {"rows": _rows(rows)})
                sections.append((f"{team.name}: recovery", [(line, None) for line in text.splitlines() if line.strip()]))
        return sections

    def open_items(self, user_id: str) -> list[str]:
        view = self.recovery.view(user_id)
        if view.progress is None:
            return []
        text = self.renderer.render("recover/home_open.md.j2", messages.context(view))
        return [line for line in text.splitlines() if line.strip()]

    def summary_section(self, team: Team, week_start: date, next_monday: date) -> SummarySection | None:
        rows = self.recovery.team_progress(team, week_start, next_monday)
        if not rows:
            return None
        return SummarySection(key="recovery", title="Recovering lost revenue", template="recover/weekly_section.md.j2",
                              context={"rows": _rows(rows), "totals": self.recovery.team_totals(rows),
                                       "week_start": week_start.isoformat()}, order=60)


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"user_id": row["user_id"], **row["progress"].to_dict()} for row in rows]
