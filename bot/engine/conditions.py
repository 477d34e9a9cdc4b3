"""``when:`` and ``compute:`` expressions, evaluated in Jinja2's immutable sandbox.

Playbooks are edited by sales ops, not developers, so expressions must never reach Python
internals: the sandbox refuses ``__class__``-style attribute access and mutation, and there
is no ``eval`` anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from jinja2 import Undefined, meta
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["SecurityError", "TemplateSyntaxError", "compile_expression", "evaluate", "function_names", "names_in",
           "provide_functions", "truthy"]


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
# Functions the wiring hands in (bot/services.expression_functions: the sales maths playbooks
# name, such as /recover's recovery_plan). The engine knows none of them by name, so it runs any
# playbook; they are handed in once at start-up, before the first playbook is loaded.
_provided: dict[str, Callable[..., Any]] = {}


def provide_functions(functions: Mapping[str, Callable[..., Any]]) -> None:
    """Let expressions call ``functions`` too (pure, never raising). Idempotent; a name that would
    hide a built-in helper is refused, so a playbook's meaning never depends on start-up order."""
    hidden = sorted(name for name in functions if name in BASE_FUNCTIONS and functions[name] is not BASE_FUNCTIONS[name])
    if hidden:
        raise ValueError(f"expression functions may not replace built-in helpers: {', '.join(hidden)}")
    if all(_provided.get(name) is function for name, function in functions.items()):
        return
    _provided.update(functions)
    _env.cache_clear()
    compile_expression.cache_clear()


def function_names() -> set[str]:
    """Every function an expression may call: the built-in helpers and those handed in."""
    return set(BASE_FUNCTIONS) | set(_provided)


class _Env(ImmutableSandboxedEnvironment):
    pass


@lru_cache(maxsize=1)
def _env() -> _Env:
    env = _Env(undefined=Undefined)
    env.globals.clear()
    env.globals.update(BASE_FUNCTIONS)
    env.globals.update(_provided)
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
    return names - function_names()


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """Evaluate in the sandbox. Raises ``SecurityError`` for an attempt at Python internals."""
    return compile_expression(expression)(**dict(context))


def truthy(expression: str, context: Mapping[str, Any]) -> bool:
    return bool(evaluate(expression, context))

