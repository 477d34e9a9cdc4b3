"""``when:`` and ``compute:`` expressions, evaluated in Jinja2's immutable sandbox.

Playbooks are edited by sales ops, not developers, so expressions must never reach Python
internals: the sandbox refuses ``__class__``-style attribute access and mutation, and there
is no ``eval`` anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from jinja2 import Undefined, meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.domain import graceful as domain_graceful
from bot.domain import recovery as domain_recovery

__all__ = ["SecurityError", "TemplateSyntaxError", "compile_expression", "evaluate", "names_in", "truthy"]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def days_between(start: Any, end: Any) -> int:
    """Whole days from ``start`` to ``end`` (ISO dates)."""
    return (_as_date(end) - _as_date(start)).days


def add_days(start: Any, days: int) -> str:
    return (_as_date(start) + timedelta(days=int(days))).isoformat()


def midpoint(start: Any, end: Any) -> str:
    """The date halfway between two ISO dates (a pilot's mid-point check-in)."""
    first = _as_date(start)
    return (first + timedelta(days=(_as_date(end) - first).days // 2)).isoformat()


def business_days_before(day: Any, days: int = 1) -> str:
    """The date ``days`` weekdays before ``day`` (Saturdays and Sundays skipped; holidays aren't known):
    the reminder "one business day before the end" of a pilot ending on a Monday falls on Friday."""
    current, left = _as_date(day), int(days)
    while left > 0:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current.isoformat()


def next_quarter_start(start: Any) -> str:
    """The first day of the calendar quarter after ``start``: the default graceful-no check-back."""
    day = _as_date(start)
    quarter_month = ((day.month - 1) // 3 + 1) * 3 + 1
    year = day.year + (quarter_month > 12)
    return date(year, (quarter_month - 1) % 12 + 1, 1).isoformat()


def money(amount: Any, currency: str) -> dict[str, Any]:
    """Build an amount value like the ``currency`` step type stores."""
    number = float(amount)
    return {"amount": int(number) if number.is_integer() else round(number, 2), "currency": currency}


BASE_FUNCTIONS: dict[str, Any] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "len": len,
    "days_between": days_between,
    "add_days": add_days,
    "midpoint": midpoint,
    "business_days_before": business_days_before,
    "next_quarter_start": next_quarter_start,
    "money": money,
}
# Sales maths the playbooks name (pure, never raising in an expression): /recover's arithmetic
# is bot/domain/coverage.recovery_plan, /graceful-no suggests a category from the customer's words.
BASE_FUNCTIONS.update(recovery_plan=domain_recovery.plan_values, suggest_reason=domain_graceful.suggest_reason)


class _Env(ImmutableSandboxedEnvironment):
    pass


@lru_cache(maxsize=1)
def _env() -> _Env:
    env = _Env(undefined=Undefined)
    env.globals.clear()
    env.globals.update(BASE_FUNCTIONS)
    return env


@lru_cache(maxsize=1024)
def compile_expression(expression: str):
    """Compile once; raises ``TemplateSyntaxError`` for a malformed expression."""
    return _env().compile_expression(expression, undefined_to_none=True)


def names_in(expression: str) -> set[str]:
    """The answer names an expression reads (not the helper functions)."""
    tree = _env().parse("{{ " + expression + " }}")
    names = meta.find_undeclared_variables(tree)
    # loop variables of comprehensions-like constructs are declared inside the tree
    return {name for name in names if name not in BASE_FUNCTIONS}


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """Evaluate in the sandbox. Raises ``SecurityError`` for an attempt at Python internals."""
    return compile_expression(expression)(**dict(context))


def truthy(expression: str, context: Mapping[str, Any]) -> bool:
    return bool(evaluate(expression, context))


def is_constant(expression: str) -> bool:
    """True for an expression without any name (``true``, ``3``), used by checks to flag dead `when`s."""
    tree = _env().parse("{{ " + expression + " }}")
    return not any(True for _ in tree.find_all(nodes.Name))
