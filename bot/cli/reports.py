"""`rebound` subcommands for the reports area (registered on the main group by bot.cli.main)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from bot.cli.common import _services, _settings

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# How long `--post` waits for Slack's Retry-After before leaving the rest to `rebound serve`.
MAX_WAIT_SECONDS = 60


def _week(value: str | None) -> str | None:
    if value is None:
        return None
    match = WEEK.match(value.strip())
    if match:
        from datetime import date

        try:
            date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return value.strip()
        except ValueError:
            pass
    raise click.BadParameter(f"{value!r} is not an ISO week like 2026-W47", param_hint="--week")


@click.command()
@click.option("--team", "team_id", required=True, help="The team's id in the teams file.")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: last week in the team's time zone).")
@click.option("--print", "mode", flag_value="print", default=True, help="Show the summary here (the default).")
@click.option("--post", "mode", flag_value="post", help="Post it to the team's summary channel now.")
@click.option("--force", is_flag=True, help="With --post: post again even if this week's summary went out already.")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the week's chart (PNG) to this file; needs pip install 'rebound[charts]'.")
def summary(team_id: str, week: str | None, mode: str, force: bool, chart_path: Path | None) -> None:
    """Render or post a team's weekly closed-lost summary by hand.

    The scheduler posts it at the team's summary_schedule; this command shows it (--print)
    or posts it now (--post, once per week unless --force). Posting needs SLACK_BOT_TOKEN.
    --chart writes the chart shared beside the summary to a local PNG, to see it without Slack.

    \b
    Examples:
      rebound summary --team west
      rebound summary --team west --chart west.png
      rebound summary --team west --week 2026-W47 --post
    """
    from bot.flows.debrief import facts
    from bot.jobs.weekly_posts import current_week
    from bot.flows.debrief.reports import WeeklySummaries

    settings = _settings()
    week = _week(week)
    posting = mode == "post"
    if posting and settings.slack_bot_token is None:
        raise click.ClickException("SLACK_BOT_TOKEN is not set: --post needs the bot token "
                                   "(OAuth & Permissions in your Slack app's settings). --print works without it.")
    services = _build(settings, slack=posting)
    try:
        team = services.teams.get(team_id)
        if team is None:
            known = ", ".join(t.id for t in services.teams.teams) or "none (is REBOUND_TEAMS right?)"
            raise click.ClickException(f"no team {team_id!r} in {settings.teams_path}; teams: {known}")
        week = week or current_week(team.timezone)
        summaries = WeeklySummaries(services.tools)
        if chart_path is not None:
            facts.ensure_facts(services.tools, week)
            _write_chart(services, team, week, chart_path)
        if not posting:
            facts.ensure_facts(services.tools, week)
            built = summaries.build(team, week, plain=True)
            if built.skip_reason:
                click.echo(f"Nothing to post for {team.id} in {week}: {built.skip_reason}.")
            else:
                click.echo(built.title)
                click.echo("")
                click.echo(built.text)
            return
        result = summaries.post(team, week, force=force)
        if result.status == "already":
            click.echo(f"The {week} summary of {team.id} was already posted ({result.done_at}). "
                       "Add --force to post it again.")
            return
        if result.status == "skipped":
            click.echo(f"Nothing posted for {team.id} in {week}: {result.reason}.")
            return
        _send(services, result.keys, team.summary_channel)
    finally:
        services.close()


def _write_chart(services, team, week: str, path: Path) -> None:
    """Draw ``team``'s chart of ``week`` to ``path``, or say in one line why there is none."""
    from bot.domain.charts import MIN_WEEKS_WITH_DATA
    from bot.flows.debrief.charts import WeeklyCharts
    from bot.render.charts import HEIGHT, WIDTH, ChartsUnavailable

    charts = WeeklyCharts(services.tools)
    series = charts.series(team, week)
    if not series.drawable:
        raise click.ClickException(
            f"no chart for {team.id} in {week}: losses in {series.weeks_with_data} of the last {len(series.weeks)} "
            f"weeks, and a chart needs {MIN_WEEKS_WITH_DATA}")
    try:
        image = charts.draw(team, week, series)
    except ChartsUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        path.write_bytes(image.png)
    except OSError as exc:
        raise click.ClickException(f"cannot write the chart to {path}: {exc.strerror or exc}") from None
    click.echo(f"Wrote the chart ({WIDTH}x{HEIGHT} PNG) to {path}.", err=True)


def _build(settings, *, slack: bool):
    return _services(settings, teams_required=True, slack=slack)


def _send(services, keys: list[str], channel: str) -> None:
    """Drain the outbox until these posts are sent or failed, waiting out a short Retry-After."""
    from datetime import datetime

    from bot import clock
    from bot.store import outbox

    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while True:
        services.sender.drain(limit=200)
        rows = [outbox.get(services.store, key) for key in keys]
        waiting = [row for row in rows if row.status in ("pending", "sending")]
        if not waiting:
            break
        wait = max(0.0, min((datetime.fromisoformat(r.next_attempt_at) - clock.now()).total_seconds() for r in waiting))
        if time.monotonic() + wait > deadline:
            click.echo(f"{len(waiting)} of {len(keys)} message(s) are waiting to be retried "
                       f"({waiting[0].last_error}); `rebound serve` sends them, once.")
            return
        time.sleep(wait + 0.1)
    failed = [row for row in rows if row.status == "failed"]
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(keys)} message(s) failed: {failed[0].last_error}. "
                                   f"Is @rebound invited to {channel}?")
    team_posts = [row for row in rows if not row.key.startswith("coaching:")]
    click.echo(f"Posted {len(team_posts)} message(s) to {channel}.")
    managers = sorted({row.payload.get("channel") for row in rows if row.key.startswith("coaching:")})
    if managers:  # coaching is private: the per-seller view went to the managers only
        click.echo(f"The per-seller coaching view went to {', '.join(managers)} (managers only).")


COMMANDS = (summary,)
