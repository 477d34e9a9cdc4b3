"""The recovery service: what the /recover flow, its buttons, the CLI and the summaries call.

Surface-free: it returns data (plan views, import outcomes, weights) and writes through
bot/store/recovery.py; wording and Block Kit live in templates and ``messages``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot import clock
from bot.domain import ranking
from bot.domain.errors import DomainError
from bot.domain.money import Money
from bot.domain.opportunities_csv import RowError, parse_opportunities_csv
from bot.domain.account_map import UNIT_STATUSES, as_opportunity
from bot.domain.recovery import (
    DEFAULT_THRESHOLD, STATUSES, STILL_OPEN, WON, BookConcentration, Progress, account_of, book_concentration, ledger,
    plan_values,
)
from bot.errors import ActionRefused, Forbidden, NotFound
from bot.store import account_map as account_store
from bot.store import recovery as rs
from bot.store import runs as run_store
from bot.store.db import Store
from bot.store.runs import Run
from bot.files.teams import Team, Teams
from bot.values.money import round_to

TOP_N = 5
SHORT_LABELS = {"revenue": "revenue", "probability": "probability", "time_to_close": "time to close",
                "strategic_fit": "fit", "relationship": "relationship", "effort": "effort"}


def asked_factors(team: Team | None) -> list[tuple[str, str]]:
    """(name, label) of the team's own factors rated per opportunity (`source: asked`)."""
    return [(f.name, f.shown) for f in (team.factors if team else []) if f.source == "asked"]


def team_factors(team: Team | None) -> tuple[ranking.Factor, ...]:
    """The built-in ranking factors plus the ones the team adds in its teams file (1-5 ratings)."""
    extra = tuple(ranking.Factor(f.name, f.shown, f.default_weight, inverse=not f.higher_is_better)
                  for f in (team.factors if team else []))
    return ranking.DEFAULT_FACTORS + extra


@dataclass(frozen=True)
class WeightsInfo:
    """A team's weights (shares summing to 1, in factor order) and where they come from."""

    team: str | None
    shares: dict[str, float]
    source: str  # "locked", "average" or "default"
    members: int  # how many members gave weights
    locked_by: str | None = None
    own: dict[str, Any] | None = None  # the asking person's own points, when known
    member_ids: tuple[str, ...] = ()  # whose weights the average is (source "average")
    factors: tuple[ranking.Factor, ...] = ranking.DEFAULT_FACTORS

    def percents(self) -> list[tuple[str, int]]:
        return _percents(self.shares)

    def own_percents(self) -> list[tuple[str, int]] | None:
        """The asking person's points as the shares of 100% they count with (left-out factors at 0)."""
        if not self.own:
            return None
        return _percents({key: float(share) for key, share in ranking.member_shares(self.own, factors=self.factors).items()})


def _percents(shares: Mapping[str, float]) -> list[tuple[str, int]]:
    """Whole percents, rounded half-up like every figure Rebound shows (12.5% -> 13%)."""
    return [(SHORT_LABELS.get(key, key.replace("_", " ")), int(round_to(Decimal(repr(share)) * 100, 0)))
            for key, share in shares.items()]


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    updated: int
    errors: list[RowError]
    ignored_columns: tuple[str, ...]
    currencies: tuple[str, ...]


@dataclass
class PlanView:
    """Everything the plan message, the App Home and `rebound recover plan` show for one rep."""

    user_id: str
    today: date
    plan: rs.PlanRecord | None
    currency: str | None
    progress: Progress | None
    ranking: ranking.Ranking | None
    weights: WeightsInfo
    concentration: BookConcentration | None
    threshold: float
    at_plan: dict[str, Any] | None = None  # the plan's own arithmetic (coverage.RecoveryPlan), as its summary showed it
    won: list[rs.Opportunity] = field(default_factory=list)
    lost: list[rs.Opportunity] = field(default_factory=list)
    other_currency: list[rs.Opportunity] = field(default_factory=list)
    by_id: dict[int, rs.Opportunity] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)  # the team's factors rated per opportunity

    @property
    def has_anything(self) -> bool:
        return self.plan is not None or bool(self.by_id)


class Recovery:
    def __init__(self, store: Store, teams: Teams):
        self.store = store
        self.teams = teams

    # -- teams, weights, thresholds ---------------------------------------------------------

    def team_of(self, user_id: str) -> Team | None:
        return self.teams.team_of(user_id)

    def factors(self, team_id: str | None) -> tuple[ranking.Factor, ...]:
        return team_factors(self.teams.get(team_id) if team_id else None)

    def weights(self, team_id: str | None, user_id: str | None = None) -> WeightsInfo:
        if team_id is None:
            return WeightsInfo(None, ranking.team_weights({}), "default", 0)
        factors = self.factors(team_id)
        known = {factor.key for factor in factors}
        settings = rs.team_settings(self.store, team_id)
        # weights given for a factor the team has since removed from its teams file no longer count
        members = {user: {k: v for k, v in points.items() if k in known}
                   for user, points in rs.member_weights(self.store, team_id).items()}
        members = {user: points for user, points in members.items() if any(points.values())}
        own = members.get(user_id) if user_id else None
        if settings.locked_weights is not None:
            locked = {k: v for k, v in settings.locked_weights.items() if k in known}
            return WeightsInfo(team_id, ranking.team_weights(members, locked=locked, factors=factors), "locked",
                               len(members), settings.locked_by, own, factors=factors)
        return WeightsInfo(team_id, ranking.team_weights(members, factors=factors), "average" if members else "default",
                           len(members), None, own, tuple(members), factors)

    def set_own_weights(self, user_id: str, weights: Mapping[str, Any]) -> WeightsInfo:
        team = self._team_or_refuse(user_id)
        # refuses unknown factors and bad points before storing
        ranking.team_weights({user_id: weights}, factors=team_factors(team))
        rs.set_member_weights(self.store, team.id, user_id, weights)
        return self.weights(team.id, user_id)

    def clear_own_weights(self, user_id: str) -> WeightsInfo:
        team = self._team_or_refuse(user_id)
        rs.clear_member_weights(self.store, team.id, user_id)
        return self.weights(team.id, user_id)

    def managed_teams(self, user_id: str) -> list[Team]:
        teams = self.teams.managed_by(user_id)
        if not teams:
            raise ActionRefused("not_manager", "Only a team's manager can do that.")
        return teams

    def lock_weights(self, user_id: str, weights: Mapping[str, Any] | None = None) -> list[WeightsInfo]:
        """Lock each team the person manages: to the given points, or to the members' average today."""
        locked = []
        for team in self.managed_teams(user_id):
            shares = (ranking.team_weights({}, locked=weights, factors=team_factors(team)) if weights
                      else self.weights(team.id).shares)
            rs.lock_weights(self.store, team.id, shares, user_id)
            locked.append(self.weights(team.id, user_id))
        return locked

    def unlock_weights(self, user_id: str) -> list[WeightsInfo]:
        unlocked = []
        for team in self.managed_teams(user_id):
            rs.unlock_weights(self.store, team.id, user_id)
            unlocked.append(self.weights(team.id, user_id))
        return unlocked

    def threshold(self, team_id: str | None) -> float:
        if team_id is None:
            return DEFAULT_THRESHOLD
        value = rs.team_settings(self.store, team_id).concentration_threshold
        return DEFAULT_THRESHOLD if value is None else value

    def set_threshold(self, user_id: str, share: float) -> list[Team]:
        teams = self.managed_teams(user_id)
        for team in teams:
            rs.set_threshold(self.store, team.id, share, user_id)
        return teams

    def _team_or_refuse(self, user_id: str) -> Team:
        team = self.team_of(user_id)
        if team is None:
            raise ActionRefused("no_team", "You're not on a team in Rebound's teams file yet; ask your manager to add you.")
        return team

    # -- plans and opportunities ------------------------------------------------------------

    def record_plan(self, run: Run, playbook, ctx: Mapping[str, Any], deliver: bool, result) -> None:
        """After-submit hook: keep the plan and the opportunities typed in it (terminal and Slack alike)."""
        if run.playbook != "recover":
            return
        plan = ctx.get("plan")
        if plan is None:
            return  # amounts in two currencies: nothing sensible to record
        rs.save_plan(self.store, run_id=run.id, user_id=run.user_id, team=run.team, plan=plan,
                     submitted_at=run.submitted_at or clock.now_iso(), source_run_id=run.meta.get("from_debrief"))
        for item in ctx.get("opportunities") or []:
            if isinstance(item, Mapping) and item.get("name") and item.get("amount"):
                rs.upsert_opportunity(self.store, user_id=run.user_id, team=run.team, source="typed", opportunity={
                    key: item.get(key) for key in ("name", "amount", "probability", "close_date", "strategic_fit",
                                                   "relationship", "effort", "factors")})

    def latest_unplanned_debrief(self, user_id: str) -> Run | None:
        """The person's latest submitted debrief with an amount, unless a plan already came from it."""
        debriefs = run_store.list_runs(self.store, playbook="debrief", user_id=user_id, status="submitted", limit=10)
        debriefs = [run for run in debriefs if isinstance(run.answers.get("amount"), Mapping)]
        if not debriefs:
            return None
        latest = max(debriefs, key=lambda run: run.submitted_at or "")
        if any(plan.source_run_id == latest.id for plan in rs.plans(self.store, user_id=user_id)):
            return None
        return latest

    def debrief_answers(self, debrief: Run) -> dict[str, Any]:
        """The /recover answers a debrief gives: its amount and, for a lost renewal, what was kept."""
        answers: dict[str, Any] = {"lost_amount": debrief.answers["amount"]}
        retained = debrief.answers.get("retained_amount")
        if debrief.answers.get("lost_renewal") and isinstance(retained, Mapping):
            answers["retained_amount"] = retained
        return answers

    def import_csv(self, user_id: str, text: str, *, default_currency: str | None = None) -> ImportOutcome:
        """Import a CRM export for a person: good rows are added or updated, each bad row reported."""
        team = self.team_of(user_id)
        currency = default_currency or (team.currency if team else None)
        columns = {f.column: f.name for f in (team.factors if team else []) if f.source == "column" and f.column}
        result = parse_opportunities_csv(text, default_currency=currency, factor_columns=columns)
        added = updated = 0
        with self.store.transaction():
            for row in result.rows:
                _, created = rs.upsert_opportunity(self.store, user_id=user_id, team=team.id if team else None,
                                                   source="csv", opportunity=row)
                added += created
                updated += not created
        return ImportOutcome(added, updated, result.errors, result.ignored_columns, result.currencies)

    def own_opportunity(self, user_id: str, opportunity_id: int) -> rs.Opportunity:
        """The opportunity, if it is this person's: NotFound, or Forbidden for someone else's."""
        opportunity = rs.get_opportunity(self.store, opportunity_id)
        if opportunity is None:
            raise NotFound("opportunity", str(opportunity_id))
        if opportunity.user_id != user_id:
            raise Forbidden(user_id, f"opportunity {opportunity_id}")
        return opportunity

    def set_status(self, user_id: str, opportunity_id: int, status: str) -> tuple[rs.Opportunity, bool]:
        """Record progress on one of the person's opportunities; (opportunity, changed)."""
        if status not in STATUSES:
            raise ActionRefused("bad_status", f"unknown status {status!r}")
        self.own_opportunity(user_id, opportunity_id)
        changed = rs.set_status(self.store, opportunity_id, status)
        return rs.get_opportunity(self.store, opportunity_id), changed

    # -- the view ----------------------------------------------------------------------------

    def today_for(self, user_id: str) -> date:
        team = self.team_of(user_id)
        return clock.today_in(team.timezone if team else None)

    def view(self, user_id: str, *, today: date | None = None, top_n: int = TOP_N) -> PlanView:
        team = self.team_of(user_id)
        today = today or self.today_for(user_id)
        plan = rs.latest_plan(self.store, user_id)
        everything = rs.opportunities(self.store, user_id=user_id)
        currency = plan.currency if plan else (team.currency if team else None)
        if plan is None and everything:
            currency = everything[0].amount["currency"] if currency is None else currency
        weights = self.weights(team.id if team else None, user_id)
        threshold = self.threshold(team.id if team else None)
        progress = None
        if plan is not None:
            user_plans = [p.as_plan() for p in rs.plans(self.store, user_id=user_id)]
            progress = next((p for p in ledger(user_plans, [o.as_dict() for o in everything] + self._won_units(user_id))
                             if p.currency == currency), None)
        open_here = [o for o in everything if o.status in STILL_OPEN and o.amount["currency"] == currency]
        view = PlanView(
            user_id=user_id, today=today, plan=plan, currency=currency, progress=progress, ranking=None,
            weights=weights, concentration=None, threshold=threshold,
            won=[o for o in everything if o.status == WON], lost=[o for o in everything if o.status == "lost"],
            other_currency=[o for o in everything if o.status in STILL_OPEN and o.amount["currency"] != currency],
            by_id={o.id: o for o in everything}, asked=asked_factors(team),
        )
        target = progress.pipeline_target if progress is not None else None
        ranked = [o.as_dict() for o in open_here] + self._open_units(user_id, currency)
        if ranked:
            view.ranking = ranking.rank(ranked, weights.shares, target=target, top_n=min(top_n, len(ranked)),
                                        today=today, factors=weights.factors)
        view.at_plan = self._at_plan(plan)
        lost_contract = self._lost_contract(plan)
        contracts = [o.as_dict() for o in open_here]
        if contracts or lost_contract:
            try:
                view.concentration = book_concentration(contracts, user_id, lost=lost_contract, threshold=threshold)
            except DomainError:
                view.concentration = None  # the lost deal in another currency: nothing comparable
        return view

    def _won_units(self, user_id: str) -> list[dict[str, Any]]:
        """Won units of the person's account maps, as the ledger reads won opportunities: a
        departmental contract won back counts against the loss like any other win."""
        return [{"amount": unit.value, "status": WON, "won_at": unit.won_at}
                for unit in account_store.units(self.store, user_id=user_id) if unit.status == WON and unit.value]

    def _open_units(self, user_id: str, currency: str | None) -> list[dict[str, Any]]:
        """Open units of the person's account maps with a value, ranked with the other
        opportunities (id ``u<id>``, named after the lost account)."""
        rows, accounts = [], {}
        for unit in account_store.units(self.store, user_id=user_id):
            if unit.value is None or unit.value["currency"] != currency:
                continue
            if unit.plan_run_id not in accounts:
                lost = self._lost_contract(rs.get_plan(self.store, unit.plan_run_id))
                accounts[unit.plan_run_id] = account_of(lost) if lost else "Lost account"
            row = as_opportunity(unit.as_dict(), accounts[unit.plan_run_id])
            if row is not None:
                rows.append(row)
        return rows

    def set_unit_status(self, user_id: str, unit_id: int, status: str) -> tuple[account_store.AccountUnit, bool]:
        """The plan message's menu on an account-map unit: won, lost or open again; (unit, changed)."""
        if status not in UNIT_STATUSES:
            raise ActionRefused("bad_status", f"unknown status {status!r} for a department")
        unit = account_store.get_unit(self.store, unit_id)
        if unit is None:
            raise NotFound("account unit", str(unit_id))
        if unit.user_id != user_id:
            raise Forbidden(user_id, f"account unit {unit_id}")
        changed = account_store.set_unit_status(self.store, unit_id, status)
        return account_store.get_unit(self.store, unit_id), changed

    def _at_plan(self, plan: rs.PlanRecord | None) -> dict[str, Any] | None:
        """The plan's arithmetic again, from its run's answers and the exact multiple it used,
        so the action plan quotes the very pipeline shortfall the summary showed."""
        if plan is None:
            return None
        try:
            answers = run_store.get_run(self.store, plan.run_id).answers
        except NotFound:
            return None
        return plan_values(plan.lost, plan.retained, multiple=plan.multiple, quota=answers.get("quota"),
                           current_pipeline=answers.get("current_pipeline"))

    def _lost_contract(self, plan: rs.PlanRecord | None) -> dict[str, Any] | None:
        """The deal the plan's loss came from, as a contract of the rep's book (when a debrief named it)."""
        if plan is None or not plan.source_run_id:
            return None
        try:
            debrief = run_store.get_run(self.store, plan.source_run_id)
        except NotFound:
            return None
        amount, deal = debrief.answers.get("amount"), debrief.answers.get("deal")
        if not isinstance(amount, Mapping) or not deal or amount.get("currency") != plan.currency:
            return None
        return {"name": str(deal), "amount": dict(amount)}

    # -- team summaries --------------------------------------------------------------------------

    def team_progress(self, team: Team, start: date, end: date) -> list[dict[str, Any]]:
        """Each rep's recovery as of ``end`` (exclusive), with what they won in [start, end):
        ``{user_id, progress}`` rows, reps in the order their first plan came in."""
        start_iso, end_iso = clock.utc_start(start, team.timezone), clock.utc_start(end, team.timezone)
        by_user: dict[str, list[rs.PlanRecord]] = {}
        for plan in rs.plans(self.store, team=team.id, before=end_iso):
            by_user.setdefault(plan.user_id, []).append(plan)
        rows = []
        for user_id, plans in by_user.items():
            opportunities = [o.as_dict() for o in rs.opportunities(self.store, user_id=user_id)] + self._won_units(user_id)
            for progress in ledger([p.as_plan() for p in plans], opportunities, window=(start_iso, end_iso),
                                   until=end_iso):
                rows.append({"user_id": user_id, "progress": progress})
        return rows

    def team_totals(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per-currency totals of ``team_progress`` rows (never adding two currencies)."""
        totals: dict[str, dict[str, Money]] = {}
        for row in rows:
            progress: Progress = row["progress"]
            slot = totals.setdefault(progress.currency, {})
            for name in ("lost", "retained", "unrecovered", "recovered", "recovered_in_window", "gap"):
                money = Money.of(getattr(progress, name))
                slot[name] = slot[name] + money if name in slot else money
        return [{"currency": currency, **{name: money.to_dict() for name, money in values.items()}}
                for currency, values in totals.items()]


__all__ = ["Recovery", "PlanView", "WeightsInfo", "ImportOutcome", "TOP_N", "team_factors", "asked_factors"]
