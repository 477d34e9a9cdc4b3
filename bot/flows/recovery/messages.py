"""A plan view as words and Block Kit: the action plan message in the DM (each opportunity with
a ⋯ menu to mark it won, lost or moved), its plain-text form for the terminal, and the App
Home lines. All wording is in prompts/recover/; this module only builds the blocks."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.domain.concentration import Group
from bot.flows.recovery.service import PlanView
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.render.templates import Renderer

PROGRESS_ACTION = "rb_recover_progress"
RATE_ACTION = "rb_recover_rate_open"  # opens the modal rating the team's own factors (rate_modal)
WEIGHTS_ACTION = "rb_recover_weights_open"  # opens the weights modal, offered while the team has none
MAX_ROWS = 20  # ranked rows with a menu; the rest are listed in one line (Slack's 50 blocks)
STATUS_OPTIONS = (("won", "Won"), ("lost", "Lost"), ("moved", "Moved (slipped)"), ("open", "Still open"))


def _group(group: Group | None) -> dict[str, Any] | None:
    if group is None:
        return None
    largest = group.largest_contract
    return {"key": group.key, "total": group.total, "share": group.share, "flagged": group.flagged,
            "single_contract": group.single_contract, "contract_count": group.contract_count,
            "suggestion": group.suggestion, "largest": group.largest, "largest_name": largest.get("name"),
            "largest_is_lost": bool(largest.get("lost"))}


def context(view: PlanView, *, menus: bool = True) -> dict[str, Any]:
    """The templates' view of a plan: plain dicts and numbers (``menus``: rows carry a ⋯ menu)."""
    ranking = view.ranking
    entries = []
    if ranking is not None:
        for entry in ranking.entries:
            opp = view.by_id.get(entry.opportunity.get("id"))
            entries.append({"id": entry.opportunity.get("id"), "rank": entry.rank, "name": entry.name,
                            "amount": entry.amount, "score": entry.score, "missing": list(entry.missing),
                            "probability": entry.opportunity.get("probability"),
                            "close_date": entry.opportunity.get("close_date"),
                            "status": opp.status if opp else "open"})
    concentration = view.concentration
    return {
        "user_id": view.user_id,
        "menus": menus,
        "currency": view.currency,
        "has_plan": view.plan is not None,
        "progress": view.progress.to_dict() if view.progress else None,
        "at_plan": view.at_plan,
        "entries": entries,
        "top_n": ranking.top_n if ranking else 0,
        "top_total": ranking.top_total if ranking else None,
        "target": ranking.target if ranking else None,
        "reaches_target": ranking.reaches_target if ranking else None,
        "target_shortfall": ranking.target_shortfall if ranking else None,
        "to_target": ranking.opportunities_to_target if ranking else None,
        "weights": {"source": view.weights.source, "members": view.weights.members,
                    "locked_by": view.weights.locked_by, "percents": view.weights.percents(),
                    "member_ids": list(view.weights.member_ids)},
        "concentration": None if concentration is None or not concentration.flagged else {
            "threshold": concentration.threshold, "seller": _group(concentration.seller),
            "accounts": [_group(group) for group in concentration.accounts]},
        "won": [{"name": o.name, "amount": o.amount} for o in view.won],
        "lost": [{"name": o.name, "amount": o.amount} for o in view.lost],
        "other_currency": [{"name": o.name, "amount": o.amount} for o in view.other_currency],
        # the team's factors asked per opportunity still unknown on a ranked opportunity of the rep's own
        "unrated": sorted({label.lower() for key, label in view.asked for entry in entries
                           if isinstance(entry["id"], int) and key in entry["missing"]}),
    }


def plan_text(view: PlanView, renderer: Renderer, *, plain: bool = True) -> str:
    """The whole plan as one text (the terminal's `rebound recover plan`)."""
    ctx = context(view, menus=False)
    parts = [renderer.render("recover/plan_head.md.j2", ctx, plain=plain)]
    parts += [renderer.render("recover/plan_row.md.j2", {"o": entry}, plain=plain) for entry in ctx["entries"]]
    parts.append(renderer.render("recover/plan_tail.md.j2", ctx, plain=plain))
    return "\n".join(part for part in parts if part.strip())


def plan_blocks(view: PlanView, renderer: Renderer, plan_run_id: str) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the action plan message, each ranked opportunity with a status menu."""
    ctx = context(view)
    head = renderer.render("recover/plan_head.md.j2", ctx)
    blocks: list[dict[str, Any]] = bk.text_blocks(head)[:3]
    rest = []
    for entry in ctx["entries"]:
        text = renderer.render("recover/plan_row.md.j2", {"o": entry})
        if len(blocks) >= MAX_ROWS + 3:
            rest.append(entry)
            continue
        unit = isinstance(entry["id"], str)  # "u<id>": a unit of a lost account's map (no "moved")
        blocks.append({
            "type": "section",
            "block_id": ids.ActionValue(plan_run_id, entry["id"] if unit else f"o{entry['id']}").encode(),
            "text": {"type": "mrkdwn", "text": bk.clip(text, bk.MAX_SECTION_TEXT)},
            "accessory": {"type": "overflow", "action_id": PROGRESS_ACTION,
                          "options": [sm.option(label, value) for value, label in STATUS_OPTIONS
                                      if value != entry["status"] and not (unit and value == "moved")]},
        })
    if rest:
        more = renderer.render("recover/plan_more.md.j2", {"rest": rest})
        blocks.append(bk.context(more))
    value = ids.ActionValue(plan_run_id, None).encode()
    buttons = []
    if view.weights.source == "default":  # nobody on the team has weighed the factors yet: offer it here
        buttons.append(sm.button("Set your team's weights", WEIGHTS_ACTION, value))
    if view.asked and any(isinstance(entry["id"], int) for entry in ctx["entries"]):
        buttons.append(sm.button("Rate your team's factors", RATE_ACTION, value))
    if buttons:
        blocks.append({"type": "actions", "block_id": "rate", "elements": buttons})
    tail = renderer.render("recover/plan_tail.md.j2", ctx)
    room = bk.MAX_MESSAGE_BLOCKS - len(blocks)
    blocks.extend(bk.text_blocks(tail)[:room])
    return bk.fallback_text(head) or "Your recovery action plan", blocks


def home_lines(view: PlanView, renderer: Renderer) -> list[str]:
    """The rep's App Home rows: progress, then the top of the ranked list."""
    text = renderer.render("recover/home.md.j2", context(view))
    return [line for line in text.splitlines() if line.strip()]


__all__ = ["PROGRESS_ACTION", "RATE_ACTION", "WEIGHTS_ACTION", "STATUS_OPTIONS", "context", "plan_text", "plan_blocks", "home_lines"]
