"""A pilot plan as facts, versions and the document a rep shares with the customer.

Pure functions over a run's template context (answers and computed values by step id),
so they are tested without Slack or SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.engine.model import Playbook
from bot.render.templates import Renderer
from bot.store.pilots import Facts, PilotVersion

AGREEMENT_TEMPLATE = "pilot-plan/agreement.md.j2"


def facts_from(ctx: Mapping[str, Any], *, extended_to: str | None = None) -> Facts:
    """What the summaries filter on. A pilot already extended keeps its extension's end date."""
    end = ctx["end_date"]
    if extended_to and extended_to > end:
        end = extended_to
    return Facts(account=ctx["account"], start_date=ctx["start_date"], end_date=end,
                 deal_value=ctx.get("deal_value"), pilot_fee=ctx.get("pilot_fee"), gaps=list(ctx.get("gaps") or []))


def changed_steps(playbook: Playbook, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The questions whose answer differs between two versions, in playbook order."""
    return [step.id for step in playbook.questions if before.get(step.id) != after.get(step.id)]


def edit_prefill(playbook: Playbook, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted plan's answers in playbook order, so a step shown only after an earlier
    answer (the extension's end date) is visible by the time it is prefilled."""
    return {step.id: answers[step.id] for step in playbook.questions if answers.get(step.id) is not None}


def version_info(history: list[PilotVersion], version: int) -> dict[str, Any]:
    """``agreement`` in the templates: this version, when it was made and what it replaced."""
    by_number = {v.version: v for v in history}
    current = by_number.get(version)
    previous = by_number.get(version - 1)
    return {
        "version": version,
        "date": current.submitted_at[:10] if current else None,
        "previous": {"version": previous.version, "date": previous.submitted_at[:10]} if previous else None,
        "changed": list(current.changed) if current else [],
    }


def render_documents(renderer: Renderer, ctx: Mapping[str, Any]) -> tuple[str, str]:
    """The agreement as Markdown and as plain text (same words; headings underlined, no markup)."""
    markdown = renderer.render(AGREEMENT_TEMPLATE, ctx, plain=True) + "\n"
    return markdown, markdown_to_text(markdown)


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_CHECKBOX = re.compile(r"^(\s*)- \[ \] ")


def markdown_to_text(markdown: str) -> str:
    """Plain text from the agreement's small Markdown (headings, lists, check boxes): what a
    customer's email client or a printed page shows without a Markdown viewer."""
    lines = []
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(2).strip()
            if len(heading.group(1)) == 1:
                title = title.upper()
            lines += [title, ("=" if len(heading.group(1)) == 1 else "-") * len(title)]
            continue
        lines.append(_CHECKBOX.sub(r"\1[ ] ", line))
    return "\n".join(lines).rstrip() + "\n"


def file_stem(account: str, version: int) -> str:
    """``pilot-agreement-harbor-freight-lines-v2``: safe on every file system."""
    slug = re.sub(r"[^a-z0-9]+", "-", account.casefold()).strip("-")[:60].strip("-") or "pilot"
    return f"pilot-agreement-{slug}-v{version}"


def option_label(playbook: Playbook, step_id: str, value: str | None) -> str | None:
    """The label of a choice answer (``re_scope`` -> "Re-scope"), from the playbook's options."""
    if value is None:
        return None
    options = playbook.step(step_id).options
    return next((option.label for option in options if option.value == value), value)
