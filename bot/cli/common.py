"""What every ``rebound`` subcommand shares: settings and services, with their errors as one line."""

from __future__ import annotations

import click

from bot.config import Settings, check_db_path, load_settings
from bot.errors import ConfigFilesInvalid, DatabaseUnusable, SettingError


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingError as exc:
        raise click.ClickException(str(exc)) from None


def _services(settings: Settings, *, teams_required: bool = False, slack: bool = False):
    from bot.services import build_services

    try:
        check_db_path(settings)
        return build_services(settings, teams_required=teams_required, slack=slack)
    except (SettingError, DatabaseUnusable) as exc:
        raise click.ClickException(str(exc)) from None
    except ConfigFilesInvalid as exc:
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in Rebound's files:\n{lines}\n"
                                   "Run `rebound check` after fixing them.") from None
