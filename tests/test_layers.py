"""The data flows one way: a reverse import fails here, not in review.

Each rule is checked twice: on what a layer's modules import themselves, and transitively,
following every import through bot/ (see tests/support/import_graph.py). A layer that imports
a harmless-looking helper which imports the store is as tied to the store as if it imported
it itself; the failure prints the chain.
"""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from tests.support.import_graph import ImportGraph, Rule, matches

BOT = PROJECT_ROOT / "bot"
GRAPH = ImportGraph(PROJECT_ROOT, "bot")

SLACK = ("bot.slack", "slack_bolt", "slack_sdk")
SQL = ("sqlite3", "sqlite_utils")
WIRING = ("bot.app", "bot.services", "bot.cli")
# Modules that read or write files, the network or processes (``io.StringIO`` is in memory).
IO = ("os", "pathlib", "shutil", "tempfile", "glob", "socket", "subprocess", "urllib", "http", "requests", "logging")
FLOWS = tuple(f"bot.flows.{p.name}" for p in sorted((BOT / "flows").iterdir()) if (p / "__init__.py").is_file())

RULES = {
    # The engine knows no Slack, SQL or Jinja rendering: it runs any playbook.
    "engine": Rule("bot/engine", ("bot.store", "bot.render", "bot.conversation", "bot.outbox", "bot.flows", "bot.jobs",
                                  *SLACK, *SQL, *WIRING)),
    # ... nor sales words: the wiring hands it the domain's expression functions.
    "engine_no_sales_words": Rule("bot/engine", ("bot.domain",)),
    # The domain is pure sales maths: no storage, engine, rendering, Slack or I/O.
    "domain": Rule("bot/domain", ("bot.store", "bot.engine", "bot.render", "bot.conversation", "bot.outbox", "bot.flows",
                                  "bot.jobs", "bot.files", "bot.config", "bot.logs", "jinja2", "yaml", *SLACK, *SQL,
                                  *WIRING, *IO)),
    # The store keeps rows: it neither runs conversations nor renders nor talks to Slack.
    "store": Rule("bot/store", ("bot.engine", "bot.render", "bot.conversation", "bot.outbox", "bot.flows", "bot.jobs",
                                "jinja2", *SLACK, *WIRING)),
    # Render formats what it is given: it does not query.
    "render": Rule("bot/render", ("bot.store", "bot.conversation", "bot.outbox", "bot.flows", "bot.jobs", "slack_bolt",
                                  "bot.slack", *SQL, *WIRING)),
    # Listeners verify, record and acknowledge; the work goes through the services they are handed.
    "listeners": Rule("bot/slack/listeners", ("bot.store", "bot.engine", "bot.render", "jinja2", "yaml", *SQL, *FLOWS),
                      through=("bot.services",)),
}

# Rules that fail today until the change that fixes them lands, with the reason; strict, so an
# unexpected pass fails and says the mark can go. None pending now.
PENDING: dict[tuple[str, bool], str] = {}


def _rules(transitive: bool) -> list:
    return [pytest.param(rule, id=key, marks=[pytest.mark.xfail(strict=True, reason=PENDING[key, transitive])]
                         if (key, transitive) in PENDING else []) for key, rule in RULES.items()]


@pytest.mark.parametrize("rule", _rules(transitive=False))
def test_no_layer_imports_a_forbidden_module(rule):
    offenders = GRAPH.offenders(rule, transitive=False)
    assert offenders == [], "\n".join(offenders)


@pytest.mark.parametrize("rule", _rules(transitive=True))
def test_no_layer_reaches_a_forbidden_module_through_other_imports(rule):
    offenders = GRAPH.offenders(rule)
    assert offenders == [], "\n".join(offenders)


def test_only_the_store_imports_sqlite():
    offenders = [f"{name} imports {module}" for name in GRAPH.modules if not matches(name, ("bot.store",))
                 for module in GRAPH.imports_of(name) if matches(module, SQL)]
    assert offenders == []


def test_only_config_reads_the_environment():
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in BOT.rglob("*.py")
                 if "os.environ" in p.read_text() and p.name != "config.py"]
    assert offenders == []


@pytest.fixture
def tiny_tree(tmp_path):
    """pkg.low.a imports pkg.mid.b inside a function; pkg/mid/__init__ imports a helper that
    imports yaml; pkg.mid.b reaches sqlite3 through a relative import."""
    files = {
        "pkg/__init__.py": "",
        "pkg/low/__init__.py": "",
        "pkg/low/a.py": "def load():\n    from pkg.mid import b\n    return b\n",
        "pkg/mid/__init__.py": "from pkg.mid import helper\n",
        "pkg/mid/helper.py": "import yaml\n",
        "pkg/mid/b.py": "from pkg import c\n",
        "pkg/c.py": "from . import d\n",
        "pkg/d.py": "import sqlite3\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return ImportGraph(tmp_path, "pkg")


def test_the_walk_follows_function_imports_package_inits_and_relative_imports(tiny_tree):
    rule = Rule("pkg/low", ("yaml", "sqlite3"))
    assert tiny_tree.offenders(rule) == [
        "pkg.low.a -> pkg.mid -> pkg.mid.helper -> yaml",
        "pkg.low.a -> pkg.mid.b -> pkg.c -> pkg.d -> sqlite3",
    ]
    assert tiny_tree.offenders(rule, transitive=False) == []
    assert tiny_tree.offenders(Rule("pkg/mid", ("sqlite3",)), transitive=False) == []
    assert tiny_tree.offenders(Rule("pkg/c.py", ("sqlite3",))) == ["pkg.c -> pkg.d -> sqlite3"]


def test_the_walk_names_the_package_only_when_no_module_inside_is_named(tiny_tree):
    assert tiny_tree.offenders(Rule("pkg/low", ("pkg.mid",))) == ["pkg.low.a -> pkg.mid.b"]
    assert tiny_tree.offenders(Rule("pkg/c.py", ("pkg",))) == ["pkg.c -> pkg.d"]


def test_the_walk_does_not_enter_the_gateway_a_layer_goes_through(tiny_tree):
    assert tiny_tree.offenders(Rule("pkg/low", ("yaml", "sqlite3"), through=("pkg.mid",))) == []
