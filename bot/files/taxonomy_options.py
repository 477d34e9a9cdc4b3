"""Option values the reports count must be taxonomy keys.

A debrief's ``primary_reason`` and ``secondary_reasons`` and a graceful no's
``reason_category`` are grouped by key in the weekly numbers, and the summary templates look
each one up (``coaching_focus``, ``manager_questions``). An option value outside the
taxonomy (``Timing Issue`` instead of ``timing``) loads fine and then fails every run that
picks it, at submit, with "unknown loss reason". ``rebound check`` and start-up refuse it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.domain import taxonomy
from bot.engine.model import Playbook
from bot.errors import Problem
from bot.files.yaml_source import load_yaml

# (playbook id, step id) -> what the keys are called, and the keys the reports know.
TAXONOMY_STEPS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("debrief", "primary_reason"): ("loss reason", taxonomy.LOSS_REASON_KEYS),
    ("debrief", "secondary_reasons"): ("loss reason", taxonomy.LOSS_REASON_KEYS),
    ("graceful-no", "reason_category"): ("graceful-no reason", taxonomy.GRACEFUL_NO_KEYS),
}


def check_taxonomy_options(playbooks: Mapping[str, Playbook], playbooks_dir: str | Path) -> list[Problem]:
    """One problem per option value of a taxonomy step that the taxonomy does not know."""
    problems: list[Problem] = []
    for (playbook_id, step_id), (kind, keys) in TAXONOMY_STEPS.items():
        playbook = playbooks.get(playbook_id)
        if playbook is None:
            continue
        index = next((i for i, step in enumerate(playbook.steps) if step.id == step_id), None)
        if index is None:
            continue
        unknown = [(j, option.value) for j, option in enumerate(playbook.steps[index].options)
                   if option.value not in keys]
        if not unknown:
            continue
        path = _file_of(Path(playbooks_dir), playbook_id)
        source = load_yaml(path, str(path))
        for j, value in unknown:
            problems.append(source.problem(
                ("steps", index, "options", j, "value"),
                f"{value!r} is not a {kind} the reports know; use one of: {', '.join(keys)} "
                "(bot/domain/taxonomy.py)"))
    return problems


def _file_of(directory: Path, playbook_id: str) -> Path:
    for suffix in (".yml", ".yaml"):
        if (directory / f"{playbook_id}{suffix}").exists():
            return directory / f"{playbook_id}{suffix}"
    return directory / f"{playbook_id}.yml"
