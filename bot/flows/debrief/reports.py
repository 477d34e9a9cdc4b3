"""Each team's weekly closed-lost summary: built from the store's aggregations, rendered from
``prompts/summary/``, laid out within Slack's limits, and queued exactly once per team and week.

The ticker calls :meth:`WeeklySummaries.tick` every 30 seconds; ``rebound summary`` calls
:meth:`WeeklySummaries.build` (``--print``) and :meth:`WeeklySummaries.post` (``--post``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import clock
from bot.domain import weekly
from bot.domain.weekly_report import WeeklyReport, build_report
from bot.domain.money import format_money
from bot.flows.debrief import facts
from bot.flows.debrief.charts import WeeklyCharts
from bot.jobs.schedule import WeeklySchedule
from bot.jobs.weekly_posts import Page, Posting, enqueue_pages, pages, run_once, week_end_utc, weeks_to_run
from bot.render import blocks as bk
from bot.render.mrkdwn import escape, safe
from bot.flows.hooks import FlowTools, SummarySection
from bot.store import jobs, reports
from bot.store.outbox import to_iso_floor
from bot.files.teams import Team

log = logging.getLogger("rebound.jobs")

SEPARATOR = "\n---\n"


def job_name(team: Team) -> str:
    return f"weekly_summary:{team.id}"


def split_parts(text: str) -> list[str]:
    """A template's output split at lines holding only ``---`` (one section block per part)."""
    return [part.strip("\n") for part in f"\n{text}\n".split(SEPARATOR) if part.strip()]


def blocks_of(text: str) -> list[list[dict[str, Any]]]:
    """Rendered mrkdwn as groups of section blocks, one group per ``---`` part."""
    return [bk.text_blocks(part) for part in split_parts(text)]


@dataclass
class Summary:
    """A team's week, rendered: the messages to post (or why none), and the report behind them."""

    team: Team
    week: str
    report: WeeklyReport
    sections: list[SummarySection]
    unfinished: list[dict[str, Any]]
    posts: list[Page] = field(default_factory=list)
    text: str = ""
    # The managers' private half: per seller, the skill to coach and the avoidable losses.
    coaching_posts: list[Page] = field(default_factory=list)
    coaching_text: str = ""
    skip_reason: str | None = None

    @property
    def title(self) -> str:
        return f"Closed-lost review · {self.team.name} · {self.report.label} ({self.week})"


class WeeklySummaries:
    """Builds and posts the teams' weekly summaries (see the module docstring)."""

    def __init__(self, tools: FlowTools):
        self.tools = tools

    @property
    def store(self):
        return self.tools.store

    # -- scheduling -------------------------------------------------------------------------

    def tick(self, now: datetime) -> list[Posting]:
        """Post every team's summary whose time has come (and any missed while down)."""
        due = []
        for team in self.tools.teams.teams:
            schedule = WeeklySchedule.parse(team.summary_schedule, team.timezone)
            due += [(team, week) for week in weeks_to_run(self.store, job_name(team), schedule, now)]
        if due:
            facts.ensure_facts(self.tools, min(week for _, week in due))  # once, not once per team
        done = []
        for team, week in due:
            posting = self.post(team, week, now=now, refresh=False)
            done.append(posting)
            log.info("weekly summary team=%s week=%s status=%s posts=%d", team.id, week, posting.status,
                     len(posting.keys))
        if any(p.keys for p in done):
            self.tools.wake()
        return done

    def post(self, team: Team, week: str, *, force: bool = False, now: datetime | None = None,
             refresh: bool = True) -> Posting:
        """Queue the summary of ``team``'s ``week`` once (claim and posts in one transaction).
        ``refresh`` first records the facts of debriefs that have none (the tick does it once for all)."""
        if refresh:
            facts.ensure_facts(self.tools, week)
        # Drawn before the claim's write transaction (drawing takes a fraction of a second that
        # the app's writers should not wait out), and only while the week is still to post.
        chart = None
        if force or jobs.get(self.store, f"{job_name(team)}:{week}") is None:
            chart = WeeklyCharts(self.tools).for_post(team, week)

        def build(suffix: str) -> tuple[list[str], str | None]:
            summary = self.build(team, week)
            if summary.skip_reason:
                return [], summary.skip_reason
            keys = enqueue_pages(self.store, f"weekly:{team.id}:{week}", team.summary_channel, summary.posts,
                                 team=team.id, suffix=suffix)
            for target in team.coaching_targets if summary.coaching_posts else []:
                keys += enqueue_pages(self.store, f"coaching:{team.id}:{week}:{target}", target,
                                      summary.coaching_posts, team=team.id, suffix=suffix)
            if chart is not None:
                keys.append(chart.enqueue(self.store, f"weekly:{team.id}:{week}:chart{suffix}", team.summary_channel,
                                          team=team.id))
            return keys, None

        return run_once(self.store, f"{job_name(team)}:{week}", build, force=force, now=now)

    # -- building ---------------------------------------------------------------------------

    def report(self, team: Team, week: str) -> WeeklyReport:
        store = self.store
        weeks = [*weekly.previous_weeks(week), week]
        return build_report(
            week,
            reports.deals(store, team.id, week),
            week_totals=reports.totals_by_week(store, team.id, weeks),
            reasons=reports.by_reason(store, team.id, week),
            competitors=reports.by_competitor(store, team.id, week),
            sellers=reports.by_seller(store, team.id, week),
            retained=reports.retained_by_currency(store, team.id, week),
            currency=team.currency,
        )

    def sections(self, team: Team, week: str) -> list[SummarySection]:
        """What the other flows add (pilots, check-backs, recovery), in their order."""
        monday, next_monday = clock.week_bounds(week)
        found = [s for s in (provider(team, monday, next_monday) for provider in self.tools.summary_sections) if s]
        return sorted(found, key=lambda s: (s.order, s.key))

    def build(self, team: Team, week: str, *, plain: bool = False) -> Summary:
        """Render ``team``'s ``week``: Block Kit pages (Slack) and the whole text (``plain`` for a terminal)."""
        report = self.report(team, week)
        sections = self.sections(team, week)
        before = to_iso_floor(week_end_utc(week, team.timezone))
        unfinished = reports.unfinished(self.store, team.id, before)
        summary = Summary(team, week, report, sections, unfinished)
        if report.empty and not sections and not unfinished and not team.post_empty_weeks:
            summary.skip_reason = "no losses this week, and the team's post_empty_weeks is off"
            return summary
        texts = self.render_parts(summary, plain=plain)
        summary.text = "\n\n".join(part for _, text in texts for part in split_parts(text))
        if not plain:
            groups: list[list[dict[str, Any]]] = []
            for kind, text in texts:
                if kind == "deal":
                    groups.append([bk.section(text)])
                else:
                    groups.extend(blocks_of(text))
            summary.posts = pages(summary.title, groups, self.fallback(summary),
                                  continued=f"{team.name} · {report.label}")
        if not report.empty:
            self.render_coaching(summary, plain=plain)
        return summary

    def render_coaching(self, summary: Summary, *, plain: bool = False) -> None:
        """The per-seller view for the team's managers only (coaching is private)."""
        team, report = summary.team, summary.report
        ctx = {"team": {"id": team.id, "name": team.name}, "report": report, "week": summary.week}
        text = self.tools.renderer.render("summary/coaching.md.j2", ctx, plain=plain)
        summary.coaching_text = "\n\n".join(split_parts(text))
        if not plain:
            title = f"Coaching · {team.name} · {report.label} ({summary.week})"
            fallback = f"{team.name}: the week's losses by seller, for managers only"
            summary.coaching_posts = pages(title, blocks_of(text), fallback, continued=title)

    def render_parts(self, summary: Summary, *, plain: bool = False) -> list[tuple[str, str]]:
        """(kind, text) in the order they are shown: overview, sections, unfinished, deals."""
        render = self.tools.renderer.render
        report = summary.report
        ctx = {"team": {"id": summary.team.id, "name": summary.team.name}, "report": report, "week": summary.week}
        parts = [("overview", render("summary/empty.md.j2" if report.empty else "summary/weekly.md.j2", ctx,
                                     plain=plain))]
        for section in summary.sections:
            body = render(section.template, section.context, plain=plain)
            if body.strip():
                title = section.title if plain else escape(section.title)
                parts.append(("section", render("summary/section.md.j2", {"title": safe(title), "body": safe(body)},
                                                plain=plain)))
        if summary.unfinished:
            parts.append(("unfinished", render("summary/unfinished.md.j2", {"unfinished": summary.unfinished},
                                               plain=plain)))
        if not report.empty:
            parts.append(("deals_heading", render("summary/deals_heading.md.j2", ctx, plain=plain)))
            for deal in report.deals:
                parts.append(("deal", bk.clip(render("summary/deal.md.j2", {"d": deal}, plain=plain),
                                              bk.MAX_SECTION_TEXT)))
        return parts

    @staticmethod
    def fallback(summary: Summary) -> str:
        """The notification text: what a phone shows before anyone opens the message."""
        report = summary.report
        if report.empty:
            return f"{summary.team.name}: no losses in {report.label}"
        amounts = ", ".join(format_money(m) for m in report.totals)
        return f"{summary.team.name}: {report.count} deal{'s' if report.count != 1 else ''} lost in {report.label} ({amounts})"

