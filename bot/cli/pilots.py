"""`rebound` subcommands for the pilots area (registered on the main group by bot.cli.main)."""

from __future__ import annotations

import json

import click

from bot.cli.common import _services, _settings


@click.command()
@click.option("--quarter", required=True, help="A calendar quarter, like 2026-Q4: the pilots whose end date falls in it.")
@click.option("--team", "team_id", default=None, help="Only this team's pilots (its id in the teams file).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def pilots(quarter: str, team_id: str | None, fmt: str) -> None:
    """The quarter view of pilots: how many turned into the full deal (by count and by value),
    the pilot fees against the deals at stake, and what the mistakes cost (hours, effort,
    value lost). Amounts are summed per currency, never converted.

    \b
    Examples:
      rebound pilots --quarter 2026-Q4
      rebound pilots --quarter 2027-Q1 --team west --format json
    """
    from bot.flows.pilots import PLAYBOOK
    from bot.flows.pilots.reports import QUARTER_TEMPLATE, quarter_bounds, quarter_view

    try:
        quarter_bounds(quarter)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None
    services = _services(_settings())
    try:
        if team_id is not None and services.teams.get(team_id) is None:
            known = ", ".join(team.id for team in services.teams.teams) or "none (no teams file)"
            raise click.ClickException(f"no team {team_id!r} in the teams file; teams: {known}")
        if PLAYBOOK not in services.playbooks:
            raise click.ClickException(f"no {PLAYBOOK} playbook in {services.settings.playbooks_dir}")
        view = quarter_view(services.store, services.playbooks[PLAYBOOK], quarter, team=team_id)
        if fmt == "json":
            click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        else:
            click.echo(services.renderer.render(QUARTER_TEMPLATE, view, plain=True))
    finally:
        services.close()


COMMANDS = (pilots,)
