"""Helpers for the reliability and security tests: database snapshots and invariants, and
walking a conversation in a DM from a playbook's example answers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.engine import runner
from bot.store.db import Store
from tests.support.dm_driver import DmDriver
from tests.support.dm_driver import walk_to_review as walk
from tests.support.rebound_app import TEAMS_YAML as BASE_TEAMS_YAML
from tests.support.rebound_app import RunningApp, start_app, write_teams
from tests.support.slack_api import SlackApiStandIn

EXAMPLES = PROJECT_ROOT / "examples" / "answers"

# The shared app's teams (the usual two) with enough reps that every test gets people nobody else has touched.
WEST_REPS = [f"U0W{i:03d}" for i in range(200)]
EMEA_REPS = [f"U0E{i:03d}" for i in range(50)]
TEAMS_YAML = BASE_TEAMS_YAML.replace(
    "members: [U0REP1, U0REP2]", f"members: [U0REP1, U0REP2, {', '.join(WEST_REPS)}]"
).replace("members: [U0REP3]", f"members: [U0REP3, {', '.join(EMEA_REPS)}]")
assert TEAMS_YAML.count("U0W199") == TEAMS_YAML.count("U0E049") == 1, "rebound_app.TEAMS_YAML changed its members"


@contextmanager
def shared_app(directory: Path) -> Iterator[tuple[RunningApp, SlackApiStandIn]]:
    """One app and one Slack stand-in for a whole test module (starting and stopping them
    costs about a second); tests keep apart by using fresh people from :func:`fresh_reps`."""
    write_teams(directory, TEAMS_YAML)
    api = SlackApiStandIn().start()
    app = start_app(directory, api)
    try:
        yield app, api
    finally:
        stop_app(app)
        api.stop()


# One app per test module: a module imports these fixtures (pytest finds fixtures in a
# module's namespace, so each module gets its own ``shared``), e.g.
#     from tests.security_support import app, dm, shared, slack_api  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    with shared_app(tmp_path_factory.mktemp("app")) as running:
        yield running


@pytest.fixture
def app(shared):
    """The module's app, with nothing left in its outbox from the tests before."""
    shared[0].drain()
    return shared[0]


@pytest.fixture
def slack_api(shared):
    """The module's Slack stand-in; the test fails on anything Slack would have rejected."""
    api = shared[1]
    yield api
    assert not api.invalid, "messages Slack would reject:\n" + "\n".join(api.invalid)


@pytest.fixture
def dm(app, slack_api):
    return DmDriver(app, slack_api)


def stop_app(app: RunningApp) -> None:
    app.stop()


def fresh_reps(team: str = "west") -> Iterator[str]:
    return iter(WEST_REPS if team == "west" else EMEA_REPS)


def example_answers(playbook_id: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / f"{playbook_id}.yml").read_text(encoding="utf-8"))


def table_counts(store: Store) -> dict[str, int]:
    """Rows in every table: a request that must touch nothing leaves this unchanged."""
    tables = [row[0] for row in store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {table: store.db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def walk_to_review(dm: DmDriver, user: str, playbook_id: str, answers: dict[str, Any] | None = None) -> None:
    """Answer every question on screen with the example answer (dates picked), skipping what has
    none; a required yes/no without one is answered No."""
    walk(dm, user, playbook_id, example_answers(playbook_id) if answers is None else answers,
         pick_dates=True, click_for={"yes_no": "No"})


def consistency_problems(services) -> list[str]:
    """Everything that must hold in the database whatever requests came in, as sentences."""
    store, problems = services.store, []
    db = store.db
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    for row in db.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"foreign key broken: {row}")
    for user, playbook, count in db.execute(
            "SELECT user_id, playbook, COUNT(*) FROM runs WHERE status = 'active' GROUP BY 1, 2 HAVING COUNT(*) > 1"):
        problems.append(f"{user} has {count} active {playbook} runs")
    from bot.store import runs as run_store

    for run in run_store.list_runs(store, status="active"):
        playbook = services.playbooks.get(run.playbook)
        if playbook is None:
            continue
        state = services.conversations.state_of(run)
        visible = [q.id for q in runner.visible_questions(playbook, state)]
        if run.cursor is not None and run.cursor not in visible:
            problems.append(f"run {run.id}: cursor {run.cursor!r} is not a visible question")
        if run.source == "slack" and "screen" in run.meta:
            current = runner.current(playbook, state)
            form = playbook.form_of(current.id) if current else None
            expected = f"form:{form.id}" if form else current.id if current else "review"
            if run.meta["screen"] != expected:
                problems.append(f"run {run.id}: the screen shows {run.meta['screen']!r} but the run is at {expected!r}")
    for (value,) in db.execute("SELECT value FROM answers"):
        json.loads(value)
    for key, lease in db.execute("SELECT key, lease_until FROM outbox WHERE status = 'sending'"):
        if lease is None:
            problems.append(f"outbox {key} is sending without a lease")
    return problems


def duplicate_posts(slack_api, since: int = 0) -> list[tuple[str, str]]:
    """(channel, text) pairs Slack accepted more than once via chat.postMessage (calls from ``since`` on)."""
    calls = [c for c in slack_api.calls[since:] if c.method == "chat.postMessage" and (c.response or {}).get("ok")]
    seen = Counter((c.params.get("channel"), json.dumps(c.params.get("blocks"), sort_keys=True) + str(c.params.get("text")))
                   for c in calls)
    return [pair for pair, count in seen.items() if count > 1]
