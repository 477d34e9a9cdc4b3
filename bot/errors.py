"""Typed errors. Each carries the fields a caller needs to act, not only a sentence.

The CLI turns these into ``Error: ...`` lines; the Slack listeners turn them into short,
kind replies. Tests assert the fields.
"""

from __future__ import annotations

from dataclasses import dataclass


class ReboundError(Exception):
    """Base of every error Rebound raises on purpose."""


@dataclass
class Problem:
    """One mistake in a file a person edits (playbook, template, teams file, manifest)."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        line = f":{self.line}" if self.line else ""
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}{line}:{where} {self.message}"


class ConfigFilesInvalid(ReboundError):
    """Raised at start-up when any edited file has mistakes; holds every problem at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class PlaybookError(ConfigFilesInvalid):
    """Mistakes found in one or more playbooks."""


class SettingError(ReboundError):
    """A missing or invalid environment setting. ``name`` is the variable, ``hint`` where to get it."""

    def __init__(self, name: str, message: str, hint: str = ""):
        self.name = name
        self.hint = hint
        text = f"{name}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class DatabaseUnusable(ReboundError):
    """The database file cannot be opened or written: not a SQLite file, read-only, no access.
    ``path`` is the file, ``reason`` what SQLite or the OS said, ``hint`` what to do."""

    def __init__(self, path: str, reason: str, hint: str):
        self.path = path
        self.reason = reason
        self.hint = hint
        super().__init__(f"REBOUND_DB: cannot use {path}: {reason} ({hint})")


class AnswerRejected(ReboundError):
    """Raw input that does not fit a step. ``message`` is friendly and says what is expected."""

    def __init__(self, step_id: str, message: str):
        self.step_id = step_id
        self.message = message
        super().__init__(message)


class ActionRefused(ReboundError):
    """An engine action that is not allowed now (skip a required step, submit with gaps...)."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        self.message = message
        super().__init__(message)


class NotFound(ReboundError):
    """A run, playbook or team that does not exist."""

    def __init__(self, kind: str, key: str):
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")


class Forbidden(ReboundError):
    """The acting user may not touch this run (not the owner, not their manager)."""

    def __init__(self, user_id: str, run_id: str):
        self.user_id = user_id
        self.run_id = run_id
        super().__init__(f"user {user_id} may not act on run {run_id}")
