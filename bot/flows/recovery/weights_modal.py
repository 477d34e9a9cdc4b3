"""`/recover weights` as a modal: one number input per ranking factor (0 to 10 points), the
team's resulting percentages shown under them, and after Save the shares the points make.

The points are parsed by the engine's number parser (the same one the DM and the terminal
use), so "5", "5.0" and an out-of-range "12" read and fail exactly as typed answers do. Typed
weights (`/recover weights revenue 5 ...`) keep working; a bare `/recover weights` opens this.
"""

from __future__ import annotations

from typing import Any

from bot import clock, ids
from bot.conversation.inputs import Reply, ViewAck, ViewInput
from bot.domain import ranking
from bot.engine.answers import parse_answer
from bot.engine.model import Step, Validation
from bot.errors import AnswerRejected
from bot.flows.recovery.service import SHORT_LABELS, Recovery
from bot.render import blocks as bk
from bot.render import modals
from bot.render.slack_messages import plain

CALLBACK_ID = "rb_weights"
DONE_CALLBACK_ID = "rb_weights_done"  # the confirmation view has no submit button
POINTS = Validation(min=0, max=10)


def _block(key: str) -> str:
    return f"w|{key}"


def _percent_line(shares: dict[str, float]) -> str:
    return " · ".join(f"{SHORT_LABELS.get(key, key)} {round(share * 100)}%" for key, share in shares.items())


class WeightsModal:
    def __init__(self, recovery: Recovery):
        self.recovery = recovery

    def view(self, user_id: str, clicked: ids.ActionValue | None, rest: str) -> dict[str, Any] | Reply:
        team = self.recovery.team_of(user_id)
        if team is None:
            return Reply("You're not on a team in Rebound's teams file yet; ask your manager to add you.")
        info = self.recovery.weights(team.id, user_id)
        own = info.own or {}
        blocks: list[dict[str, Any]] = [bk.context(
            "How much each factor counts when your opportunities are ranked: 0 to 10 points each. "
            "The team ranks with the average of its members' points.")]
        for factor in ranking.DEFAULT_FACTORS:
            points = own.get(factor.key, factor.default_weight)
            blocks.append(modals.input_block(modals.FieldInput(
                block_id=_block(factor.key), label=factor.label, kind="number", optional=False,
                initial=modals._number_text(points), minimum=0, maximum=10)))
        source = {"locked": "locked by a manager", "average": f"the average of {info.members} member(s)",
                  "default": "the defaults"}[info.source]
        blocks.append(bk.context(f"*{bk.clip(team.name, 200)}* ranks with {source} now: {_percent_line(info.shares)}"))
        return {
            "type": "modal", "callback_id": CALLBACK_ID, "title": plain("Ranking weights", bk.MAX_MODAL_TITLE),
            "submit": plain("Save", bk.MAX_MODAL_TITLE), "close": plain("Cancel", bk.MAX_MODAL_TITLE),
            "private_metadata": team.id, "blocks": blocks,
        }

    def submit(self, view: ViewInput) -> ViewAck:
        values = modals.read_state_by_block(view.state_values)
        points: dict[str, int | float] = {}
        errors: dict[str, str] = {}
        for factor in ranking.DEFAULT_FACTORS:
            step = Step(id=factor.key, ask=factor.label, type="number", validation=POINTS)
            try:
                points[factor.key] = parse_answer(step, values.get(_block(factor.key)), today=clock.today_in(None))
            except AnswerRejected as exc:
                errors[_block(factor.key)] = exc.message
        if not errors and not any(points.values()):
            errors[_block(ranking.DEFAULT_FACTORS[0].key)] = "Give at least one factor some points."
        if errors:
            return ViewAck("errors", errors=errors)
        info = self.recovery.set_own_weights(view.user_id, points)
        yours = ranking.team_weights({view.user_id: points})
        blocks = [bk.section("✅ Saved your weights."), bk.context(f"Your points make: {_percent_line(yours)}"),
                  bk.context(f"The team now ranks with: {_percent_line(info.shares)}"
                             + (" (locked by a manager: yours count once they unlock)" if info.source == "locked" else ""))]
        return ViewAck("update", view={
            "type": "modal", "callback_id": DONE_CALLBACK_ID, "title": plain("Ranking weights", bk.MAX_MODAL_TITLE),
            "close": plain("Done", bk.MAX_MODAL_TITLE), "blocks": blocks})

