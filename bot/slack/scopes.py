"""The OAuth scopes Rebound needs, derived from what its code does. manifest.yml must grant them.

Every Web API call goes through the outbox, so the methods Rebound calls are the method
names its code passes to ``outbox.enqueue``. :func:`outbox_calls` reads them from the
package's own source (with ``ast``), and :data:`METHOD_SCOPES` is the one table of which
scopes each method needs. A new call therefore needs no list kept by hand: add the call,
give its method a row here if it has none, and grant the scopes in manifest.yml.
``bot.files.manifest.check_manifest`` (``rebound check``, start-up) reports a scope the
manifest lacks, and tests/test_manifest.py keeps the manifest from asking for more.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

# Web API method (as given to outbox.enqueue) -> the bot scopes it needs. Methods Rebound
# does not call yet may have a row: only the methods the code calls count.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    # questions, summaries, reminders, weekly summaries; DMs go to the user id, so no
    # conversations.open (im:write) is needed
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),  # redraw a question once answered
    "chat.postEphemeral": ("chat:write",),
    "chat.delete": ("chat:write",),
    # slack_sdk's files_upload_v2: files.getUploadURLExternal + files.completeUploadExternal
    "files.upload_v2": ("files:write",),
    "views.publish": (),  # App Home
    "views.open": (),
    "views.update": (),
    "conversations.open": ("im:write",),
    "users.info": ("users:read",),
    # reading a file a person uploaded in a modal (`/recover import`): files.info + its private URL
    "files.info": ("files:read",),
    # find a Slack user by a CRM owner's e-mail address (closed-lost intake)
    "users.lookupByEmail": ("users:read.email", "users:read"),
    # a slash command's reply after the ack, posted to its response_url: no token, no scope
    "response_url": (),
}

# Scopes for what Slack sends rather than what Rebound calls.
COMMAND_SCOPES: tuple[str, ...] = ("commands",)  # receiving /debrief, /graceful-no, /pilot-plan, /recover
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),  # draw the Home tab: open and recent runs
    "message.im": ("im:history",),  # the person's answers typed in the DM
}
BOT_EVENTS_USED: tuple[str, ...] = tuple(EVENT_SCOPES)

BOT_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class OutboxCall:
    """One ``enqueue(store, key, method, payload)`` call in the source; ``method`` None if not a literal."""

    path: Path
    line: int
    method: str | None


def outbox_calls(package_dir: Path = BOT_DIR) -> list[OutboxCall]:
    """Every call of ``outbox.enqueue`` (or a bare ``enqueue``) under ``package_dir``, in file order."""
    calls = []
    for path in sorted(package_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "enqueue(" not in text:
            continue
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Call) and _is_enqueue(node.func):
                calls.append(OutboxCall(path, node.lineno, _method_of(node)))
    return sorted(calls, key=lambda call: (str(call.path), call.line))


def _is_enqueue(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "enqueue" and isinstance(func.value, ast.Name) and func.value.id == "outbox"
    return isinstance(func, ast.Name) and func.id == "enqueue"


def _method_of(call: ast.Call) -> str | None:
    given = next((kw.value for kw in call.keywords if kw.arg == "method"), None)
    if given is None and len(call.args) >= 3:
        given = call.args[2]
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None


def scopes_for(calls: list[OutboxCall]) -> tuple[str, ...]:
    """The bot scopes these calls need, with the ones for commands and events, sorted.

    Raises ValueError naming the call when a method is not a literal or has no row in
    METHOD_SCOPES: the scopes could not be known, and tests fail before it ships."""
    scopes = set(COMMAND_SCOPES)
    for needed in EVENT_SCOPES.values():
        scopes.update(needed)
    for call in calls:
        if call.method is None:
            raise ValueError(f"{call.path}:{call.line}: pass the Web API method to enqueue as a string literal, "
                             "so the scopes it needs can be read from the code")
        if call.method not in METHOD_SCOPES:
            raise ValueError(f"{call.path}:{call.line}: {call.method} has no row in METHOD_SCOPES "
                             "(bot/slack/scopes.py); add the scopes it needs")
        scopes.update(METHOD_SCOPES[call.method])
    return tuple(sorted(scopes))


@functools.cache
def bot_scopes_used() -> tuple[str, ...]:
    """The bot scopes Rebound's code needs (read from its source once per process)."""
    return tuple(sorted(set(scopes_for(outbox_calls())).union(*(METHOD_SCOPES[m] for m in REQUEST_CALLS))))


# Calls made during a request rather than through the outbox: views.open answers a trigger that
# dies in 3 seconds (bot/slack/modals.py), and a modal's uploaded file is read before the modal
# is answered (bot/slack/files.py).
REQUEST_CALLS: tuple[str, ...] = ("views.open", "files.info")
