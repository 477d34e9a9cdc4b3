"""What managers see of the CRM's deals: coverage in the team's weekly summary (deals of the
week by close date, debriefed or not, by count and by value), the deals still waiting with
owner and age, the owners nobody could find; and the rows of ``rebound deals``."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot import clock
from bot.domain.crm_deals import coverage
from bot.files.teams import Team
from bot.flows.crm_intake.messages import deal_view
from bot.flows.hooks import SummarySection
from bot.render.templates import Renderer
from bot.store import deals as deal_store
from bot.store import reports as fact_store
from bot.store.db import Store
from bot.values.money import amount_dict

LISTED_COLUMNS = ("crm_id", "name", "account", "amount", "currency", "close_date", "status", "owner", "owner_email",
                  "team", "age_days", "run_id")


def state_of(deal: dict[str, Any]) -> str:
    """``debriefed``, ``waiting``, ``overdue`` (its one reminder went unanswered) or ``out``."""
    if deal["status"] == deal_store.WAITING and deal["reminded_at"]:
        return "overdue"
    return deal["status"]


def age_days(deal: dict[str, Any], as_of: date) -> int | None:
    return (as_of - date.fromisoformat(deal["close_date"])).days if deal["close_date"] else None


class CrmReports:
    def __init__(self, store: Store, renderer: Renderer | None = None):
        self.store = store
        self.renderer = renderer

    def open_items(self, user_id: str) -> list[str]:
        """App Home's "Your open items": the person's imported deals still waiting for a debrief."""
        waiting = deal_store.listed(self.store, user_id=user_id, status=deal_store.WAITING)
        if not waiting or self.renderer is None:
            return []
        waiting.sort(key=lambda d: (d["close_date"] or "", d["crm_id"]))
        deals = [{**deal_view(d), "overdue": state_of(d) == "overdue"} for d in waiting[:10]]
        text = self.renderer.render("crm/home_open.md.j2", {"deals": deals})
        return [line for line in text.splitlines() if line.strip()]

    def week_coverage(self, team: Team, week_start: date, next_monday: date):
        """Closed-lost deals of the week by close date: the CRM's (debriefed or not) and the
        debriefs not linked to one of them (a loss the rep brought on their own)."""
        week = clock.iso_week(week_start)
        imported = deal_store.closed_in(self.store, team.id, week_start.isoformat(), next_monday.isoformat())
        linked = deal_store.linked_runs(self.store)
        losses = [{"debriefed": d["status"] == deal_store.DEBRIEFED, "amount": deal_view(d)["amount"]}
                  for d in imported]
        for fact in fact_store.deals(self.store, team.id, week):
            if fact["run_id"] in linked:
                continue
            losses.append({"debriefed": True, "amount": amount_dict(fact["amount_cents"], fact["currency"])})
        return coverage(losses, first_currency=team.currency)

    def summary_section(self, team: Team, week_start: date, next_monday: date) -> SummarySection | None:
        cover = self.week_coverage(team, week_start, next_monday)
        waiting = [d for d in deal_store.listed(self.store, team=team.id, status=deal_store.WAITING)
                   if d["close_date"] and d["close_date"] < next_monday.isoformat()]
        if not cover.total and not waiting:
            return None
        waiting.sort(key=lambda d: (d["close_date"], d["crm_id"]))
        as_of = min(next_monday, clock.today_in(team.timezone))  # a summary of this week, mid-week
        shown = [{**deal_view(d), "age": age_days(d, as_of), "overdue": state_of(d) == "overdue"}
                 for d in waiting]
        unresolved = [d for d in shown if not d["user_id"]]
        return SummarySection(key="crm_coverage", title="Closed-lost coverage", template="crm/weekly_coverage.md.j2",
                              context={"coverage": cover.line, "waiting": shown, "unresolved": unresolved}, order=5)

    def listing(self, *, team: str | None = None, undebriefed: bool = False) -> list[dict[str, Any]]:
        """``rebound deals``: every imported deal with its debrief status (``--undebriefed``: waiting ones)."""
        today = clock.now().date()
        rows = []
        for deal in deal_store.listed(self.store, team=team):
            if undebriefed and deal["status"] != deal_store.WAITING:
                continue
            amount = amount_dict(deal["amount_cents"], deal["currency"])
            rows.append({"crm_id": deal["crm_id"], "name": deal["name"], "account": deal["account"],
                         "amount": amount["amount"] if amount else None, "currency": deal["currency"],
                         "close_date": deal["close_date"],
                         "status": state_of(deal), "owner": deal["user_id"], "owner_email": deal["owner_email"],
                         "team": deal["team"], "age_days": age_days(deal, today), "run_id": deal["run_id"]})
        return rows
