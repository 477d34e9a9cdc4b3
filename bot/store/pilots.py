"""Pilots: one agreement across its versions, its recorded outcomes and the cost of a mistake.

A pilot starts when a /pilot-plan run is submitted; each edit is another submitted run and
becomes the next version. Writes are keyed by natural keys (the run id, the outcome round),
so a retried click or a repeated submit hook changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import clock
from bot.errors import NotFound
from bot.store.db import Store
from bot.values.money import amount_dict, cents_and_currency

OPEN, EXTENDED, CLOSED, CANCELLED = "open", "extended", "closed", "cancelled"
LIVE = (OPEN, EXTENDED)  # still running towards an outcome: reminders and prompts apply
OUTCOMES = ("all_met", "partly_met", "not_met", "inconclusive", "blocked")


@dataclass
class Pilot:
    id: str
    team: str | None
    user_id: str
    account: str
    status: str
    version: int
    current_run_id: str
    start_date: str
    end_date: str
    deal_value: dict[str, Any] | None
    pilot_fee: dict[str, Any] | None
    gap_count: int
    outcome_round: int
    outcome: str | None
    action: str | None
    cost: dict[str, Any] | None
    debrief_run_id: str | None
    meta: dict[str, Any]
    created_at: str
    updated_at: str
    closed_at: str | None

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass
class PilotVersion:
    pilot_id: str
    version: int
    run_id: str
    submitted_at: str
    submitted_by: str
    gaps: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class PilotOutcome:
    pilot_id: str
    round: int
    run_id: str
    outcome: str
    agreed_action: str | None
    action: str | None
    decided_by: str | None
    measurements: list[dict[str, Any]]
    recorded_by: str
    recorded_at: str
    action_at: str | None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(value: str | None) -> Any:
    return json.loads(value) if value else None


# A mistake's five amounts live in integer-cent columns (migration 0007) so SQL can add them;
# the rest of the cost record (hours, people, round) stays JSON in ``cost``.
COST_AMOUNTS = (("effort_cost", "cost_effort_cents"), ("full_value", "cost_full_value_cents"),
                ("recovered_value", "cost_recovered_cents"), ("value_lost", "cost_value_lost_cents"),
                ("net", "cost_net_cents"))


def _cost(row: Mapping[str, Any]) -> dict[str, Any] | None:
    detail = _load(row["cost"])
    if detail is None:
        return None
    currency = row["cost_currency"]
    amounts = {key: amount_dict(row[column], currency) for key, column in COST_AMOUNTS if row[column] is not None}
    return {**detail, **({"currency": currency} if currency else {}), **amounts}


def _cost_columns(cost: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """(JSON detail, [currency, *cents]) for the ``cost`` columns; its amounts share one currency."""
    detail = {key: value for key, value in cost.items() if key != "currency" and key not in dict(COST_AMOUNTS)}
    split = [cents_and_currency(cost.get(key)) for key, _ in COST_AMOUNTS]
    currencies = {code for _, code in split if code} | ({cost["currency"]} if cost.get("currency") else set())
    if len(currencies) > 1:
        raise ValueError(f"a cost's amounts share one currency, got {sorted(currencies)}")
    return _json(detail), [next(iter(currencies), None), *(cents for cents, _ in split)]


def _money_columns(*amounts: Mapping[str, Any] | None) -> list[Any]:
    return [part for amount in amounts for part in cents_and_currency(amount)]


def _pilot(row: Mapping[str, Any]) -> Pilot:
    return Pilot(
        id=row["id"], team=row["team"], user_id=row["user_id"], account=row["account"], status=row["status"],
        version=row["version"], current_run_id=row["current_run_id"], start_date=row["start_date"],
        end_date=row["end_date"], deal_value=amount_dict(row["deal_value_cents"], row["deal_value_currency"]),
        pilot_fee=amount_dict(row["pilot_fee_cents"], row["pilot_fee_currency"]),
        gap_count=row["gap_count"], outcome_round=row["outcome_round"], outcome=row["outcome"], action=row["action"],
        cost=_cost(row), debrief_run_id=row["debrief_run_id"], meta=json.loads(row["meta"] or "{}"),
        created_at=row["created_at"], updated_at=row["updated_at"], closed_at=row["closed_at"],
    )


def _outcome(row: Mapping[str, Any]) -> PilotOutcome:
    return PilotOutcome(
        pilot_id=row["pilot_id"], round=row["round"], run_id=row["run_id"], outcome=row["outcome"],
        agreed_action=row["agreed_action"], action=row["action"], decided_by=row["decided_by"],
        measurements=json.loads(row["measurements"]), recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"], action_at=row["action_at"],
    )


def pilot_id_for(run_id: str) -> str:
    """A pilot's id comes from its first run, so recording it twice is a no-op."""
    return "p" + run_id


@dataclass(frozen=True)
class Facts:
    """What the summaries filter on, from one submitted version of the plan."""

    account: str
    start_date: str
    end_date: str
    deal_value: dict[str, Any] | None
    pilot_fee: dict[str, Any] | None
    gaps: list[str]


def create(store: Store, *, run_id: str, team: str | None, user_id: str, facts: Facts) -> Pilot:
    """A new pilot at version 1 from its first submitted run (again for the same run: unchanged)."""
    pilot_id = pilot_id_for(run_id)
    now = clock.now_iso()
    with store.transaction() as db:
        inserted = db.execute(
            "INSERT OR IGNORE INTO pilots (id, team, user_id, account, status, version, current_run_id, start_date,"
            " end_date, deal_value_cents, deal_value_currency, pilot_fee_cents, pilot_fee_currency, gap_count,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 'open', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pilot_id, team, user_id, facts.account, run_id, facts.start_date, facts.end_date,
             *_money_columns(facts.deal_value, facts.pilot_fee), len(facts.gaps), now, now],
        ).rowcount
        if inserted:
            db.execute(
                "INSERT INTO pilot_versions (pilot_id, version, run_id, submitted_at, submitted_by, gaps)"
                " VALUES (?, 1, ?, ?, ?, ?)",
                [pilot_id, run_id, now, user_id, _json(list(facts.gaps))],
            )
    return get(store, pilot_id)


def add_version(store: Store, pilot_id: str, *, run_id: str, submitted_by: str, facts: Facts,
                changed: Iterable[str] = ()) -> Pilot:
    """The plan as edited in ``run_id`` becomes the pilot's next version (a repeat for the same run: no-op)."""
    now = clock.now_iso()
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM pilot_versions WHERE run_id = ?", [run_id]).fetchone():
            return get(store, pilot_id)
        row = db.execute("SELECT version FROM pilots WHERE id = ?", [pilot_id]).fetchone()
        if row is None:
            raise NotFound("pilot", pilot_id)
        version = row[0] + 1
        db.execute(
            "INSERT INTO pilot_versions (pilot_id, version, run_id, submitted_at, submitted_by, gaps, changed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [pilot_id, version, run_id, now, submitted_by, _json(list(facts.gaps)), _json(list(changed))],
        )
        db.execute(
            "UPDATE pilots SET version = ?, current_run_id = ?, account = ?, start_date = ?, end_date = ?,"
            " deal_value_cents = ?, deal_value_currency = ?, pilot_fee_cents = ?, pilot_fee_currency = ?,"
            " gap_count = ?, updated_at = ? WHERE id = ?",
            [version, run_id, facts.account, facts.start_date, facts.end_date,
             *_money_columns(facts.deal_value, facts.pilot_fee), len(facts.gaps), now, pilot_id],
        )
    return get(store, pilot_id)


def get(store: Store, pilot_id: str) -> Pilot:
    rows = list(store.db.query("SELECT * FROM pilots WHERE id = ?", [pilot_id]))
    if not rows:
        raise NotFound("pilot", pilot_id)
    return _pilot(rows[0])


def for_run(store: Store, run_id: str) -> Pilot | None:
    """The pilot one of whose versions is ``run_id``."""
    row = store.db.execute("SELECT pilot_id FROM pilot_versions WHERE run_id = ?", [run_id]).fetchone()
    return get(store, row[0]) if row else None


def list_pilots(
    store: Store,
    *,
    user_id: str | None = None,
    team: str | None = None,
    statuses: Iterable[str] | None = None,
    active_from: str | None = None,
    active_until: str | None = None,
    ending_from: str | None = None,
    ending_before: str | None = None,
) -> list[Pilot]:
    """Pilots, soonest end first. ``active_from``/``active_until`` (ISO dates, the second exclusive)
    keep pilots whose dates overlap that span; ``ending_*`` keep those whose end date falls in it."""
    where, params = [], []
    for column, value in (("user_id", user_id), ("team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if statuses is not None:
        statuses = list(statuses)
        where.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    if active_from is not None:
        where.append("end_date >= ?")
        params.append(active_from)
    if active_until is not None:
        where.append("start_date < ?")
        params.append(active_until)
    if ending_from is not None:
        where.append("end_date >= ?")
        params.append(ending_from)
    if ending_before is not None:
        where.append("end_date < ?")
        params.append(ending_before)
    sql = "SELECT * FROM pilots" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY end_date, id"
    return [_pilot(row) for row in store.db.query(sql, params)]


def versions(store: Store, pilot_id: str) -> list[PilotVersion]:
    return [
        PilotVersion(row["pilot_id"], row["version"], row["run_id"], row["submitted_at"], row["submitted_by"],
                     json.loads(row["gaps"]), json.loads(row["changed"]))
        for row in store.db.query("SELECT * FROM pilot_versions WHERE pilot_id = ? ORDER BY version", [pilot_id])
    ]


def outcomes(store: Store, pilot_id: str) -> list[PilotOutcome]:
    return [_outcome(row) for row in
            store.db.query("SELECT * FROM pilot_outcomes WHERE pilot_id = ? ORDER BY round", [pilot_id])]


def outcomes_recorded(store: Store, since: str, until: str, team: str | None = None) -> list[tuple[Pilot, PilotOutcome]]:
    """Outcomes recorded from ``since`` until before ``until`` (UTC ISO timestamps), oldest first."""
    sql = ("SELECT o.* FROM pilot_outcomes o JOIN pilots p ON p.id = o.pilot_id"
           " WHERE o.recorded_at >= ? AND o.recorded_at < ?")
    params: list[Any] = [since, until]
    if team is not None:
        sql += " AND p.team = ?"
        params.append(team)
    found = [_outcome(row) for row in store.db.query(sql + " ORDER BY o.recorded_at, o.id", params)]
    return [(get(store, outcome.pilot_id), outcome) for outcome in found]


def record_outcome(store: Store, pilot_id: str, *, round: int, run_id: str, outcome: str,
                   agreed_action: str | None, decided_by: str | None, measurements: list[dict[str, Any]],
                   recorded_by: str) -> bool:
    """Record outcome number ``round`` (1 for the first, 2 after an extension ...). False when that
    round was recorded already (a double click, or a stale form)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown pilot outcome {outcome!r}")
    now = clock.now_iso()
    with store.transaction() as db:
        changed = db.execute(
            "UPDATE pilots SET outcome_round = ?, outcome = ?, action = NULL, updated_at = ?"
            " WHERE id = ? AND outcome_round = ? AND status IN ('open', 'extended')",
            [round, outcome, now, pilot_id, round - 1],
        ).rowcount
        if not changed:
            return False
        db.execute(
            "INSERT INTO pilot_outcomes (pilot_id, round, run_id, outcome, agreed_action, decided_by, measurements,"
            " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pilot_id, round, run_id, outcome, agreed_action, decided_by, _json(measurements), recorded_by, now],
        )
    return True


def decide(store: Store, pilot_id: str, *, round: int, action: str, status: str,
           end_date: str | None = None) -> bool:
    """What happens after outcome ``round`` (buy, extend, re_scope, stop), and the pilot's new status.
    An extension moves the end date. False when that round already has its action."""
    now = clock.now_iso()
    with store.transaction() as db:
        changed = db.execute(
            "UPDATE pilot_outcomes SET action = ?, action_at = ? WHERE pilot_id = ? AND round = ? AND action IS NULL",
            [action, now, pilot_id, round],
        ).rowcount
        if not changed:
            return False
        db.execute(
            "UPDATE pilots SET action = ?, status = ?, end_date = coalesce(?, end_date), updated_at = ?,"
            " closed_at = CASE WHEN ? = 'closed' THEN ? ELSE closed_at END WHERE id = ?",
            [action, status, end_date, now, status, now, pilot_id],
        )
    return True


def cancel(store: Store, pilot_id: str) -> bool:
    """Cancel a live pilot. False when it was closed or cancelled already."""
    now = clock.now_iso()
    with store.transaction() as db:
        return db.execute(
            "UPDATE pilots SET status = 'cancelled', closed_at = ?, updated_at = ? WHERE id = ?"
            " AND status IN ('open', 'extended')",
            [now, now, pilot_id],
        ).rowcount == 1


def record_cost(store: Store, pilot_id: str, cost: Mapping[str, Any]) -> None:
    """The cost of the mistake (``bot.domain.costs.MistakeCost.to_dict()`` plus what was typed). Replaces an earlier one.

    Its amounts go to the ``cost_*_cents`` columns (in ``cost_currency``), the rest to ``cost``."""
    detail, money = _cost_columns(cost)
    columns = ["cost_currency", *(column for _, column in COST_AMOUNTS)]
    with store.transaction() as db:
        db.execute(f"UPDATE pilots SET cost = ?, {', '.join(f'{c} = ?' for c in columns)}, updated_at = ? WHERE id = ?",
                   [detail, *money, clock.now_iso(), pilot_id])


def link_debrief(store: Store, pilot_id: str, run_id: str) -> None:
    with store.transaction() as db:
        db.execute("UPDATE pilots SET debrief_run_id = ?, updated_at = ? WHERE id = ?",
                   [run_id, clock.now_iso(), pilot_id])


def update_meta(store: Store, pilot_id: str, changes: Mapping[str, Any]) -> None:
    """Small bookkeeping (outbox keys of the forms to retire after a click)."""
    with store.transaction() as db:
        row = db.execute("SELECT meta FROM pilots WHERE id = ?", [pilot_id]).fetchone()
        if row is None:
            raise NotFound("pilot", pilot_id)
        meta = json.loads(row[0] or "{}")
        meta.update(changes)
        db.execute("UPDATE pilots SET meta = ? WHERE id = ?", [_json(meta), pilot_id])


def cancel_reminder(store: Store, key: str) -> bool:
    """Cancel one pending reminder by key (a new version's reminder already sent for the previous one)."""
    with store.transaction() as db:
        return db.execute(
            "UPDATE reminders SET status = 'cancelled', done_at = ? WHERE key = ? AND status = 'pending'",
            [clock.now_iso(), key],
        ).rowcount == 1
