"""`/recover account ...`: the map of a lost enterprise account, per loss, and what its
departments have won back (issue 16). The reading of the typed text and the figure are in
bot/domain/account_map.py, the rows in bot/store/account_map.py, the words in
prompts/recover/account.md.j2.

A map belongs to one loss: the person's latest recovery plan. Won units count against that
loss's unrecovered amount, here and in the progress ledger (``won_opportunities``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.conversation.inputs import Reply
from bot.domain.account_map import WonBack, parse_account_command, won_back
from bot.domain.recovery import account_of
from bot.errors import ActionRefused, NotFound
from bot.render.templates import Renderer
from bot.store import account_map as am
from bot.store import recovery as rs
from bot.store import runs as run_store
from bot.store.db import Store
from bot.values.dates import as_date

STATUS_VERBS = ("won", "lost", "open")


@dataclass(frozen=True)
class LossMap:
    """One loss (a recovery plan), its account's units and the won-back figure."""

    plan: rs.PlanRecord
    account: str
    closed_on: date
    units: list[am.AccountUnit]
    figure: WonBack


class AccountMaps:
    def __init__(self, store: Store, renderer: Renderer, today_for):
        self.store = store
        self.renderer = renderer
        self.today_for = today_for  # user_id -> the person's today, in their team's time zone

    # -- reading ---------------------------------------------------------------------------

    def _source(self, plan: rs.PlanRecord) -> Mapping[str, Any]:
        if not plan.source_run_id:
            return {}
        try:
            return run_store.get_run(self.store, plan.source_run_id).answers
        except NotFound:
            return {}

    def loss_map(self, plan: rs.PlanRecord, today: date) -> LossMap:
        """The loss's account (the debrief's account, else its deal's), closed on the debrief's
        close date (else the day the plan was made), and what its won units gave back."""
        answers = self._source(plan)
        account = str(answers.get("account") or "").strip() or (account_of({"name": answers["deal"]})
                                                                if answers.get("deal") else "the lost account")
        closed_on = as_date(answers.get("close_date")) or as_date(plan.submitted_at[:10]) or today
        units = am.units(self.store, plan_run_id=plan.run_id)
        figure = won_back(plan.unrecovered, [unit.as_dict() for unit in units], closed_on=closed_on, today=today)
        return LossMap(plan, account, closed_on, units, figure)

    def maps(self, user_id: str) -> list[LossMap]:
        """Every loss of the person that has a map, newest first: the plan tracks each loss."""
        today = self.today_for(user_id)
        with_units = {unit.plan_run_id for unit in am.units(self.store, user_id=user_id)}
        plans = [plan for plan in rs.plans(self.store, user_id=user_id) if plan.run_id in with_units]
        return [self.loss_map(plan, today) for plan in reversed(plans)]

    def home_sections(self, user_id: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        """App Home: each loss with a map, what it won back, and the nearest next step."""
        maps = self.maps(user_id)
        if not maps:
            return []
        rows = []
        for loss in maps:
            dated = sorted((u for u in loss.units if u.status == "open" and u.next_date), key=lambda u: u.next_date)
            rows.append({**_context(loss), "next": dated[0].as_dict() if dated else None})
        text = self.renderer.render("recover/account_home.md.j2", {"maps": rows})
        return [("Winning lost accounts back", [(line, None) for line in text.splitlines() if line.strip()])]

    # -- the subcommand ------------------------------------------------------------------------

    def command(self, user_id: str, rest: str) -> Reply:
        plan = rs.latest_plan(self.store, user_id)
        if plan is None:
            raise ActionRefused("no_plan", "The account map belongs to a loss: start with `/recover` to make a "
                                "plan for it, then map the account's departments.")
        command = parse_account_command(rest, currency=plan.currency)
        changed, unit_name = None, command.unit
        if command.verb == "add":
            unit, created = am.upsert_unit(self.store, plan_run_id=plan.run_id, user_id=user_id, team=plan.team,
                                        currency=plan.currency, name=command.unit, fields=command.fields or {})
            changed, unit_name = "added" if created else "updated", unit.name
        elif command.verb in STATUS_VERBS:
            unit = am.find_unit(self.store, plan.run_id, command.unit)
            if unit is None:
                known = ", ".join(u.name for u in am.units(self.store, plan_run_id=plan.run_id)) or "none yet"
                raise ActionRefused("no_unit", f"There's no {command.unit!r} on this account's map (mapped: {known}). "
                                    f'Add it with `/recover account add "{command.unit}" value=...`.')
            unit_name = unit.name
            changed = command.verb if am.set_unit_status(self.store, unit.id, command.verb) else "unchanged"
        loss = self.loss_map(plan, self.today_for(user_id))
        return Reply(self.renderer.render("recover/account.md.j2", {
            "changed": changed, "unit": unit_name, **_context(loss)}))


def _context(loss: LossMap) -> dict[str, Any]:
    return {"account": loss.account, "closed_on": loss.closed_on.isoformat(), "figure": loss.figure.to_dict(),
            "units": [unit.as_dict() for unit in loss.units]}


__all__ = ["AccountMaps", "LossMap"]
