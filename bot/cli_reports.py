"""`rebound` subcommands for the reports area (registered on the main group by bot.cli)."""

from __future__ import annotations

from bot.cli import main  # noqa: F401 - commands here attach with @main.command()
