"""Structured logging: one line per event (a request, an outbox send, a scheduled job).

Each line is ``<time> <LEVEL> <logger> <message> key=value ...``: the message, then every
field passed as ``extra=`` and every field bound to the current request with :func:`bind`
(the run id, the action), so ``grep run_id=r1a2b3`` follows one conversation through the
request, the outbox and the scheduler. Newlines (tracebacks included) are escaped, so one
event is one line for any log shipper.

What never reaches a line: the bot token, the signing secret and the app token (their
values, and anything shaped like a Slack token, are replaced by ``[redacted]`` in every
line, tracebacks included). Answer text is never logged at INFO by Rebound's own code;
identifiers (run, step, user, outbox key) are.

Nothing here runs at import time: ``rebound serve`` calls :func:`configure` once.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import IO, Any

REDACTED = "[redacted]"
# Slack tokens by shape (bot, user, app, refresh, config tokens), even ones we were not given.
TOKEN_PATTERN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]{6,}")
_SAFE_VALUE = re.compile(r"^[^\s\"=]*$")

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("rebound_log_fields", default=None)
_HANDLER_NAME = "rebound"


@contextmanager
def scope(**fields: Any) -> Iterator[dict[str, Any]]:
    """Collect fields for one unit of work (an HTTP request): :func:`bind` adds to them."""
    current = {key: value for key, value in fields.items() if value is not None}
    token = _fields.set(current)
    try:
        yield current
    finally:
        _fields.reset(token)


def bind(**fields: Any) -> None:
    """Attach identifiers (``run_id=...``) to the current scope's log line; a no-op outside one."""
    current = _fields.get()
    if current is not None:
        current.update({key: value for key, value in fields.items() if value is not None})


def bound() -> dict[str, Any]:
    """The fields bound in the current scope (a copy)."""
    return dict(_fields.get() or {})


class Redactor:
    """Replaces secret values and anything shaped like a Slack token."""

    def __init__(self, secrets: Iterable[str | None] = ()):
        # Short values would redact ordinary words; real secrets are long.
        values = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)
        self._secrets = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def __call__(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        return TOKEN_PATTERN.sub(REDACTED, text)


def settings_secrets(settings) -> list[str]:
    """The secret values in ``settings`` (SecretStr fields), for a :class:`Redactor`."""
    found = []
    for name in ("slack_bot_token", "slack_signing_secret", "slack_app_token", "crm_secret"):
        value = getattr(settings, name, None)
        if value is not None:
            found.append(value.get_secret_value())
    return found


def _value(value: Any) -> str:
    text = str(value)
    return text if text and _SAFE_VALUE.match(text) else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_fields(fields: dict[str, Any]) -> str:
    """``key=value key="two words"``: fields written into a message."""
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


class LineFormatter(logging.Formatter):
    """``2026-11-23T09:00:00.123Z INFO rebound.http request path=/slack/events status=200 run_id=r1``."""

    def __init__(self, redactor: Redactor | None = None):
        super().__init__()
        self.redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, timezone.utc)
        parts = [moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
                 record.levelname, record.name, record.getMessage()]
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                parts.append(as_fields({key: value}))
        if record.exc_info:
            parts.append("exc=" + _value(self.formatException(record.exc_info)))
        elif record.stack_info:
            parts.append("stack=" + _value(record.stack_info))
        line = " ".join(parts)
        return self.redact(line.replace("\r", "\\r").replace("\n", "\\n"))


def configure(settings, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as one redacted line, at ``settings.log_level``.

    Calling it again replaces the handler it installed (tests, a restarted server in-process).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(LineFormatter(Redactor(settings_secrets(settings))))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return handler
