"""Everything ``rebound check`` and start-up validate: playbooks, prompt templates, the teams
file and the manifest. All problems are collected and reported together."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.engine.loader import collect_playbooks
from bot.engine.model import Playbook
from bot.errors import Problem
from bot.render.templates import Renderer
from bot.files.teams import check_teams_file


def check_templates(renderer: Renderer, playbooks: dict[str, Playbook]) -> list[Problem]:
    problems = []
    for name in renderer.template_names():
        error = renderer.syntax_error(name=name)
        if error is not None:
            problems.append(Problem(str(renderer.prompts_dir / name), error.lineno, "", f"template does not compile: {error.message}"))
    for playbook in playbooks.values():
        names = [("on_submit.summary", playbook.on_submit.summary)]
        names += [(f"on_submit.posts[{i}]", p.template) for i, p in enumerate(playbook.on_submit.posts)]
        names += [(f"on_submit.reminders[{i}]", r.template) for i, r in enumerate(playbook.on_submit.reminders)]
        for where, name in names:
            if not renderer.exists(name):
                problems.append(Problem(f"playbooks/{playbook.id}.yml", None, where,
                                        f"template {name!r} does not exist under {renderer.prompts_dir}"))
    return problems


def _commands_of_broken_playbooks(settings: Settings, loaded: dict[str, Playbook]) -> set[str]:
    """The `command:` of playbook files that failed to load, read leniently from their YAML."""
    from bot.engine.loader import playbook_files
    from bot.files.yaml_source import load_yaml

    commands = set()
    for path in playbook_files(settings.playbooks_dir):
        if path.stem in loaded:
            continue
        data = load_yaml(path).data
        if isinstance(data, dict) and isinstance(data.get("command"), str):
            commands.add(data["command"])
    return commands


def check_all(settings: Settings, *, teams_required: bool = False) -> tuple[list[Problem], list[str]]:
    """Every problem, plus notes about things skipped (e.g. no teams file yet)."""
    notes: list[str] = []
    playbooks, problems = collect_playbooks(settings.playbooks_dir)
    renderer = Renderer(settings.prompts_dir)
    if not settings.prompts_dir.is_dir():
        problems.append(Problem(str(settings.prompts_dir), None, "", "the prompts folder does not exist (set REBOUND_PROMPTS)"))
    else:
        problems.extend(check_templates(renderer, playbooks))
    from bot.files.taxonomy_options import check_taxonomy_options

    problems.extend(check_taxonomy_options(playbooks, settings.playbooks_dir))
    if Path(settings.teams_path).exists():
        problems.extend(check_teams_file(settings.teams_path)[1])
    elif teams_required:
        problems.append(Problem(str(settings.teams_path), None, "", "the teams file does not exist (copy teams.example.yml, or set REBOUND_TEAMS)"))
    else:
        notes.append(f"no teams file at {settings.teams_path} (REBOUND_TEAMS): skipped; runs will have no team")
    if Path(settings.manifest_path).exists():
        from bot.files.manifest import check_manifest

        problems.extend(check_manifest(settings.manifest_path, list(playbooks.values()),
                                       broken_commands=_commands_of_broken_playbooks(settings, playbooks)))
    else:
        problems.append(Problem(str(settings.manifest_path), None, "", "manifest.yml does not exist (set REBOUND_MANIFEST)"))
    if settings.crm_secret is None:
        notes.append("the CRM webhook POST /crm/closed-lost is off (REBOUND_CRM_SECRET is not set); "
                     "`rebound crm import` still works")
    else:
        notes.append("the CRM webhook POST /crm/closed-lost is on (REBOUND_CRM_SECRET is set)")
    return problems, notes
