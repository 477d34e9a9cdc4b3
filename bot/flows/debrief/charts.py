"""The chart beside each weekly summary: the series from the store, the PNG, its words, its upload.

Drawn by the weekly job in a child process (:mod:`bot.render.chart_process`: the server
never loads matplotlib), or here by ``rebound summary --chart``; never while answering Slack. The
picture is a bonus on top of the text summary: when it cannot be drawn (matplotlib missing,
a bug in drawing) the summary goes out without it and the failure is logged once, and with
fewer than two weeks of losses there is no chart at all (one bar is not a trend).

The PNG travels through the outbox like every Web API call: a ``files.upload_v2`` row whose
file content is base64 text (``content_base64``), which the sender turns back into bytes.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import clock
from bot.domain import charts as chart_maths
from bot.domain.charts import LossChart
from bot.domain.weekly import from_cents, week_label
from bot.files.teams import Team
from bot.flows.hooks import FlowTools
from bot.store import charts as chart_store
from bot.store import outbox

log = logging.getLogger("rebound.jobs")

MAX_ALT_TEXT = 1000  # Slack's limit for a file's alt_txt

_missing_extra_logged = False


@dataclass(frozen=True)
class ChartImage:
    """A drawn chart with everything its upload needs."""

    png: bytes
    title: str
    alt_text: str
    comment: str
    filename: str

    def enqueue(self, store, key: str, channel: str, *, team: str | None = None) -> str:
        """Queue the upload to ``channel`` under ``key`` (joins the caller's transaction)."""
        payload = {
            "channel": channel,
            "initial_comment": self.comment,
            "file_uploads": [{"content_base64": base64.b64encode(self.png).decode("ascii"), "filename": self.filename,
                              "title": self.title, "alt_txt": self.alt_text}],
        }
        outbox.enqueue(store, key, "files.upload_v2", payload, team=team)
        return key


def _money(cents: int, currency: str) -> dict[str, Any]:
    return {"amount": from_cents(cents), "currency": currency}


class WeeklyCharts:
    """Builds, draws and describes a team's chart for a week."""

    def __init__(self, tools: FlowTools):
        self.tools = tools

    def series(self, team: Team, week: str) -> LossChart:
        """The numbers the chart of ``team``'s ``week`` is drawn from."""
        weeks = chart_maths.chart_weeks(week)
        first_day = clock.week_bounds(weeks[0])[0].isoformat()
        end_day = clock.week_bounds(weeks[-1])[1].isoformat()
        store = self.tools.store
        return chart_maths.loss_chart(
            weeks, chart_store.losses_by_week_and_reason(store, team.id, weeks), currency=team.currency,
            crm_closed=chart_store.crm_closed_by_day(store, team.id, first_day, end_day))

    def title(self, team: Team, chart: LossChart) -> str:
        return f"{team.name} · lost value per week ({chart.currency}), last {len(chart.weeks)} weeks"

    def alt_text(self, team: Team, chart: LossChart) -> str:
        """The chart in words (plain text, within Slack's 1000 characters)."""
        coverage = chart.coverage or (None,) * len(chart.weeks)
        ctx = {
            "team": {"id": team.id, "name": team.name},
            "currency": chart.currency,
            "first": chart.weeks[0],
            "last": chart.weeks[-1],
            "weeks": [{"week": w, "total": _money(total, chart.currency), "deals": deals,
                       "coverage": None if share is None else round(share * 100)}
                      for w, total, deals, share in zip(chart.weeks, chart.totals, chart.deals, coverage)],
            "reasons": [{"label": r.label, "total": _money(r.total, chart.currency)} for r in chart.reasons],
            "left_out": [{"currency": o.currency, "deals": o.deals, "total": _money(o.cents, o.currency)}
                         for o in chart.left_out],
            "has_coverage": chart.coverage is not None,
        }
        text = self.tools.renderer.render("summary/chart_alt.txt.j2", ctx, plain=True)
        return text if len(text) <= MAX_ALT_TEXT else text[: MAX_ALT_TEXT - 1].rstrip() + "…"

    def comment(self, team: Team, week: str, chart: LossChart) -> str:
        ctx = {"team": {"id": team.id, "name": team.name}, "currency": chart.currency, "label": week_label(week),
               "has_coverage": chart.coverage is not None}
        return self.tools.renderer.render("summary/chart_comment.md.j2", ctx)

    def image(self, team: Team, week: str, chart: LossChart, png: bytes) -> ChartImage:
        stem = re.sub(r"[^a-z0-9]+", "-", team.id.lower()).strip("-") or "team"
        return ChartImage(png, self.title(team, chart), self.alt_text(team, chart), self.comment(team, week, chart),
                          f"rebound-{stem}-{week}.png")

    def draw(self, team: Team, week: str, chart: LossChart | None = None) -> ChartImage:
        """Draw here, in this process (``rebound summary --chart``); raises
        :class:`bot.render.charts.ChartsUnavailable` without matplotlib."""
        from bot.render.charts import draw_png

        chart = chart or self.series(team, week)
        return self.image(team, week, chart, draw_png(chart, self.title(team, chart)))

    def for_posts(self, teams: Sequence[Team], week: str) -> list[tuple[Team, ChartImage]]:
        """The charts to share beside ``week``'s posts of ``teams``: those with enough data, drawn
        together in one child process (:mod:`bot.render.chart_process`), so the server never
        loads matplotlib. When drawing fails there are none, the failure is logged once and the
        text posts go out all the same."""
        global _missing_extra_logged
        from bot.render.chart_process import ChartFailed, draw_in_child
        from bot.render.charts import ChartsUnavailable

        found = [(team, self.series(team, week)) for team in teams]
        drawable = [(team, chart) for team, chart in found if chart.drawable]
        if not drawable:
            return []
        try:
            images = draw_in_child([(chart, self.title(team, chart)) for team, chart in drawable])
        except ChartsUnavailable as error:
            if not _missing_extra_logged:  # once per process, not once per team and week
                _missing_extra_logged = True
                log.warning("weekly charts are off: %s", error)
            return []
        except ChartFailed as error:
            log.warning("weekly chart teams=%s week=%s failed to draw; the posts go out without it: %s",
                        ",".join(team.id for team, _ in drawable), week, error)
            return []
        return [(team, self.image(team, week, chart, png)) for (team, chart), png in zip(drawable, images)]

    def for_post(self, team: Team, week: str) -> ChartImage | None:
        """The chart beside ``team``'s summary of ``week``, or None (see :meth:`for_posts`)."""
        found = self.for_posts([team], week)
        return found[0][1] if found else None


__all__ = ["ChartImage", "MAX_ALT_TEXT", "WeeklyCharts"]
