"""The signed book (migration ``0017_account_map``): revenue by account and contract per owner,
from `rebound book import`. Plain rows; the concentration maths is in bot/domain/book.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot import clock
from bot.store.db import Store
from bot.store.recovery import opportunity_key
from bot.values.money import amount_dict, cents_and_currency


def replace_books(store: Store, rows: Iterable[Mapping[str, Any]], *, teams: Mapping[str, str | None],
                  import_id: str) -> int:
    """Replace the book of every owner the rows name with those rows (an export is a snapshot:
    a contract gone from it is no longer signed). ``teams``: owner -> team id. Returns the rows kept.
    Rows repeating an owner's account and contract add up (two lines of one contract)."""
    rows = list(rows)
    now = clock.now_iso()
    with store.transaction() as db:
        for owner in dict.fromkeys(row["owner"] for row in rows):
            db.execute("DELETE FROM signed_contracts WHERE user_id = ?", [owner])
        for row in rows:
            cents, currency = cents_and_currency(row["amount"])
            db.execute(
                "INSERT INTO signed_contracts (user_id, team, key, account, contract, department, amount_cents, currency,"
                " import_id, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, key) DO UPDATE SET amount_cents = amount_cents + excluded.amount_cents",
                [row["owner"], teams.get(row["owner"]), opportunity_key(row["contract"], row["account"]), row["account"],
                 row["contract"], row.get("department"), cents, currency, import_id, now])
    return len(rows)


def contracts(store: Store, *, owner: str | None = None, team: str | None = None) -> list[dict[str, Any]]:
    """Signed contracts as ``{owner, team, key, account, contract, department, amount}``."""
    where, params = [], []
    for column, value in (("user_id", owner), ("team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = ("SELECT user_id, team, key, account, contract, department, amount_cents, currency FROM signed_contracts"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id")
    return [{"owner": o, "team": t, "key": k, "account": a, "contract": c, "department": d,
             "amount": amount_dict(cents, currency)}
            for o, t, k, a, c, d, cents, currency in store.db.execute(sql, params).fetchall()]


__all__ = ["replace_books", "contracts"]
