"""The playbook field reference in the README, generated from the schema so the two never drift
(tests/test_readme.py compares them)."""

from __future__ import annotations

from pydantic import BaseModel

from bot.engine.model import Form, ListField, OnSubmit, Option, Playbook, Post, Reminder, Step, Validation

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Playbook", Playbook),
    ("Step", Step),
    ("Option", Option),
    ("List field", ListField),
    ("Validation", Validation),
    ("on_submit", OnSubmit),
    ("Post", Post),
    ("Reminder", Reminder),
    ("Form", Form),
]


def field_reference() -> str:
    lines: list[str] = []
    for title, model in SECTIONS:
        doc = (model.__doc__ or "").strip().splitlines()[0]
        lines += [f"#### {title}", "", doc, "", "| field | required | description |", "| --- | --- | --- |"]
        for name, info in model.model_fields.items():
            required = "yes" if info.is_required() else "no"
            lines.append(f"| `{name}` | {required} | {(info.description or '').replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
