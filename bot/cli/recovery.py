"""`rebound recover ...`: the recovery planner from the terminal (registered on the main group by bot.cli.main).

Thin: it reads a file or an option, calls bot/flows/recovery/service.py and prints what it says.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import _services, _settings


@click.group("recover")
def recover() -> None:
    """Recovering lost revenue: import a CRM export, print a rep's ranked action plan.

    \b
    Example:
      rebound recover import --user U0REP1 pipeline.csv
    """


@recover.command("import")
@click.option("--user", "user_id", required=True, help="The rep whose opportunities these are (Slack user id).")
@click.option("--currency", default=None, help="Currency for amounts with no symbol or code (default: the rep's team's).")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opportunities(user_id: str, currency: str | None, csv_file: Path) -> None:
    """Import open opportunities from a CRM's CSV export for one rep.

    Good rows are added (or update the opportunity with the same account and name); each
    malformed row is reported with its line and left out. Exits with status 1 when any row
    was left out, so a script notices.

    \b
    Example:
      rebound recover import --user U0REP1 --currency USD exports/pipeline.csv
    """
    from bot.flows.recovery.service import Recovery

    text = csv_file.read_text(encoding="utf-8-sig", errors="replace")
    services = _services(_settings())
    try:
        outcome = Recovery(services.store, services.teams).import_csv(user_id, text, default_currency=currency)
    finally:
        services.close()
    total = outcome.added + outcome.updated
    click.echo(f"Imported {total} opportunit{'y' if total == 1 else 'ies'} for {user_id} "
               f"({outcome.added} new, {outcome.updated} updated).")
    if outcome.ignored_columns:
        click.echo("Columns not used: " + ", ".join(outcome.ignored_columns))
    for error in outcome.errors:
        click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
    if outcome.errors:
        raise SystemExit(1)


@recover.command("plan")
@click.option("--user", "user_id", required=True, help="The rep (Slack user id).")
def show_plan(user_id: str) -> None:
    """Print a rep's recovery: progress, the ranked action plan and concentration risk.

    \b
    Example:
      rebound recover plan --user U0REP1
    """
    from bot.flows.recovery import messages
    from bot.flows.recovery.service import Recovery

    services = _services(_settings())
    try:
        view = Recovery(services.store, services.teams).view(user_id)
        click.echo(messages.plan_text(view, services.renderer))
    finally:
        services.close()


@click.group("book")
def book() -> None:
    """The signed book: revenue by account and contract, to see concentration before a loss.

    \b
    Example:
      rebound book import --user U0REP1 signed.csv
    """


@book.command("import")
@click.option("--user", "user_id", default=None,
              help="The rep whose book this is (Slack user id); rows may name their own in an Owner column.")
@click.option("--currency", default=None, help="Currency for amounts with no symbol or code (default: the rep's team's).")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_book(user_id: str | None, currency: str | None, csv_file: Path) -> None:
    """Import a rep's or team's signed revenue by account and contract from a CRM export.

    Columns: Account, Contract, Amount, and optionally Currency, Department and Owner (a
    Slack user id; a team's export names each row's rep). The import replaces the books of
    the reps it names. Each contract carrying more than the team's concentration threshold
    of its rep's book is reported, and the rep and their manager get a DM (once per contract
    per import). Each malformed row is reported with its line and left out; the exit status
    is 1 when any was.

    \b
    Example:
      rebound book import --user U0REP1 --currency USD exports/signed.csv
    """
    from bot.flows.recovery.book import Books
    from bot.flows.recovery.service import Recovery

    text = csv_file.read_text(encoding="utf-8-sig", errors="replace")
    services = _services(_settings())
    try:
        books = Books(services.store, services.teams, services.renderer, Recovery(services.store, services.teams).threshold)
        outcome = books.import_book(text, default_owner=user_id, default_currency=currency)
    finally:
        services.close()
    click.echo(f"Imported {outcome.kept} signed contract{'' if outcome.kept == 1 else 's'} for "
               f"{', '.join(outcome.owners) or 'nobody'}.")
    if outcome.ignored_columns:
        click.echo("Columns not used: " + ", ".join(outcome.ignored_columns))
    for heavy in outcome.heavy:
        click.echo(f"Concentration: {heavy.owner}'s {heavy.contract} ({heavy.account}) is {heavy.share:.2%} of "
                   f"their book, more than {heavy.threshold:.0%}.")
    click.echo(f"{outcome.warnings_queued} warning DM(s) queued.")
    for error in outcome.errors:
        click.echo(f"{csv_file}:{error.line}: {error.message}", err=True)
    if outcome.errors:
        raise SystemExit(1)


COMMANDS = (recover, book)
