"""`rebound costs` (and its deprecated alias `rebound pilots`), registered on the main group by bot.cli.main."""

from __future__ import annotations

import json

import click

from bot.cli.common import _services, _settings

_OPTIONS = (
    click.option("--quarter", required=True,
                 help="A calendar quarter, like 2026-Q4: the losses dated in it and the pilots whose end date falls in it."),
    click.option("--team", "team_id", default=None, help="Only this team (its id in the teams file)."),
    click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
)


def _with_options(command):
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def _show_costs(quarter: str, team_id: str | None, fmt: str) -> None:
    from bot.flows.debrief.costs import TEMPLATE, cost_view
    from bot.flows.pilots import PLAYBOOK
    from bot.flows.pilots.reports import QUARTER_TEMPLATE, quarter_bounds

    try:
        quarter_bounds(quarter)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None
    services = _services(_settings())
    try:
        if team_id is not None and services.teams.get(team_id) is None:
            known = ", ".join(team.id for team in services.teams.teams) or "none (no teams file)"
            raise click.ClickException(f"no team {team_id!r} in the teams file; teams: {known}")
        view = cost_view(services.store, services.teams, services.playbooks.get(PLAYBOOK), quarter, team=team_id)
        if fmt == "json":
            click.echo(json.dumps(view, indent=2, ensure_ascii=False))
            return
        click.echo(services.renderer.render(TEMPLATE, view, plain=True))
        if view["pilots"] is not None:
            click.echo(services.renderer.render(QUARTER_TEMPLATE, view["pilots"], plain=True))
    finally:
        services.close()


@click.command()
@_with_options
def costs(quarter: str, team_id: str | None, fmt: str) -> None:
    """The cost of mistakes in a quarter, for every loss and every pilot: the hours the team
    put into lost deals at its hourly cost (`hourly_cost` in the teams file), the value lost and
    the avoidable part of both; the pilot funnel (started, bought, should have bought) and the
    pilots' conversion and the cost of failed pilots. Amounts are summed per currency, never
    converted.

    \b
    Examples:
      rebound costs --quarter 2026-Q4
      rebound costs --quarter 2027-Q1 --team west --format json
    """
    _show_costs(quarter, team_id, fmt)


@click.command()
@_with_options
def pilots(quarter: str, team_id: str | None, fmt: str) -> None:
    """Deprecated: the old name of `rebound costs`, which shows the same and more.

    \b
    Examples:
      rebound costs --quarter 2026-Q4
    """
    click.echo("`rebound pilots` is deprecated: use `rebound costs` (same options); showing it now.", err=True)
    _show_costs(quarter, team_id, fmt)


COMMANDS = (costs, pilots)
