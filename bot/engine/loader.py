"""Loading playbooks from YAML: schema first, then the rule checks, every problem with file and line.

Nothing half-loads: if any playbook has a mistake, the caller gets every problem and no
playbooks at all.
"""

from __future__ import annotations

from pathlib import Path

from bot.engine.checks import check_playbook, check_playbook_set
from bot.engine.model import Playbook
from bot.errors import PlaybookError, Problem
from bot.files.yaml_source import load_yaml, validate_source


def playbook_files(directory: str | Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.y*ml") if p.suffix in (".yml", ".yaml"))


def load_playbook_file(path: str | Path, display_name: str | None = None, *,
                       rules: bool = True) -> tuple[Playbook | None, list[Problem]]:
    source = load_yaml(path, display_name)
    playbook, problems = validate_source(source, Playbook)
    if playbook is None:
        return None, problems
    if playbook.id != Path(path).stem:
        problems.append(
            source.problem(("id",), f"id {playbook.id!r} must match the file name {Path(path).stem!r}")
        )
    if rules:
        problems.extend(check_playbook(playbook, source))
    return (None if problems else playbook), problems


def collect_playbooks(directory: str | Path, *, rules: bool = True) -> tuple[dict[str, Playbook], list[Problem]]:
    """Every playbook in ``directory`` and every problem found, for ``rebound check``.

    ``rules=False`` checks the schema only: for files whose rule checks already passed
    unchanged (bot.files.fingerprint)."""
    directory = Path(directory)
    if not directory.is_dir():
        return {}, [Problem(str(directory), None, "", "the playbooks folder does not exist (set REBOUND_PLAYBOOKS)")]
    playbooks: dict[str, Playbook] = {}
    problems: list[Problem] = []
    sources = {}
    files = playbook_files(directory)
    if not files:
        problems.append(Problem(str(directory), None, "", "no playbooks (*.yml) in this folder"))
    for path in files:
        playbook, found = load_playbook_file(path, _display(path), rules=rules)
        problems.extend(found)
        if playbook is not None:
            playbooks[playbook.id] = playbook
            sources[playbook.id] = _display(path)
    if rules:
        problems.extend(check_playbook_set(playbooks, sources))
    return playbooks, problems


def load_playbooks(directory: str | Path, *, rules: bool = True) -> dict[str, Playbook]:
    """All playbooks, or :class:`PlaybookError` listing every problem (used at start-up)."""
    playbooks, problems = collect_playbooks(directory, rules=rules)
    if problems:
        raise PlaybookError(problems)
    return playbooks


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
