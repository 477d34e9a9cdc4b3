"""The weekly numbers in SQL: debrief facts, their GROUP BYs, reviews and unfinished debriefs.

A fact is one submitted debrief reduced to typed columns (see migration ``0003_reports``).
Every aggregation here groups by currency as well as by its key: amounts in different
currencies are never added together, the caller shows them side by side.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot import clock
from bot.store.db import Store

FACT_COLUMNS = (
    "run_id", "team", "user_id", "week", "submitted_at", "deal", "account", "amount_cents", "currency",
    "retained_cents", "retained_currency", "unrecovered_cents", "primary_reason", "other_reasons", "competitor",
    "gap", "avoidable", "stage_lost", "close_date", "to_product", "to_enablement", "detail",
    "involved", "team_hours",  # 0016
)
_JSON_COLUMNS = ("other_reasons", "detail", "involved")
_FACT_SELECT = ", ".join(f"f.{c}" for c in FACT_COLUMNS)
_REVIEW_SELECT = "v.reviewed_by, v.reviewed_at, v.one_on_one_by, v.one_on_one_at"
# The coaching action of a debrief's latest review notes (0013): the weekly summary counts
# reviews that agreed one; the text itself stays in the managers' notes.
_LATEST_ACTION = ("(SELECT n.coaching_action FROM debrief_review_notes n WHERE n.run_id = f.run_id"
                  " ORDER BY n.id DESC LIMIT 1)")


def _encode(fact: Mapping[str, Any]) -> list[Any]:
    values = []
    for column in FACT_COLUMNS:
        value = fact.get(column)
        if column in _JSON_COLUMNS:
            if value is None and column == "involved":
                values.append(None)  # not said: neither alone nor with the team
                continue
            value = json.dumps(value if value is not None else ({} if column == "detail" else []), ensure_ascii=False)
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return values


def _decode(row: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
    record = dict(zip(names, row))
    for column in _JSON_COLUMNS:
        if column in record and isinstance(record[column], str):
            record[column] = json.loads(record[column])
    if record.get("avoidable") is not None:
        record["avoidable"] = bool(record["avoidable"])
    for column in ("to_product", "to_enablement"):
        if column in record:
            record[column] = bool(record[column])
    return record


# -- writing ------------------------------------------------------------------------------


def save_fact(store: Store, fact: Mapping[str, Any]) -> None:
    """Insert or replace the fact of one debrief run (keyed by ``run_id``, so a rebuild is a no-op)."""
    marks = ", ".join("?" * len(FACT_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in FACT_COLUMNS if c != "run_id")
    with store.transaction() as db:
        db.execute(
            f"INSERT INTO debrief_facts ({', '.join(FACT_COLUMNS)}) VALUES ({marks})"
            f" ON CONFLICT (run_id) DO UPDATE SET {updates}",
            _encode(fact),
        )


def bulk_load(store: Store, runs: Iterable[Mapping[str, Any]], facts: Iterable[Mapping[str, Any]],
              reviews: Iterable[Mapping[str, Any]] = ()) -> None:
    """Load many runs, their facts and reviews in one transaction (benchmarks, imports).

    ``runs`` need id, playbook, user_id, team, status, started_at, submitted_at;
    ``reviews`` run_id, team, reviewed_by, reviewed_at (and optionally the one_on_one pair).
    """
    with store.transaction() as db:
        db.conn.executemany(
            "INSERT INTO runs (id, playbook, playbook_version, user_id, team, status, cursor, skipped, source, meta,"
            " started_at, updated_at, submitted_at) VALUES (?, ?, 1, ?, ?, ?, NULL, '[]', 'import', '{}', ?, ?, ?)",
            ([r["id"], r["playbook"], r["user_id"], r["team"], r["status"], r["started_at"],
              r.get("submitted_at") or r["started_at"], r.get("submitted_at")] for r in runs),
        )
        marks = ", ".join("?" * len(FACT_COLUMNS))
        db.conn.executemany(f"INSERT INTO debrief_facts ({', '.join(FACT_COLUMNS)}) VALUES ({marks})",
                            (_encode(fact) for fact in facts))
        db.conn.executemany(
            "INSERT INTO debrief_reviews (run_id, team, reviewed_by, reviewed_at, one_on_one_by, one_on_one_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ([r["run_id"], r.get("team"), r.get("reviewed_by"), r.get("reviewed_at"), r.get("one_on_one_by"),
              r.get("one_on_one_at")] for r in reviews),
        )


def runs_missing_facts(store: Store, playbook: str = "debrief", since: str | None = None) -> list[str]:
    """Submitted runs of ``playbook`` that have no fact yet (submitted before 0003, or imported);
    with ``since`` (UTC ISO), only those submitted from then on, which the index keeps cheap."""
    window = " AND r.submitted_at >= ?" if since is not None else ""
    rows = store.db.execute(
        "SELECT r.id FROM runs r LEFT JOIN debrief_facts f ON f.run_id = r.id"
        f" WHERE r.playbook = ? AND r.status = 'submitted'{window} AND f.run_id IS NULL"
        " ORDER BY r.submitted_at, r.id",
        [playbook, *([since] if since is not None else [])],
    ).fetchall()
    return [row[0] for row in rows]


def record_review(store: Store, run_id: str, team: str | None, kind: str, by: str) -> bool:
    """Record that ``by`` marked the debrief reviewed (``kind='reviewed'``) or planned a 1:1
    review (``'one_on_one'``). True the first time; a second click changes nothing."""
    column = {"reviewed": "reviewed", "one_on_one": "one_on_one"}[kind]
    now = clock.now_iso()
    with store.transaction() as db:
        db.execute("INSERT OR IGNORE INTO debrief_reviews (run_id, team) VALUES (?, ?)", [run_id, team])
        cursor = db.execute(
            f"UPDATE debrief_reviews SET {column}_by = ?, {column}_at = ? WHERE run_id = ? AND {column}_by IS NULL",
            [by, now, run_id],
        )
        return cursor.rowcount == 1


def review_of(store: Store, run_id: str) -> dict[str, Any] | None:
    row = store.db.execute(
        "SELECT reviewed_by, reviewed_at, one_on_one_by, one_on_one_at FROM debrief_reviews WHERE run_id = ?", [run_id]
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("reviewed_by", "reviewed_at", "one_on_one_by", "one_on_one_at"), row))


def add_review_notes(store: Store, run_id: str, team: str | None, *, coaching_action: str | None,
                     loss_reason: str | None, one_on_one_held: bool | None, by: str) -> None:
    """Store a manager's review notes on a debrief; the latest notes are the ones shown."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO debrief_review_notes (run_id, team, coaching_action, loss_reason, one_on_one_held, written_by,"
            " written_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, team, coaching_action, loss_reason, None if one_on_one_held is None else int(one_on_one_held),
             by, clock.now_iso()],
        )


def review_notes_of(store: Store, run_id: str) -> dict[str, Any] | None:
    """The latest review notes on a debrief, or None."""
    row = store.db.execute(
        "SELECT coaching_action, loss_reason, one_on_one_held, written_by, written_at FROM debrief_review_notes"
        " WHERE run_id = ? ORDER BY id DESC LIMIT 1", [run_id]).fetchone()
    if row is None:
        return None
    notes = dict(zip(("coaching_action", "loss_reason", "one_on_one_held", "written_by", "written_at"), row))
    notes["one_on_one_held"] = None if notes["one_on_one_held"] is None else bool(notes["one_on_one_held"])
    return notes


# -- reading: one team's week ------------------------------------------------------------------


def _where(team: str | None) -> tuple[str, list[Any]]:
    # team None means every team (the roll-up and the digests).
    return ("f.team = ? AND ", [team]) if team is not None else ("", [])


def deals(store: Store, team: str | None, week: str) -> list[dict[str, Any]]:
    """Every debriefed loss of ``week`` (of one team, or all with ``team=None``), with its review state."""
    where, params = _where(team)
    names = [*FACT_COLUMNS, "reviewed_by", "reviewed_at", "one_on_one_by", "one_on_one_at", "coaching_action"]
    rows = store.db.execute(
        f"SELECT {_FACT_SELECT}, {_REVIEW_SELECT}, {_LATEST_ACTION} FROM debrief_facts f"
        f" LEFT JOIN debrief_reviews v ON v.run_id = f.run_id"
        f" WHERE {where}f.week = ? ORDER BY f.submitted_at, f.run_id",
        [*params, week],
    ).fetchall()
    return [_decode(row, names) for row in rows]


def losses_between(store: Store, team: str | None, first: str, after: str) -> list[dict[str, Any]]:
    """Debriefed losses dated ``first`` <= day < ``after`` (ISO dates): by the close date the
    seller gave, else by the day the debrief was submitted (UTC)."""
    where, params = _where(team)
    rows = store.db.execute(
        f"SELECT {_FACT_SELECT} FROM debrief_facts f"
        f" WHERE {where}coalesce(f.close_date, substr(f.submitted_at, 1, 10)) >= ?"
        f" AND coalesce(f.close_date, substr(f.submitted_at, 1, 10)) < ? ORDER BY f.submitted_at, f.run_id",
        [*params, first, after],
    ).fetchall()
    return [_decode(row, FACT_COLUMNS) for row in rows]


def totals_by_week(store: Store, team: str | None, weeks: Sequence[str]) -> list[dict[str, Any]]:
    """(week, currency, deals, amount_cents, unrecovered_cents, retained_cents, avoidable) for the trend."""
    if not weeks:
        return []
    where, params = _where(team)
    marks = ", ".join("?" * len(weeks))
    rows = store.db.execute(
        f"SELECT f.week, f.currency, COUNT(*), COALESCE(SUM(f.amount_cents), 0), SUM(f.unrecovered_cents),"
        f" COALESCE(SUM(f.avoidable), 0) FROM debrief_facts f"
        f" WHERE {where}f.week IN ({marks}) GROUP BY f.week, f.currency ORDER BY f.week, f.currency",
        [*params, *weeks],
    ).fetchall()
    return [dict(zip(("week", "currency", "deals", "amount_cents", "unrecovered_cents", "avoidable"), row))
            for row in rows]


def retained_by_currency(store: Store, team: str | None, week: str) -> list[dict[str, Any]]:
    """What lost renewals kept this week, per currency of the retained amount."""
    where, params = _where(team)
    rows = store.db.execute(
        f"SELECT f.retained_currency, COUNT(*), SUM(f.retained_cents) FROM debrief_facts f"
        f" WHERE {where}f.week = ? AND f.retained_cents IS NOT NULL AND f.retained_cents > 0"
        f" GROUP BY f.retained_currency ORDER BY f.retained_currency",
        [*params, week],
    ).fetchall()
    return [dict(zip(("currency", "deals", "amount_cents"), row)) for row in rows]


def _grouped(store: Store, team: str | None, week: str, key_sql: str, extra_where: str = "",
             label_sql: str | None = None) -> list[dict[str, Any]]:
    where, params = _where(team)
    label = label_sql or key_sql
    rows = store.db.execute(
        f"SELECT {key_sql} AS k, MIN({label}), f.currency, COUNT(*), COALESCE(SUM(f.amount_cents), 0),"
        f" COALESCE(SUM(f.avoidable), 0) FROM debrief_facts f"
        f" WHERE {where}f.week = ?{extra_where} GROUP BY k, f.currency ORDER BY k, f.currency",
        [*params, week],
    ).fetchall()
    return [dict(zip(("key", "label", "currency", "deals", "amount_cents", "avoidable"), row)) for row in rows]


def by_reason(store: Store, team: str | None, week: str) -> list[dict[str, Any]]:
    """Losses per primary reason and currency (``unknown`` is a reason like any other)."""
    return _grouped(store, team, week, "f.primary_reason")


def by_competitor(store: Store, team: str | None, week: str) -> list[dict[str, Any]]:
    """Losses per competitor named (spelling and case folded together), and currency."""
    return _grouped(store, team, week, "lower(trim(f.competitor))", " AND f.competitor IS NOT NULL"
                    " AND trim(f.competitor) != ''", label_sql="trim(f.competitor)")


def by_seller(store: Store, team: str | None, week: str) -> list[dict[str, Any]]:
    """Losses per seller and currency."""
    return _grouped(store, team, week, "f.user_id")


def by_team(store: Store, week: str) -> list[dict[str, Any]]:
    """Losses per team and currency (the head of sales' roll-up)."""
    return _grouped(store, None, week, "f.team")


def plain_week_aggregate(store: Store, team: str, week: str) -> list[tuple[str, int, int]]:
    """The simplest useful query over a team's week: (currency, deals, cents). The benchmark's baseline."""
    return store.db.execute(
        "SELECT currency, COUNT(*), SUM(amount_cents) FROM debrief_facts WHERE team = ? AND week = ?"
        " GROUP BY currency",
        [team, week],
    ).fetchall()


def unfinished(store: Store, team: str | None, before: str, playbook: str = "debrief") -> list[dict[str, Any]]:
    """Debriefs started before ``before`` (UTC ISO) and still neither submitted nor cancelled."""
    where = "r.team = ? AND " if team is not None else ""
    params = [team] if team is not None else []
    rows = store.db.execute(
        f"SELECT r.id, r.user_id, r.team, r.started_at, r.updated_at, a.value FROM runs r"
        f" LEFT JOIN answers a ON a.run_id = r.id AND a.step_id = 'deal'"
        f" WHERE {where}r.playbook = ? AND r.status = 'active' AND r.started_at < ? ORDER BY r.started_at, r.id",
        [*params, playbook, before],
    ).fetchall()
    return [
        {"run_id": run_id, "user_id": user_id, "team": team_id, "started_at": started, "updated_at": updated,
         "deal": json.loads(deal) if deal else None}
        for run_id, user_id, team_id, started, updated, deal in rows
    ]


def awaiting_review(store: Store, team: str, limit: int = 10, playbook: str = "debrief") -> list[dict[str, Any]]:
    """The team's submitted debriefs nobody has marked reviewed yet, oldest first (App Home)."""
    rows = store.db.execute(
        "SELECT r.id, r.user_id, r.submitted_at, a.value FROM runs r"
        " LEFT JOIN answers a ON a.run_id = r.id AND a.step_id = 'deal'"
        " LEFT JOIN debrief_reviews v ON v.run_id = r.id"
        " WHERE r.team = ? AND r.playbook = ? AND r.status = 'submitted' AND v.reviewed_by IS NULL"
        " ORDER BY r.submitted_at, r.id LIMIT ?",
        [team, playbook, limit],
    ).fetchall()
    return [{"run_id": run_id, "user_id": user_id, "submitted_at": submitted, "deal": json.loads(deal) if deal else None}
            for run_id, user_id, submitted, deal in rows]


def last_summary_post(store: Store, team: str) -> dict[str, Any] | None:
    """The first page of the team's latest weekly summary Slack accepted: its week, channel and ts
    (from the outbox's record of the post, since a permalink can't be asked for before posting)."""
    row = store.db.execute(
        "SELECT key, result FROM outbox WHERE (key GLOB ? OR key GLOB ?) AND status = 'sent'"
        " AND method = 'chat.postMessage' ORDER BY sent_at DESC, id DESC LIMIT 1",
        [f"weekly:{team}:*:1", f"weekly:{team}:*:1:force-*"],  # page 1 (of a forced re-post too), never page 10
    ).fetchone()
    if row is None or not row[1]:
        return None
    result = json.loads(row[1])
    if not isinstance(result.get("channel"), str) or not isinstance(result.get("ts"), str):
        return None
    week = row[0].split(":")[2]
    return {"week": week, "channel": result["channel"], "ts": result["ts"]}


__all__ = [
    "awaiting_review", "last_summary_post",
    "FACT_COLUMNS", "bulk_load", "by_competitor", "by_reason", "by_seller", "by_team", "deals", "losses_between",
    "plain_week_aggregate", "record_review", "retained_by_currency", "review_of", "runs_missing_facts", "save_fact",
    "totals_by_week", "unfinished",
]
