"""Rating the team's own factors on opportunities already in a plan: one 1-5 input per factor
asked per opportunity (teams file, `source: asked`) for each ranked opportunity, opened by the
plan message's *Rate your team's factors* button or a bare `/recover rate`.

A blank input is "not known yet" (ranked as average, and the plan says so). A bad value ("6",
"high") is refused beside its input and nothing is saved; Slack keeps everything typed in the
modal, so nothing given is lost. After Save, the plan message is redrawn with the new ranking.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from bot import ids
from bot.conversation.inputs import Reply, ViewAck, ViewInput
from bot.engine.answers.numbers import number_from, to_json
from bot.flows.recovery import messages
from bot.errors import ActionRefused
from bot.flows.recovery.service import Recovery, asked_factors
from bot.render import blocks as bk
from bot.render import modals
from bot.render.mrkdwn import escape
from bot.render.slack_messages import plain
from bot.render.templates import Renderer
from bot.store import outbox
from bot.store import recovery as rs
from bot.store.db import Store

CALLBACK_ID = "rb_recover_rate"
DONE_CALLBACK_ID = "rb_recover_rate_done"  # the confirmation has no submit button
RATE_ACTION = messages.RATE_ACTION
MAX_OPPORTUNITIES = 20
LOW, HIGH = 1, 5


def _block(opportunity_id: int, factor: str) -> str:
    return f"r|{opportunity_id}|{factor}"


def read_rating(raw: Any) -> int | float | None:
    """A typed rating: None for blank; ValueError for anything but a number from 1 to 5."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    number = number_from(raw)
    if number is None or not LOW <= number <= HIGH:
        raise ValueError(raw)
    return to_json(number)


def rate(recovery: Recovery, user_id: str, opportunity_id: int, ratings: Mapping[str, Any]) -> bool:
    """Ratings of the team's asked factors on one of the person's opportunities (1-5, or None for
    "not known yet"), checked again whoever calls; True when something changed."""
    known = {name for name, _ in asked_factors(recovery.team_of(user_id))}
    unknown = sorted(set(ratings) - known)
    if unknown:
        raise ActionRefused("bad_factor", f"{unknown[0]!r} is not one of your team's factors asked per opportunity")
    for name, value in ratings.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not LOW <= value <= HIGH):
            raise ActionRefused("bad_rating", f"rate {name.replace('_', ' ')} from {LOW} to {HIGH}")
    recovery.own_opportunity(user_id, opportunity_id)
    return rs.rate_factors(recovery.store, opportunity_id, ratings)


class RateModal:
    def __init__(self, recovery: Recovery, store: Store, renderer: Renderer):
        self.recovery = recovery
        self.store = store
        self.renderer = renderer

    def _rows(self, user_id: str) -> tuple[list[tuple[str, str]], list[tuple[int, rs.Opportunity]]]:
        """The team's asked factors and the person's ranked opportunities (rank, record) that fit a modal."""
        view = self.recovery.view(user_id)
        if view.ranking is None or not view.asked:
            return view.asked, []
        fit = min(MAX_OPPORTUNITIES, (bk.MAX_VIEW_BLOCKS - 1) // (1 + len(view.asked)))
        rows = [(entry.rank, view.by_id[entry.opportunity["id"]]) for entry in view.ranking.entries
                if isinstance(entry.opportunity.get("id"), int) and entry.opportunity["id"] in view.by_id]
        return view.asked, rows[:fit]

    def view(self, user_id: str, clicked: ids.ActionValue | None, rest: str) -> dict[str, Any] | Reply:
        asked, rows = self._rows(user_id)
        if not asked:
            return Reply("Your team has no factors of its own to rate per opportunity. A manager adds them to the "
                         "teams file (`factors:` with `source: asked`).")
        if not rows:
            return Reply("No open opportunities to rate yet. List them in `/recover`, or paste a CRM export after "
                         "`/recover import`.")
        names = ", ".join(label.lower() for _, label in asked)
        blocks: list[dict[str, Any]] = [bk.context(
            f"Rate {bk.clip(names, 500)} from {LOW} to {HIGH} for each opportunity. Leave one empty if you don't "
            "know yet: it ranks as average until you do.")]
        for rank, opportunity in rows:
            blocks.append(bk.section(f"*{rank}. {bk.clip(escape(opportunity.name), 200)}*"))
            for factor, label in asked:
                value = opportunity.factors.get(factor)
                blocks.append(modals.input_block(modals.FieldInput(
                    block_id=_block(opportunity.id, factor), label=f"{label} ({LOW}-{HIGH})", kind="number",
                    optional=True, initial=None if value is None else modals._number_text(value),
                    minimum=LOW, maximum=HIGH)))
        return {
            "type": "modal", "callback_id": CALLBACK_ID, "title": plain("Rate opportunities", bk.MAX_MODAL_TITLE),
            "submit": plain("Save", bk.MAX_MODAL_TITLE), "close": plain("Cancel", bk.MAX_MODAL_TITLE),
            "private_metadata": json.dumps([opportunity.id for _, opportunity in rows], separators=(",", ":")),
            "blocks": blocks,
        }

    def submit(self, view: ViewInput) -> ViewAck:
        try:
            shown = [int(i) for i in json.loads(view.private_metadata or "[]")]
        except (ValueError, TypeError):
            return ViewAck("clear")
        asked = asked_factors(self.recovery.team_of(view.user_id))
        values = modals.read_state_by_block(view.state_values)
        ratings: dict[int, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for opportunity_id in shown:
            for factor, label in asked:
                block = _block(opportunity_id, factor)
                try:
                    ratings.setdefault(opportunity_id, {})[factor] = read_rating(values.get(block))
                except ValueError:
                    errors[block] = (f"Please rate {label.lower()} with a number from {LOW} to {HIGH}, "
                                     "or leave it empty if you don't know yet.")
        if errors:
            return ViewAck("errors", errors=errors)
        changed = [opportunity_id for opportunity_id, given in ratings.items()
                   if rate(self.recovery, view.user_id, opportunity_id, given)]
        if changed:
            self._redraw_plan(view.user_id)
        text = "✅ Saved. Your plan is ranked again with these." if changed else "Nothing changed."
        return ViewAck("update", view={
            "type": "modal", "callback_id": DONE_CALLBACK_ID, "title": plain("Rate opportunities", bk.MAX_MODAL_TITLE),
            "close": plain("Done", bk.MAX_MODAL_TITLE), "blocks": [bk.section(text)]})

    def _redraw_plan(self, user_id: str) -> None:
        """The latest plan message, ranked again (the sender fills in its channel and ts)."""
        plan = rs.latest_plan(self.store, user_id)
        if plan is None or not plan.message_key:
            return
        text, blocks = messages.plan_blocks(self.recovery.view(user_id), self.renderer, plan.run_id)
        outbox.enqueue(self.store, f"{plan.message_key}:rated:{secrets.token_hex(6)}", "chat.update",
                       {"text": text, "blocks": blocks, "_update_of": plan.message_key}, run_id=plan.run_id,
                       team=plan.team)
