"""Escaping for Slack mrkdwn.

Slack decodes only ``&amp;``, ``&lt;`` and ``&gt;``; anything else (``&#39;``) would show
literally, so this is not ``markupsafe.escape``.
"""

from __future__ import annotations

from markupsafe import Markup


def escape(text: object) -> str:
    """Make user text inert in mrkdwn: ``<!channel>`` renders as text and pings nobody."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe(markup: str) -> Markup:
    """Markup the bot builds on purpose (a mention, a link). Callers escape any user part first."""
    return Markup(markup)
