"""The data flows one way: a reverse import fails here, not in review."""

import ast

import pytest

from bot.config import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"

# package -> prefixes it must never import
FORBIDDEN = {
    "bot/engine": ("bot.store", "bot.slack", "bot.render", "bot.conversation.chat", "bot.app", "slack_bolt", "slack_sdk", "sqlite"),
    "bot/domain": ("bot.store", "bot.slack", "bot.render", "bot.engine", "bot.conversation.chat", "slack_bolt", "slack_sdk", "sqlite",
                   "jinja2"),
    "bot/store": ("bot.engine", "bot.slack", "bot.render", "bot.conversation.chat", "bot.conversation.conversations", "slack_bolt", "jinja2"),
    "bot/render": ("bot.store", "bot.slack", "bot.conversation.chat", "slack_bolt", "sqlite"),
    "bot/slack/listeners": ("bot.store", "bot.engine", "bot.render", "sqlite", "jinja2", "yaml"),
}


def imports_of(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_reverse_imports(package):
    offenders = []
    for path in (PROJECT_ROOT / package).rglob("*.py"):
        for name in imports_of(path):
            if name.startswith(FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
    assert offenders == []


def test_only_config_reads_the_environment():
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in BOT.rglob("*.py")
                 if "os.environ" in p.read_text() and p.name != "config.py"]
    assert offenders == []
