"""The Jinja2 environments over ``prompts/``: everything the bot says is a template.

Two environments share one loader:

* ``slack``: every ``{{ value }}`` is escaped for mrkdwn by default (``finalize``), so a
  template cannot forget. Markup the bot builds itself (``mention``, ``link``) is marked
  safe on purpose by the filters.
* ``plain``: the terminal and plain-text surfaces (button labels, headers, documents
  shared with customers), where nothing is escaped.

Both are sandboxed (templates are edited by sales ops) and use ``StrictUndefined`` so a
misspelt name fails ``rebound check`` instead of rendering blank.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from bot.render import mrkdwn
from bot.values import money as values_money
from bot.values.dates import format_date
from bot.values.percent import format_percent

SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
MAX_COMPILED = 2000  # inline sources come from playbooks, a bounded set; the cap guards against misuse


def _finalize_slack(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return mrkdwn.escape(value)


def _finalize_plain(value: Any) -> Any:
    return "" if value is None else value


def format_money(value: Any) -> str:
    """``USD 120,000`` / ``EUR 1,250.13`` from a currency answer; empty for nothing.

    The one rule of :mod:`bot.values.money` (cents half-up), so a body and its notification
    text show the same figure."""
    if not value:
        return ""
    if isinstance(value, Mapping):
        return values_money.format_money(value.get("amount"), value.get("currency", ""))
    return values_money.format_money(value, "")


def bar(value: float, maximum: float, width: int = 10) -> str:
    """A bar of block characters for summaries people would rather look at than read."""
    if not maximum or value <= 0:
        return ""
    filled = max(1, round(width * value / maximum))
    return "█" * filled


def _mention_slack(user: Any) -> Markup:
    text = str(user or "")
    if SLACK_ID.match(text):
        return Markup(f"<@{text}>")
    return Markup(mrkdwn.escape(text))


def _mention_plain(user: Any) -> str:
    return f"@{user}" if user else ""


def _link_slack(url: Any, text: Any = None) -> Markup:
    target = str(url or "")
    label = mrkdwn.escape(text if text is not None else target)
    if not re.match(r"^https?://[^\s<>|]+$", target):
        return Markup(label)
    return Markup(f"<{target}|{label}>")


def _link_plain(url: Any, text: Any = None) -> str:
    if text is None or str(text) == str(url):
        return str(url or "")
    return f"{text} ({url})"


def _quote_slack(value: Any) -> Markup:
    """Block-quote multi-line user text: each line escaped, then prefixed with ``>`` on purpose."""
    lines = str(value or "").splitlines() or [""]
    return Markup("\n".join("> " + mrkdwn.escape(line) for line in lines))


def _quote_plain(value: Any) -> str:
    return "\n".join("> " + line for line in (str(value or "").splitlines() or [""]))


COMMON_FILTERS = {
    "money": format_money,
    "date": format_date,
    "percent": format_percent,
}


class Renderer:
    """Renders templates from ``prompts/`` (or inline template strings from playbooks)."""

    def __init__(self, prompts_dir: str | Path, extra_globals: Mapping[str, Any] | None = None):
        self.prompts_dir = Path(prompts_dir)
        self._compiled: dict[tuple[bool, str], Any] = {}
        self.slack = self._environment(slack=True)
        self.plain = self._environment(slack=False)
        for env in (self.slack, self.plain):
            env.globals["bar"] = bar
            if extra_globals:
                env.globals.update(extra_globals)

    def _environment(self, *, slack: bool) -> SandboxedEnvironment:
        env = SandboxedEnvironment(
            loader=FileSystemLoader(str(self.prompts_dir)),
            undefined=StrictUndefined,
            autoescape=False,
            finalize=_finalize_slack if slack else _finalize_plain,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters.update(COMMON_FILTERS)
        env.filters["mention"] = _mention_slack if slack else _mention_plain
        env.filters["link"] = _link_slack if slack else _link_plain
        env.filters["quote"] = _quote_slack if slack else _quote_plain
        env.globals["mention"] = env.filters["mention"]
        env.globals["link"] = env.filters["link"]
        return env

    def render(self, name: str, context: Mapping[str, Any], *, plain: bool = False) -> str:
        env = self.plain if plain else self.slack
        return env.get_template(name).render(**dict(context)).strip()

    def render_string(self, source: str, context: Mapping[str, Any], *, plain: bool = False) -> str:
        """Render an inline template (a playbook's question or help). Compiled once per source:
        compiling was a fifth of a request's CPU before the ack."""
        key = (plain, source)
        template = self._compiled.get(key)
        if template is None:
            env = self.plain if plain else self.slack
            template = env.from_string(source)
            if len(self._compiled) < MAX_COMPILED:
                self._compiled[key] = template
        return template.render(**dict(context)).strip()

    def exists(self, name: str) -> bool:
        return (self.prompts_dir / name).is_file()

    def template_names(self) -> list[str]:
        return sorted(str(p.relative_to(self.prompts_dir)) for p in self.prompts_dir.rglob("*.j2"))

    def syntax_error(self, source: str | None = None, name: str | None = None) -> TemplateSyntaxError | None:
        """The syntax error of an inline source or a named template, or None if it compiles.

        Parsed and its filters and tests looked up, which is what compiling would find wrong,
        without generating and compiling the Python code: that was most of start-up's template
        check, and a template is compiled (once) when it is first rendered anyway."""
        try:
            if name is not None:
                source, filename, _ = self.slack.loader.get_source(self.slack, name)
                tree = self.slack.parse(source, name, filename)
            else:
                tree = self.slack.parse(source or "")
            for node in tree.find_all((nodes.Filter, nodes.Test)):
                known = self.slack.filters if isinstance(node, nodes.Filter) else self.slack.tests
                if node.name not in known:
                    kind = "filter" if isinstance(node, nodes.Filter) else "test"
                    raise TemplateSyntaxError(f"No {kind} named {node.name!r}.", node.lineno, name)
        except TemplateSyntaxError as exc:
            return exc
        return None


__all__ = ["Renderer", "TemplateError", "format_money", "format_date", "format_percent", "bar"]
