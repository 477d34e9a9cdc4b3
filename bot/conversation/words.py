"""The words a person types to steer a run rather than answer it (``back``, ``skip``, ``edit 2``).

The terminal and the Slack DM read them the same way: a bare word is the command; a short
reply that starts with one ("edit 2", "cancel it") is asked about before it is stored as an
answer, because typed mid-run it is far more often a command than a deal name.
"""

from __future__ import annotations

COMMAND_WORDS = frozenset({"back", "skip", "cancel", "review", "help", "submit", "edit"})
MAX_COMMAND_WORDS = 3  # "edit 2", "cancel it now": longer replies are answers


def bare_command(text: str) -> str | None:
    """The command when the whole reply is one command word, else None."""
    word = text.strip().lower()
    return word if word in COMMAND_WORDS else None


def looks_like_command(text: str) -> bool:
    """A short reply that starts with a command word but is not exactly one ("edit 2")."""
    words = text.strip().lower().split()
    return 1 < len(words) <= MAX_COMMAND_WORDS and words[0] in COMMAND_WORDS
