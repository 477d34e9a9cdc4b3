"""The ``rebound`` command: a thin click layer over the services.

Typed errors become ``Error: ...`` lines and a non-zero exit; nothing here parses YAML,
writes SQL or renders templates itself.
"""

from __future__ import annotations

import csv
import getpass
import json
import sys
from datetime import date
from pathlib import Path

import click
import yaml

from bot.cli import browse, crm, ops, pilots, recovery, reports
from bot.cli import outbox as outbox_commands
from bot.cli.common import _services, _settings
from bot.errors import NotFound, ReboundError, SettingError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rebound", prog_name="rebound")
def main() -> None:
    """Rebound: learn from lost deals and run pilots that cannot fail by surprise.

    Settings come from the environment: REBOUND_DB (default ./rebound.db), REBOUND_TEAMS
    (default ./teams.yml), and for Slack SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
    SLACK_APP_TOKEN, SLACK_API_URL.

    \b
    Example:
      rebound try debrief
    """


@main.command("try")
@click.argument("playbook")
@click.option("--user", "user_id", default=None, help="Who is answering (default: your login name).")
@click.option("--answers", "answers_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Run non-interactively from a YAML file of step id: answer.")
@click.option("--prefill", default=None, help="Text for the first question, like the words after /debrief.")
def try_playbook(playbook: str, user_id: str | None, answers_file: Path | None, prefill: str | None) -> None:
    """Run a playbook in the terminal, store the run, and print its summary.

    Type `back`, `skip` or `cancel` at any question. Closing the input (Ctrl-D) keeps
    your answers; run the same command again to resume.

    \b
    Examples:
      rebound try debrief
      rebound try pilot-plan --user U0REP1 --answers examples/answers/pilot-plan.yml
    """
    from bot.cli.terminal import TerminalSession

    settings = _settings()
    services = _services(settings)
    if playbook not in services.playbooks:
        known = ", ".join(sorted(services.playbooks))
        raise click.ClickException(f"no playbook {playbook!r}; choose one of: {known}")
    session = TerminalSession(services, user_id or getpass.getuser(), write=click.echo)
    try:
        if answers_file is not None:
            try:
                given = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise click.ClickException(f"cannot read the answers file {answers_file}: {exc}") from None
            if not isinstance(given, dict):
                raise click.ClickException(f"{answers_file} must be a mapping of step id: answer")
            code = session.run_scripted(playbook, given)
        else:
            code = session.run_interactive(playbook, prefill=prefill)
    finally:
        services.close()
    sys.exit(code)


@main.command()
def check() -> None:
    """Validate every playbook, prompt template, the teams file and manifest.yml.

    Prints each problem as `file:line: where: message` and exits non-zero if there are any.

    \b
    Example:
      REBOUND_TEAMS=teams.example.yml rebound check
    """
    from bot.config import teams_path_given
    from bot.files.validate import check_all
    from bot.services import provide_expression_functions

    provide_expression_functions()
    settings = _settings()
    # A teams file named in REBOUND_TEAMS must exist; only the default one may be absent.
    problems, notes = check_all(settings, teams_required=teams_path_given())
    for note in notes:
        click.echo(f"note: {note}")
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found")
    click.echo("All good: playbooks, prompts, teams file and manifest are valid.")


def _parse_since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01", param_hint="--since") from None


@main.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--playbook", default=None, help="Only runs of this playbook.")
@click.option("--since", default=None, help="Only runs started on or after this date (YYYY-MM-DD).")
@click.option("--user", "user_id", default=None, help="Only this person's runs (privacy requests).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to a file instead of standard output.")
def export(fmt: str, playbook: str | None, since: str | None, user_id: str | None, output: Path | None) -> None:
    """Export runs and their answers.

    JSON is an array of {id, playbook, user_id, team, status, started_at, submitted_at,
    answers}; CSV has one row per run and one column per step.

    \b
    Examples:
      rebound export --format json --playbook debrief --since 2026-11-01
      rebound export --format csv -o runs.csv
    """
    from bot.cli.exporting import export_rows, to_csv_rows

    settings = _settings()
    if output is not None and not output.parent.is_dir():
        raise click.ClickException(f"cannot write {output}: the folder {output.parent} does not exist")
    services = _services(settings)
    try:
        if playbook is not None and playbook not in services.playbooks:
            raise click.ClickException(f"no playbook {playbook!r}; choose one of: {', '.join(sorted(services.playbooks))}")
        records = export_rows(services, playbook=playbook, since=_parse_since(since), user_id=user_id)
        try:
            stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
        try:
            if fmt == "json":
                json.dump(records, stream, indent=2, ensure_ascii=False)
                stream.write("\n")
            else:
                header, rows = to_csv_rows(services, records, playbook)
                writer = csv.writer(stream)
                writer.writerow(header)
                writer.writerows(rows)
        finally:
            if output:
                stream.close()
    finally:
        services.close()


@main.command()
@click.option("--port", default=3000, show_default=True, type=click.IntRange(1, 65535), help="HTTP port.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")
@click.option("--socket", "socket_mode", is_flag=True, help="Socket Mode (needs SLACK_APP_TOKEN; no public URL).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="HTTP worker threads.")
@click.option("--inbox-threads", default=2, show_default=True, type=click.IntRange(0, 16),
              help="Threads working acknowledged requests from the inbox (0: acknowledge and store only).")
def serve(port: int, host: str, socket_mode: bool, threads: int, inbox_threads: int) -> None:
    """Run the Slack app: HTTP at POST /slack/events (GET /healthz), or Socket Mode.

    Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (--socket),
    and a teams file (REBOUND_TEAMS). While Slack cannot be reached it retries with
    backoff, one log line per try, and GET /healthz answers 503 with the reason.

    \b
    Examples:
      rebound serve --port 3000
      rebound serve --socket
    """
    settings = _settings()
    try:
        settings.require_slack(socket_mode=socket_mode)
    except SettingError as exc:
        raise click.ClickException(str(exc)) from None
    import logging

    from bot import logs

    log_handler = logs.configure(settings)
    try:
        _serve(settings, host=host, port=port, socket_mode=socket_mode, threads=threads, inbox_threads=inbox_threads)
    finally:
        # The stream belongs to this invocation (stderr, or a test runner's buffer that closes).
        logging.getLogger().removeHandler(log_handler)


def _serve(settings, *, host: str, port: int, socket_mode: bool, threads: int, inbox_threads: int = 2) -> None:
    from bot.app import create_app
    from bot.flows.crm_intake.service import CrmIntake
    from bot.services import start_background
    from bot.slack import serving
    from bot.slack.http import create_wsgi_app

    services = _services(settings, teams_required=True, slack=True)
    try:
        # Slack is reached below, with retries, rather than inside Bolt's constructor.
        app = create_app(settings, services, socket_mode=socket_mode, token_verification=False)
        link = serving.SlackLink(settings.slack_api_url)
        if socket_mode:
            from bot.slack.socket_mode import CheckedSocketModeHandler

            click.echo("Rebound is connecting to Slack over Socket Mode.", err=True)
            serving.connect_or_raise(link, app.client)
            start_background(services, inbox_threads=inbox_threads)
            CheckedSocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        else:
            wsgi = create_wsgi_app(app, services.store, inbox=services.inbox,
                                   signing_secret=settings.slack_signing_secret.get_secret_value(),
                                   crm=CrmIntake(services.tools, settings.crm_secret))
            server = serving.bind_http(serving.gate(wsgi, link), host=host, port=port, threads=threads)
            click.echo(f"Rebound is listening on http://{host}:{port}/slack/events", err=True)
            serving.serve_until_stopped(server, link, app.client,
                                        on_connected=lambda: start_background(services, inbox_threads=inbox_threads))
            click.echo("Rebound stopped.", err=True)
    except (serving.PortUnavailable, serving.SlackRejected) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("Rebound stopped.", err=True)
    finally:
        services.close()


def run() -> None:
    """Entry point that turns typed errors escaping a command into one line."""
    try:
        main(standalone_mode=True)
    except (ReboundError, NotFound) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


for _group in (ops, pilots, recovery, reports, outbox_commands, crm, browse):
    for _command in _group.COMMANDS:
        main.add_command(_command)
