"""Typed errors of the domain maths. Each carries the fields a caller needs to act.

They are raised for inputs that cannot be right (a negative amount, a 150% probability, two
currencies added together), never for data a person still has to fix in a file: the CSV
importer reports those per line instead, so one bad row does not hide the good ones.
"""

from __future__ import annotations

from typing import Any

from bot.errors import ReboundError


class DomainError(ReboundError):
    """Base of the errors the sales maths raises."""


class InvalidValue(DomainError):
    """``field`` holds ``value``, which cannot be right; ``message`` says what is expected."""

    def __init__(self, field: str, value: Any, message: str):
        self.field = field
        self.value = value
        self.message = message
        super().__init__(f"{field}: {message} (got {value!r})")


class InvalidAmount(InvalidValue):
    """An amount that is not ``{"amount": number, "currency": "ISO"}``, or negative where refused."""


class CurrencyMismatch(DomainError):
    """Amounts in two currencies met where one was needed. We never convert currencies."""

    def __init__(self, expected: str, got: str, field: str | None = None):
        self.expected = expected
        self.got = got
        self.field = field
        where = f"{field}: " if field else ""
        super().__init__(f"{where}expected an amount in {expected}, got {got}; amounts in different currencies cannot be added")


class UnknownKey(DomainError):
    """A key outside a fixed list (``kind`` is e.g. "loss reason" or "ranking factor")."""

    def __init__(self, kind: str, key: Any, known: tuple[str, ...]):
        self.kind = kind
        self.key = key
        self.known = known
        super().__init__(f"unknown {kind} {key!r}; expected one of: {', '.join(known)}")


class UnknownReason(UnknownKey):
    def __init__(self, key: Any, known: tuple[str, ...]):
        super().__init__("loss reason", key, known)


class UnknownFactor(UnknownKey):
    def __init__(self, key: Any, known: tuple[str, ...]):
        super().__init__("ranking factor", key, known)


__all__ = ["DomainError", "InvalidValue", "InvalidAmount", "CurrencyMismatch", "UnknownKey", "UnknownReason", "UnknownFactor"]
