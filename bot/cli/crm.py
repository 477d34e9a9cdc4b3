"""`rebound crm import` and `rebound deals`: closed-lost deals from a CRM export, and the list
of imported deals with their debrief status (registered on the main group by bot.cli.main).

Thin: bot/flows/crm_intake reads, stores and counts; this module reads the file's bytes and
prints what it is told.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from bot.cli.common import _services, _settings

CRM_NAMES = {"salesforce": "a Salesforce opportunity report", "hubspot": "a HubSpot deals export",
             "generic": "generic columns"}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "latin-1": "Latin-1", "utf-16": "UTF-16"}


@click.group("crm")
def crm() -> None:
    """Closed-lost deals from your CRM: import a report export (the webhook is POST /crm/closed-lost).

    \b
    Example:
      rebound crm import closed-lost.csv
    """


@crm.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
              help="Read a column as a deal field, e.g. --map \"Deal Ref=crm_id\" (repeatable).")
@click.option("--encoding", default=None,
              help="The file's encoding (utf-8, utf-8-sig, latin-1); detected if not given.")
@click.option("--currency", default=None, help="Currency of amounts that name none (default: the teams' currency).")
@click.option("--team", default=None, help="Team of deals whose owner can't be found in Slack (a team id).")
def import_deals(csv_file: Path, mappings: tuple[str, ...], encoding: str | None, currency: str | None,
                 team: str | None) -> None:
    """Import the closed-lost deals of a CRM export (Salesforce report, HubSpot export, or generic
    columns); each owner is nudged in Slack within a minute of `rebound serve` seeing it.

    Rows in other stages are counted and left out (a known deal now won or open leaves the
    loop). A re-import updates deals by their CRM id, never duplicates or nudges twice. Each
    bad row is reported as FILE:LINE: message and the good ones are kept; exit status 1 then.

    \b
    Example:
      rebound crm import --map "Deal Ref=crm_id" exports/closed-lost.csv
    """
    from bot.domain.crm_deals import EncodingProblem, parse_mapping
    from bot.flows.crm_intake.service import CrmIntake

    try:
        mapping = parse_mapping(mappings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    settings = _settings()
    services = _services(settings)
    try:
        if team is not None and services.teams.get(team) is None:
            raise click.BadParameter(f"no team {team!r} in the teams file", param_hint="--team")
        try:
            intake = CrmIntake(services.tools)
            outcome = intake.import_csv(csv_file.read_bytes(), encoding=encoding, mapping=mapping,
                                              default_currency=currency, team=team)
        except EncodingProblem as exc:
            raise click.ClickException(f"{csv_file}: {exc}") from None
        unresolved = len(intake.unresolved())
    finally:
        services.close()
    encoding_name = ENCODING_NAMES.get(outcome.encoding, outcome.encoding)
    click.echo(f"Read {csv_file} as {CRM_NAMES[outcome.crm]} ({encoding_name}).")
    deals = "deal" if outcome.taken == 1 else "deals"
    click.echo(f"Closed-lost: {outcome.taken} {deals} ({outcome.new} new, {outcome.updated} updated, "
               f"{outcome.unchanged} unchanged).")
    if not outcome.stage_column:
        click.echo("No Stage column: every row was taken as closed-lost.")
    if outcome.not_lost:
        out = f"; {outcome.taken_out} taken out of the loop (won or open again)" if outcome.taken_out else ""
        click.echo(f"Other stages: {outcome.not_lost} row{'s' if outcome.not_lost != 1 else ''} left out{out}.")
    if outcome.ignored_columns:
        click.echo("Columns not used: " + ", ".join(outcome.ignored_columns))
    if unresolved:
        click.echo(f"Owners not found yet: {unresolved} deal{'s' if unresolved != 1 else ''} (see `rebound status`).")
    for error in outcome.errors:
        click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
    if outcome.errors:
        raise SystemExit(1)


@click.command("deals")
@click.option("--team", default=None, help="Only this team's deals (a team id).")
@click.option("--undebriefed", is_flag=True, help="Only deals still waiting for their debrief.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def deals(team: str | None, undebriefed: bool, fmt: str) -> None:
    """List the deals imported from the CRM with their debrief status: debriefed, waiting,
    overdue (its reminder went unanswered) or out (won or open again).

    \b
    Example:
      rebound deals --team west --undebriefed --format csv
    """
    from bot.values.money import format_money
    from bot.flows.crm_intake.reports import LISTED_COLUMNS, CrmReports

    services = _services(_settings())
    try:
        rows = CrmReports(services.store).listing(team=team, undebriefed=undebriefed)
    finally:
        services.close()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=LISTED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    elif not rows:
        click.echo("No deals imported from the CRM" + (" are waiting." if undebriefed else " yet."))
    else:
        for row in rows:
            amount = format_money(row["amount"], row["currency"]) if row["amount"] is not None else "no amount"
            owner = row["owner"] or f"owner not found ({row['owner_email'] or 'no email'})"
            age = f", {row['age_days']} days ago" if row["age_days"] is not None else ""
            click.echo(f"{row['status']:<9} {row['crm_id']}  {row['name']} · {amount} · closed {row['close_date']}"
                       f"{age} · {owner} · team {row['team'] or '-'}")


COMMANDS = (crm, deals)
