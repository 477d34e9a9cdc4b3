"""Small builders shared by tests (playbooks from dicts, a migrated store in tmp_path)."""

from __future__ import annotations

from typing import Any

from bot.engine.model import Playbook


def playbook(steps: list[dict[str, Any]], **extra: Any) -> Playbook:
    data = {
        "id": "sample",
        "title": "Sample",
        "description": "A sample playbook for tests",
        "version": 1,
        "command": "/sample",
        "intro": "Hello",
        "steps": steps,
        "on_submit": {"summary": "sample/summary.md.j2"},
    }
    data.update(extra)
    return Playbook.model_validate(data)


def usd(amount: Any) -> dict[str, Any]:
    """An amount as a currency answer stores it."""
    return {"amount": amount, "currency": "USD"}
