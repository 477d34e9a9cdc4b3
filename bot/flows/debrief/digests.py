"""The organisation's weekly posts: the head of sales' roll-up of every team, and the product
and enablement digests of the lessons debriefs routed to them.

Both run at the leadership schedule (``leadership.summary_schedule`` in
``leadership.timezone``) and cover the same ISO weeks as the team summaries (each debrief
belongs to the week of its submission on its team's calendar), so the roll-up adds up to
the teams' numbers. Each is claimed once per week, like the team summaries.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from bot.domain import routing, weekly
from bot.domain.weekly_report import WeeklyReport, build_report
from bot.domain.weekly import Deal
from bot.flows.debrief import facts
from bot.flows.debrief.charts import ChartImage, WeeklyCharts
from bot.jobs.schedule import WeeklySchedule
from bot.jobs.weekly_posts import Page, Posting, enqueue_pages, pages, run_once, weeks_to_run
from bot.flows.debrief.reports import blocks_of, split_parts
from bot.flows.hooks import FlowTools
from bot.render import blocks as bk
from bot.store import jobs, reports

log = logging.getLogger("rebound.jobs")

OWNERS = ("product", "enablement")
ROLLUP = "weekly_rollup"


def _schedule(tools: FlowTools) -> WeeklySchedule:
    leadership = tools.teams.leadership
    return WeeklySchedule.parse(leadership.summary_schedule, leadership.timezone)


def main_currency(tools: FlowTools) -> str | None:
    """The currency most teams report in: listed first wherever teams are added up."""
    currencies = Counter(team.currency for team in tools.teams.teams)
    return min(currencies, key=lambda c: (-currencies[c], c)) if currencies else None


class Rollup:
    """All teams' week for the head of sales: to ``leadership.rollup_channel``, or else to each
    head's DM."""

    def __init__(self, tools: FlowTools):
        self.tools = tools

    @property
    def store(self):
        return self.tools.store

    def targets(self) -> list[str]:
        leadership = self.tools.teams.leadership
        return [leadership.rollup_channel] if leadership.rollup_channel else list(leadership.heads)

    def tick(self, now: datetime) -> list[Posting]:
        if not self.targets() or not self.tools.teams.teams:
            return []
        done = [self.post(week, now=now) for week in weeks_to_run(self.store, ROLLUP, _schedule(self.tools), now)]
        if any(p.keys for p in done):
            self.tools.wake()
        return done

    def report(self, week: str) -> WeeklyReport:
        store = self.store
        names = {team.id: team.name for team in self.tools.teams.teams}
        return build_report(
            week,
            reports.deals(store, None, week),
            week_totals=reports.totals_by_week(store, None, [*weekly.previous_weeks(week), week]),
            reasons=reports.by_reason(store, None, week),
            competitors=reports.by_competitor(store, None, week),
            sellers=[],  # 500 sellers are the managers' business; the roll-up stays per team
            retained=reports.retained_by_currency(store, None, week),
            teams=reports.by_team(store, week),
            team_names=names,
            currency=main_currency(self.tools),
            biggest_n=8,
        )

    def build(self, week: str, *, plain: bool = False) -> tuple[str, list[Page]]:
        report = self.report(week)
        names = {team.id: team.name for team in self.tools.teams.teams}
        reviews: dict[str, list[int]] = {}
        for deal in report.deals:
            counts = reviews.setdefault(deal.team or "", [0, 0])
            counts[0] += 1 if deal.reviewed_by else 0
            counts[1] += 1
        ctx = {"report": report, "team_names": names, "reviews": reviews, "week": week}
        template = "summary/rollup_empty.md.j2" if report.empty else "summary/rollup.md.j2"
        text = self.tools.renderer.render(template, ctx, plain=plain)
        title = f"Closed-lost roll-up · all teams · {report.label} ({week})"
        fallback = (f"All teams: no losses in {report.label}" if report.empty else
                    f"All teams: {report.count} deals lost in {report.label}")
        if plain:
            return "\n\n".join(split_parts(text)), []
        return text, pages(title, blocks_of(text), fallback, continued=f"Roll-up · {report.label}")

    def charts(self, week: str) -> list[tuple[str, ChartImage]]:
        """One chart per team (those with two weeks of losses or more), drawn outside any transaction."""
        return [(team.id, chart) for team, chart in WeeklyCharts(self.tools).for_posts(self.tools.teams.teams, week)]

    def post(self, week: str, *, force: bool = False, now: datetime | None = None) -> Posting:
        facts.ensure_facts(self.tools, week)
        charts = self.charts(week) if force or jobs.get(self.store, f"{ROLLUP}:{week}") is None else []

        def build(suffix: str) -> tuple[list[str], str | None]:
            targets = self.targets()
            if not targets:
                return [], "no rollup_channel or heads in the teams file"
            _, posts = self.build(week)
            keys = []
            for target in targets:
                keys += enqueue_pages(self.store, f"rollup:{week}:{target}", target, posts, suffix=suffix)
                for team_id, chart in charts:
                    keys.append(chart.enqueue(self.store, f"rollup:{week}:{target}:chart:{team_id}{suffix}", target))
            return keys, None

        return run_once(self.store, f"{ROLLUP}:{week}", build, force=force, now=now)


class InsightDigests:
    """One weekly post per channel (product, enablement) with every lesson routed to it."""

    def __init__(self, tools: FlowTools):
        self.tools = tools

    @property
    def store(self):
        return self.tools.store

    def channel(self, owner: str) -> str | None:
        routing = self.tools.teams.routing
        return {"product": routing.product_channel, "enablement": routing.enablement_channel}[owner]

    def tick(self, now: datetime) -> list[Posting]:
        done = []
        schedule = _schedule(self.tools)
        for owner in OWNERS:
            if not self.channel(owner):
                continue
            for week in weeks_to_run(self.store, f"insight_digest:{owner}", schedule, now):
                done.append(self.post(owner, week, now=now))
        if any(p.keys for p in done):
            self.tools.wake()
        return done

    def routed_facts(self, owner: str, week: str) -> list[dict[str, Any]]:
        """The week's losses (every team) the company's routing table or the rep's own flags send
        to ``owner``, biggest first."""
        week_facts = sorted(reports.deals(self.store, None, week),
                            key=lambda f: (-(f.get("amount_cents") or 0), f["run_id"]))
        return list(routing.routed(week_facts, owner, self.tools.teams.routing_table))

    def items(self, owner: str, week: str) -> list[Deal]:
        return [weekly.deal_from_fact(row) for row in self.routed_facts(owner, week)]

    def build(self, owner: str, week: str, *, plain: bool = False) -> tuple[str, list[Page]]:
        """The digest's text and pages; both empty when nothing was routed to ``owner`` this week."""
        routed_facts = self.routed_facts(owner, week)
        items = [weekly.deal_from_fact(row) for row in routed_facts]
        if not items:
            return "", []
        render = self.tools.renderer.render
        names = {team.id: team.name for team in self.tools.teams.teams}
        label = weekly.week_label(week)
        head: dict[str, Any] = {
            "owner": owner, "items": items, "label": label,
            "totals": weekly.amounts_by_currency(((d.amount["currency"], d.cents) for d in items if d.amount),
                                                 main_currency(self.tools)),
            "gaps": weekly.tally(d.gap for d in items)[:5],
            "competitors": weekly.tally(d.competitor for d in items if d.primary_reason == "competitor")[:5],
            "topics": routing.topics(routed_facts, self.tools.teams.routing_table),
        }
        texts = [render("summary/digest.md.j2", head, plain=plain)]
        texts += [bk.clip(render("summary/insight.md.j2", {"owner": owner, "d": d, "team_name": names.get(d.team or "")},
                                 plain=plain), bk.MAX_SECTION_TEXT) for d in items]
        text = "\n\n".join(texts)
        if plain:
            return text, []
        title = f"{'Product' if owner == 'product' else 'Enablement'} digest · {label} ({week})"
        groups = [bk.text_blocks(texts[0])] + [[bk.section(t)] for t in texts[1:]]
        fallback = f"{len(items)} lesson{'s' if len(items) != 1 else ''} for {owner} from lost deals, {label}"
        return text, pages(title, groups, fallback, continued=title)

    def post(self, owner: str, week: str, *, force: bool = False, now: datetime | None = None) -> Posting:
        facts.ensure_facts(self.tools, week)

        def build(suffix: str) -> tuple[list[str], str | None]:
            channel = self.channel(owner)
            if not channel:
                return [], f"no {owner}_channel in the teams file"
            _, posts = self.build(owner, week)
            if not posts:
                return [], f"nothing for {owner} this week"
            return enqueue_pages(self.store, f"digest:{owner}:{week}", channel, posts, suffix=suffix), None

        return run_once(self.store, f"insight_digest:{owner}:{week}", build, force=force, now=now)
