"""The export format operators script against: runs with their answers, as JSON records or CSV rows."""

from __future__ import annotations

import json
from typing import Any

from bot.engine import runner
from bot.services import Services
from bot.store import runs as run_store

BASE_COLUMNS = ["id", "playbook", "user_id", "team", "status", "started_at", "submitted_at"]


def export_rows(services: Services, *, playbook: str | None = None, since: str | None = None,
                user_id: str | None = None) -> list[dict[str, Any]]:
    records = []
    for run in run_store.list_runs(services.store, playbook=playbook, since=since, user_id=user_id):
        definition = services.playbooks.get(run.playbook)
        record: dict[str, Any] = {column: getattr(run, column) for column in BASE_COLUMNS}
        if definition is None:  # a run of a playbook removed since: export what was stored
            record["answers"] = dict(run.answers)
            record["computed"] = {}
        else:
            state = services.conversations.state_of(run)
            visible, ctx = runner.walk(definition, state)
            record["answers"] = {s.id: ctx[s.id] for s in visible
                                 if s.is_question and s.id in run.answers and s.id not in run.skipped}
            record["computed"] = {s.id: ctx[s.id] for s in visible if not s.is_question}
        records.append(record)
    return records


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def to_csv_rows(services: Services, records: list[dict[str, Any]], playbook: str | None) -> tuple[list[str], list[list[str]]]:
    """One column per step: the playbook's steps in order, or the union over the exported playbooks."""
    steps: list[str] = []
    ids = [playbook] if playbook else sorted({r["playbook"] for r in records})
    for playbook_id in ids:
        definition = services.playbooks.get(playbook_id)
        names = [s.id for s in definition.steps] if definition else sorted({k for r in records for k in r["answers"]})
        steps.extend(name for name in names if name not in steps)
    header = BASE_COLUMNS + steps
    rows = []
    for record in records:
        values = {**record["answers"], **record.get("computed", {})}
        rows.append([_cell(record[c]) for c in BASE_COLUMNS] + [_cell(values.get(step)) for step in steps])
    return header, rows
