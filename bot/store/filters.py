"""WHERE clauses built from optional filters, so a query function lists each filter once.

A filter is ``(sql, value)``: it applies when the value is not None; a list value fills a
condition with several ``?`` (``("status IN (?, ?)", ["open", "moved"])``). The SQL comes from
our own code, never from input; values always travel as parameters.
"""

from __future__ import annotations

from typing import Any

Filter = tuple[str, Any]


def where(*filters: Filter) -> tuple[str, list[Any]]:
    """``(" WHERE a = ? AND b >= ?", [a, b])`` from the filters that apply; ``("", [])`` if none."""
    clauses: list[str] = []
    params: list[Any] = []
    for sql, value in filters:
        if value is None:
            continue
        clauses.append(sql)
        params.extend(value if isinstance(value, list) else [value])
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def equal(**columns: Any) -> list[Filter]:
    """``column = ?`` for each keyword (``equal(team=team, user_id=None)`` filters on the team only)."""
    return [(f"{column} = ?", value) for column, value in columns.items()]

