"""manifest.yml, checked against what Rebound's code and playbooks need.

Slack's own JSON Schema (tests validate against it) says whether the manifest is a valid
manifest. This module says whether it is the right one for Rebound: every playbook has its
slash command and every slash command a playbook, the scopes and events the code uses are
granted, interactivity and the App Home tabs are on. Each problem names its file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.engine.model import Playbook
from bot.errors import Problem
from bot.slack.scopes import BOT_EVENTS_USED, bot_scopes_used
from bot.files.yaml_source import YamlSource, load_yaml, validate_source


class Part(BaseModel):
    """Manifest sections keep the fields Rebound does not read (extra allowed)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class DisplayInformation(Part):
    name: str = Field(min_length=1, max_length=35)


class SlashCommand(Part):
    command: str = Field(pattern=r"^/")
    description: str
    usage_hint: str | None = None
    url: str | None = None


class AppHome(Part):
    home_tab_enabled: bool = False
    messages_tab_enabled: bool = False
    messages_tab_read_only_enabled: bool = False


class Features(Part):
    app_home: AppHome = Field(default_factory=AppHome)
    slash_commands: list[SlashCommand] = Field(default_factory=list)


class Scopes(Part):
    bot: list[str] = Field(default_factory=list)


class OAuthConfig(Part):
    scopes: Scopes = Field(default_factory=Scopes)


class EventSubscriptions(Part):
    request_url: str | None = None
    bot_events: list[str] = Field(default_factory=list)


class Interactivity(Part):
    is_enabled: bool
    request_url: str | None = None


class Settings(Part):
    event_subscriptions: EventSubscriptions = Field(default_factory=EventSubscriptions)
    interactivity: Interactivity = Field(default_factory=lambda: Interactivity(is_enabled=False))
    socket_mode_enabled: bool = False


class Manifest(Part):
    """The parts of a Slack app manifest Rebound relies on."""

    display_information: DisplayInformation
    features: Features = Field(default_factory=Features)
    oauth_config: OAuthConfig = Field(default_factory=OAuthConfig)
    settings: Settings = Field(default_factory=Settings)


def check_manifest(path: str | Path, playbooks: list[Playbook], broken_commands: set[str] = frozenset()) -> list[Problem]:
    """Every problem with the manifest at ``path`` for these playbooks (empty when it fits).

    ``broken_commands`` are the commands of playbooks that failed to load: their own
    problems are already reported, so the manifest does not also call them missing."""
    source = load_yaml(path)
    manifest, problems = validate_source(source, Manifest)
    if manifest is None:
        return problems
    return problems + _rule_problems(source, manifest, playbooks, broken_commands)


def _rule_problems(source: YamlSource, manifest: Manifest, playbooks: list[Playbook],
                   broken_commands: set[str] = frozenset()) -> list[Problem]:
    problems: list[Problem] = []
    commands_loc = ("features", "slash_commands")
    listed: dict[str, int] = {}
    for index, slash in enumerate(manifest.features.slash_commands):
        if slash.command in listed:
            problems.append(source.problem(commands_loc + (index,), f"{slash.command} is listed twice"))
        listed.setdefault(slash.command, index)

    by_command = {playbook.command: playbook for playbook in playbooks}
    for playbook in playbooks:
        if playbook.command not in listed:
            problems.append(source.problem(
                commands_loc,
                f"playbook `{playbook.id}` starts with {playbook.command}, which is not a slash command here "
                f"(add `- command: {playbook.command}` under features.slash_commands)",
            ))
    for command, index in listed.items():
        if command not in by_command and command not in broken_commands:
            problems.append(source.problem(
                commands_loc + (index,),
                f"{command} has no playbook (add a playbook with `command: {command}` or remove it here)",
            ))

    granted = set(manifest.oauth_config.scopes.bot)
    for scope in bot_scopes_used():
        if scope not in granted:
            problems.append(source.problem(
                ("oauth_config", "scopes", "bot"),
                f"bot scope `{scope}` is missing; Rebound's code needs it (bot/slack/scopes.py says for which call)",
            ))
    subscribed = set(manifest.settings.event_subscriptions.bot_events)
    for event in BOT_EVENTS_USED:
        if event not in subscribed:
            problems.append(source.problem(
                ("settings", "event_subscriptions", "bot_events"),
                f"bot event `{event}` is missing; Rebound listens for it",
            ))

    if not manifest.settings.interactivity.is_enabled:
        problems.append(source.problem(
            ("settings", "interactivity", "is_enabled"),
            "interactivity is off, so buttons and menus would do nothing (set is_enabled: true)",
        ))
    home = manifest.features.app_home
    if not home.home_tab_enabled:
        problems.append(source.problem(
            ("features", "app_home", "home_tab_enabled"),
            "the App Home tab is off; Rebound lists runs there (set home_tab_enabled: true)",
        ))
    if not home.messages_tab_enabled or home.messages_tab_read_only_enabled:
        problems.append(source.problem(
            ("features", "app_home", "messages_tab_enabled" if not home.messages_tab_enabled
             else "messages_tab_read_only_enabled"),
            "people answer in the Messages tab, so it must be on and writable "
            "(messages_tab_enabled: true, messages_tab_read_only_enabled: false)",
        ))

    if not manifest.settings.socket_mode_enabled:
        problems.extend(_http_mode_problems(source, manifest))
    return problems


def _http_mode_problems(source: YamlSource, manifest: Manifest) -> list[Problem]:
    """Without Socket Mode, Slack needs a URL for commands, events and interactions."""
    hint = "Slack has nowhere to send it without Socket Mode (set it to https://<your server>/slack/events)"
    problems = []
    for index, slash in enumerate(manifest.features.slash_commands):
        if not slash.url:
            problems.append(source.problem(("features", "slash_commands", index), f"{slash.command} has no `url`; {hint}"))
    missing: list[tuple[tuple[Any, ...], str]] = []
    if not manifest.settings.event_subscriptions.request_url:
        missing.append((("settings", "event_subscriptions"), "event_subscriptions has no `request_url`"))
    if manifest.settings.interactivity.is_enabled and not manifest.settings.interactivity.request_url:
        missing.append((("settings", "interactivity"), "interactivity has no `request_url`"))
    problems.extend(source.problem(loc, f"{text}; {hint}") for loc, text in missing)
    return problems
