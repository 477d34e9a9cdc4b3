"""Recovery plans, the opportunities a rep works, and the team's factor weights (migrations
``0005_recovery``, ``0007_money_cents`` and ``0015_team_factors``). Plain rows in and out; the maths lives in bot/domain.

Every write joins the caller's :meth:`Store.transaction` and is keyed by a natural key
(a plan's run id, an opportunity's user and normalised name, a member's team and id), so a
retried submit, import or click changes nothing twice.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import clock
from bot.store.db import Store
from bot.values.money import amount_dict, cents_and_currency

# Amounts are integer cents in the row's ``currency`` (migration 0007), so SQL can SUM them;
# the records below hand them out as the JSON amount dicts bot/domain reads.
_PLAN_COLUMNS = ("run_id, user_id, team, currency, lost_cents, retained_cents, unrecovered_cents, pipeline_to_add_cents,"
                 " multiple, source_run_id, message_key, submitted_at")
_OPP_COLUMNS = ("id, user_id, team, key, name, account, amount_cents, currency, probability, close_date, stage,"
                " strategic_fit, relationship, effort, source, status, status_at, won_at, created_at, updated_at, factors")
RATINGS = ("strategic_fit", "relationship", "effort")


@dataclass(frozen=True)
class PlanRecord:
    run_id: str
    user_id: str
    team: str | None
    currency: str
    lost: dict[str, Any]
    retained: dict[str, Any]
    unrecovered: dict[str, Any]
    pipeline_to_add: dict[str, Any]
    multiple: float
    source_run_id: str | None
    message_key: str | None
    submitted_at: str

    def as_plan(self) -> dict[str, Any]:
        """The shape ``domain.recovery.ledger`` reads."""
        return {"lost": self.lost, "retained": self.retained, "unrecovered": self.unrecovered,
                "multiple": self.multiple, "submitted_at": self.submitted_at}


@dataclass(frozen=True)
class Opportunity:
    id: int
    user_id: str
    team: str | None
    key: str
    name: str
    account: str | None
    amount: dict[str, Any]
    probability: float | None
    close_date: str | None
    stage: str | None
    strategic_fit: float | None
    relationship: float | None
    effort: float | None
    source: str
    status: str
    status_at: str | None
    won_at: str | None
    created_at: str
    updated_at: str
    factors: dict[str, Any] = field(default_factory=dict)  # ratings of the team's own factors

    def as_dict(self) -> dict[str, Any]:
        """The shape ``domain.ranking`` and ``domain.recovery`` read (ratings as plain numbers;
        a team's own factors beside the built-in ones, as the ranking reads every factor)."""
        data = {key: _plain(value) for key, value in self.factors.items()}
        data |= {name: getattr(self, name) for name in (
            "id", "name", "account", "amount", "probability", "close_date", "stage", "status", "won_at", "source")}
        for name in RATINGS:
            data[name] = _plain(getattr(self, name))
        data["probability"] = _plain(self.probability)
        return data


def _plain(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _cents_in(amount: Mapping[str, Any], currency: str) -> int:
    """An amount's cents, refusing one in another currency than the row's: a row has one currency column."""
    cents, code = cents_and_currency(amount)
    if cents is None or code != currency:
        raise ValueError(f"expected an amount in {currency}, got {amount!r}")
    return cents


def opportunity_key(name: str, account: str | None = None) -> str:
    """The natural key: account and name, case, accents, punctuation and spacing ignored."""
    text = f"{account or ''}|{name}"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9|]+", " ", text).strip()


# -- plans ----------------------------------------------------------------------------------


def _plan(row: tuple) -> PlanRecord:
    (run_id, user_id, team, currency, lost, retained, unrecovered, to_add, multiple, source, message_key,
     submitted_at) = row
    return PlanRecord(run_id, user_id, team, currency, amount_dict(lost, currency), amount_dict(retained, currency),
                      amount_dict(unrecovered, currency), amount_dict(to_add, currency), multiple, source, message_key,
                      submitted_at)


def save_plan(store: Store, *, run_id: str, user_id: str, team: str | None, plan: Mapping[str, Any],
              submitted_at: str, source_run_id: str | None = None) -> bool:
    """Record a submitted plan (``plan`` is ``coverage.RecoveryPlan.to_dict()``). False if already recorded."""
    with store.transaction() as db:
        cursor = db.execute(
            f"INSERT OR IGNORE INTO recovery_plans ({_PLAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [run_id, user_id, team, plan["currency"],
             *(_cents_in(plan[name], plan["currency"]) for name in ("lost", "retained", "unrecovered", "pipeline_to_add")),
             _exact_multiple(plan), source_run_id, submitted_at],
        )
        return cursor.rowcount == 1


def _exact_multiple(plan: Mapping[str, Any]) -> float:
    """The multiple the plan's amounts used, not its 2-place display: 100 / 30 stored as
    3.3333333333333335 (a REAL keeps 16 digits, so multiplying a gap up to a trillion by it
    is off by far less than a cent, where 3.33 is off by USD 11,000 on USD 3.3M)."""
    return float(plan.get("exact_multiple") or plan["multiple"])


def set_plan_message(store: Store, run_id: str, message_key: str) -> None:
    """Remember the outbox key of the plan's message, so progress clicks can update it in place."""
    with store.transaction() as db:
        db.execute("UPDATE recovery_plans SET message_key = ? WHERE run_id = ?", [message_key, run_id])


def get_plan(store: Store, run_id: str) -> PlanRecord | None:
    row = store.db.execute(f"SELECT {_PLAN_COLUMNS} FROM recovery_plans WHERE run_id = ?", [run_id]).fetchone()
    return _plan(row) if row else None


def plans(store: Store, *, user_id: str | None = None, team: str | None = None,
          before: str | None = None) -> list[PlanRecord]:
    """Plans, oldest first, optionally for one person or team and submitted before ``before``."""
    where, params = [], []
    for column, value in (("user_id", user_id), ("team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if before is not None:
        where.append("submitted_at < ?")
        params.append(before)
    sql = f"SELECT {_PLAN_COLUMNS} FROM recovery_plans" + (" WHERE " + " AND ".join(where) if where else "")
    return [_plan(row) for row in store.db.execute(sql + " ORDER BY submitted_at, run_id", params).fetchall()]


def latest_plan(store: Store, user_id: str) -> PlanRecord | None:
    row = store.db.execute(
        f"SELECT {_PLAN_COLUMNS} FROM recovery_plans WHERE user_id = ? ORDER BY submitted_at DESC, rowid DESC LIMIT 1",
        [user_id],
    ).fetchone()
    return _plan(row) if row else None


# -- opportunities --------------------------------------------------------------------------


def _opportunity(row: tuple) -> Opportunity:
    values = list(row)
    values[6:8] = [amount_dict(values[6], values[7])]
    values[-1] = json.loads(values[-1]) if values[-1] else {}
    return Opportunity(*values)


def upsert_opportunity(store: Store, *, user_id: str, team: str | None, opportunity: Mapping[str, Any],
                       source: str) -> tuple[int, bool]:
    """Add an opportunity or update the one with the same account and name; returns (id, created).

    Progress already recorded (won, lost, moved) is kept: a re-import of an old CRM export
    must not reopen a deal the rep marked won.
    """
    name = str(opportunity["name"]).strip()
    account = (opportunity.get("account") or None)
    key = opportunity_key(name, account)
    amount = opportunity["amount"]
    values = [name, account, _cents_in(amount, amount["currency"]), amount["currency"], opportunity.get("probability"),
              opportunity.get("close_date"), opportunity.get("stage"),
              *(opportunity.get(rating) for rating in RATINGS), source, _factors_json(opportunity.get("factors"))]
    now = clock.now_iso()
    with store.transaction() as db:
        row = db.execute("SELECT id, factors FROM recovery_opportunities WHERE user_id = ? AND key = ?",
                         [user_id, key]).fetchone()
        if row is not None:
            # ratings already given (a factor asked per opportunity, rated in the plan) outlive a
            # re-import or a new /recover that doesn't give them; what is given now wins
            kept = json.loads(row[1]) if row[1] else {}
            values[-1] = _factors_json({**kept, **(opportunity.get("factors") or {})})
            db.execute(
                "UPDATE recovery_opportunities SET name = ?, account = ?, amount_cents = ?, currency = ?, probability = ?,"
                " close_date = ?, stage = ?, strategic_fit = ?, relationship = ?, effort = ?, source = ?, factors = ?, team = ?,"
                " updated_at = ? WHERE id = ?",
                [*values, team, now, row[0]],
            )
            return row[0], False
        cursor = db.execute(
            "INSERT INTO recovery_opportunities (name, account, amount_cents, currency, probability, close_date, stage,"
            " strategic_fit, relationship, effort, source, factors, user_id, team, key, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            [*values, user_id, team, key, now, now],
        )
        return cursor.lastrowid, True


def _factors_json(factors: Any) -> str | None:
    if not isinstance(factors, Mapping) or not factors:
        return None
    return json.dumps(dict(factors), sort_keys=True)


def rate_factors(store: Store, opportunity_id: int, ratings: Mapping[str, Any]) -> bool:
    """Set (or, with None, forget) ratings of a team's own factors on one opportunity, keeping
    the others. False when nothing changed (a double submit)."""
    with store.transaction() as db:
        row = db.execute("SELECT factors FROM recovery_opportunities WHERE id = ?", [opportunity_id]).fetchone()
        if row is None:
            return False
        before = json.loads(row[0]) if row[0] else {}
        after = {key: value for key, value in {**before, **ratings}.items() if value is not None}
        if after == before:
            return False
        db.execute("UPDATE recovery_opportunities SET factors = ?, updated_at = ? WHERE id = ?",
                   [_factors_json(after), clock.now_iso(), opportunity_id])
        return True


def get_opportunity(store: Store, opportunity_id: int) -> Opportunity | None:
    row = store.db.execute(f"SELECT {_OPP_COLUMNS} FROM recovery_opportunities WHERE id = ?",
                           [opportunity_id]).fetchone()
    return _opportunity(row) if row else None


def opportunities(store: Store, *, user_id: str | None = None, team: str | None = None,
                  statuses: tuple[str, ...] | None = None) -> list[Opportunity]:
    """Opportunities in the order they were added, optionally narrowed."""
    where, params = [], []
    for column, value in (("user_id", user_id), ("team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if statuses is not None:
        where.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    sql = f"SELECT {_OPP_COLUMNS} FROM recovery_opportunities" + (" WHERE " + " AND ".join(where) if where else "")
    return [_opportunity(row) for row in store.db.execute(sql + " ORDER BY id", params).fetchall()]


def set_status(store: Store, opportunity_id: int, status: str) -> bool:
    """Record progress. ``won_at`` is set when it becomes won and cleared when it stops being won.
    False when the status was already that (a double click)."""
    now = clock.now_iso()
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE recovery_opportunities SET status = ?, status_at = ?, updated_at = ?,"
            " won_at = CASE WHEN ? = 'won' THEN ? ELSE NULL END WHERE id = ? AND status != ?",
            [status, now, now, status, now, opportunity_id, status],
        )
        return cursor.rowcount == 1


# -- weights and team settings ----------------------------------------------------------------


def set_member_weights(store: Store, team: str, user_id: str, weights: Mapping[str, Any]) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO recovery_weights (team, user_id, weights, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (team, user_id) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at",
            [team, user_id, json.dumps(dict(weights), sort_keys=True), clock.now_iso()],
        )


def clear_member_weights(store: Store, team: str, user_id: str) -> bool:
    with store.transaction() as db:
        return db.execute("DELETE FROM recovery_weights WHERE team = ? AND user_id = ?", [team, user_id]).rowcount == 1


def member_weights(store: Store, team: str) -> dict[str, dict[str, Any]]:
    rows = store.db.execute("SELECT user_id, weights FROM recovery_weights WHERE team = ? ORDER BY user_id",
                            [team]).fetchall()
    return {user_id: json.loads(weights) for user_id, weights in rows}


@dataclass(frozen=True)
class TeamSettings:
    team: str
    locked_weights: dict[str, Any] | None
    locked_by: str | None
    locked_at: str | None
    concentration_threshold: float | None


def team_settings(store: Store, team: str) -> TeamSettings:
    row = store.db.execute(
        "SELECT locked_weights, locked_by, locked_at, concentration_threshold FROM recovery_team_settings WHERE team = ?",
        [team],
    ).fetchone()
    if row is None:
        return TeamSettings(team, None, None, None, None)
    locked, by, at, threshold = row
    return TeamSettings(team, json.loads(locked) if locked else None, by, at, threshold)


def _upsert_settings(store: Store, team: str, by: str, changes: Mapping[str, Any]) -> None:
    now = clock.now_iso()
    columns = list(changes)
    with store.transaction() as db:
        db.execute("INSERT OR IGNORE INTO recovery_team_settings (team, updated_by, updated_at) VALUES (?, ?, ?)",
                   [team, by, now])
        assignments = ", ".join(f"{column} = ?" for column in columns)
        db.execute(f"UPDATE recovery_team_settings SET {assignments}, updated_by = ?, updated_at = ? WHERE team = ?",
                   [*(changes[c] for c in columns), by, now, team])


def lock_weights(store: Store, team: str, weights: Mapping[str, Any], by: str) -> None:
    _upsert_settings(store, team, by, {"locked_weights": json.dumps(dict(weights), sort_keys=True), "locked_by": by,
                                       "locked_at": clock.now_iso()})


def unlock_weights(store: Store, team: str, by: str) -> None:
    _upsert_settings(store, team, by, {"locked_weights": None, "locked_by": None, "locked_at": None})


def set_threshold(store: Store, team: str, threshold: float, by: str) -> None:
    _upsert_settings(store, team, by, {"concentration_threshold": float(threshold)})


__all__ = [
    "PlanRecord", "Opportunity", "TeamSettings", "opportunity_key", "save_plan", "set_plan_message", "get_plan", "plans",
    "latest_plan", "upsert_opportunity", "rate_factors", "get_opportunity", "opportunities", "set_status", "set_member_weights",
    "clear_member_weights", "member_weights", "team_settings", "lock_weights", "unlock_weights", "set_threshold",
]
