"""Migration ``0007_money_cents`` (see ``bot.store.migrations``)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlite_utils import Database

from bot.values.money import cents_and_currency

# 0007: the money columns that replace JSON amounts, per table: (JSON column, cents column, currency column).
# A currency column of None means the table's existing ``currency`` column holds it.
PILOT_MONEY = (("deal_value", "deal_value_cents", "deal_value_currency"),
               ("pilot_fee", "pilot_fee_cents", "pilot_fee_currency"))
COST_MONEY = (("effort_cost", "cost_effort_cents"), ("full_value", "cost_full_value_cents"),
              ("recovered_value", "cost_recovered_cents"), ("value_lost", "cost_value_lost_cents"),
              ("net", "cost_net_cents"))
PLAN_MONEY = (("lost", "lost_cents"), ("retained", "retained_cents"), ("unrecovered", "unrecovered_cents"),
              ("pipeline_to_add", "pipeline_to_add_cents"))


def _exact(text: str | None) -> Any:
    """JSON with its numbers as Decimal, so 999999999999999.99 is not rounded by a float on the way to cents."""
    return json.loads(text, parse_float=Decimal) if text else None


def migrate(db: Database) -> None:
    """Money SQL can add: integer cents and a currency column wherever a person would sum it.

    Pilots (deal value, pilot fee, the cost of a mistake), recovery plans and recovery
    opportunities kept amounts as JSON text, which ``SUM()`` cannot add. Like
    ``debrief_facts`` they now hold ``*_cents INTEGER`` (hundredths for every currency,
    rounded half-up: bot/values/money.py) beside a currency, so in sqlite-utils or Datasette
    ``SELECT currency, SUM(amount_cents) / 100.0 FROM recovery_opportunities GROUP BY currency``
    is the open pipeline. Existing rows are converted from their JSON, then the JSON amount
    columns are dropped (``ALTER TABLE DROP COLUMN``, SQLite 3.35 or later) so there is one
    truth. A pilot's ``cost`` keeps its detail (hours, people) as JSON; its five amounts move
    to ``cost_*_cents`` columns in ``cost_currency``.
    """
    for _, cents, currency in PILOT_MONEY:
        db.execute(f"ALTER TABLE pilots ADD COLUMN {cents} INTEGER")
        db.execute(f"ALTER TABLE pilots ADD COLUMN {currency} TEXT")
    db.execute("ALTER TABLE pilots ADD COLUMN cost_currency TEXT")
    for _, cents in COST_MONEY:
        db.execute(f"ALTER TABLE pilots ADD COLUMN {cents} INTEGER")
    for row_id, deal_value, pilot_fee, cost in db.execute(
            "SELECT id, deal_value, pilot_fee, cost FROM pilots").fetchall():
        values: list = []
        for text in (deal_value, pilot_fee):
            values.extend(cents_and_currency(_exact(text)))
        exact, detail = _exact(cost), json.loads(cost) if cost else None  # cents from the exact, detail as it was
        cost_currency = detail.pop("currency", None) if detail else None
        for key, _ in COST_MONEY:
            amount_cents, currency = cents_and_currency(exact.get(key) if exact else None)
            if detail:
                detail.pop(key, None)
            cost_currency = cost_currency or currency
            values.append(amount_cents)
        assignments = [c for _, c, cur in PILOT_MONEY for c in (c, cur)] + [c for _, c in COST_MONEY]
        db.execute(
            f"UPDATE pilots SET {', '.join(f'{c} = ?' for c in assignments)}, cost_currency = ?, cost = ? WHERE id = ?",
            [*values, cost_currency, json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None, row_id],
        )
    for column, _, _ in PILOT_MONEY:
        db.execute(f"ALTER TABLE pilots DROP COLUMN {column}")

    for _, cents in PLAN_MONEY:
        db.execute(f"ALTER TABLE recovery_plans ADD COLUMN {cents} INTEGER NOT NULL DEFAULT 0")
    for run_id, *amounts in db.execute(
            f"SELECT run_id, {', '.join(c for c, _ in PLAN_MONEY)} FROM recovery_plans").fetchall():
        cents = [cents_and_currency(_exact(text))[0] or 0 for text in amounts]
        db.execute(f"UPDATE recovery_plans SET {', '.join(f'{c} = ?' for _, c in PLAN_MONEY)} WHERE run_id = ?",
                   [*cents, run_id])
    for column, _ in PLAN_MONEY:
        db.execute(f"ALTER TABLE recovery_plans DROP COLUMN {column}")

    db.execute("ALTER TABLE recovery_opportunities ADD COLUMN amount_cents INTEGER NOT NULL DEFAULT 0")
    for row_id, amount in db.execute("SELECT id, amount FROM recovery_opportunities").fetchall():
        db.execute("UPDATE recovery_opportunities SET amount_cents = ? WHERE id = ?",
                   [cents_and_currency(_exact(amount))[0] or 0, row_id])
    db.execute("ALTER TABLE recovery_opportunities DROP COLUMN amount")
