"""Fuzz the real HTTP endpoint: thousands of Slack-signed requests, well-formed and not, from
people who own the runs they click and people who don't.

Hypothesis generates *intentions* (answer the question on screen with odd text, click Submit
on someone else's run, send a payload with a number where Slack puts a string, repeat an
event id, open App Home...); each is turned into a request at send time from the live state,
so the fuzz walks deep into real conversations instead of bouncing off the first check.

After every example the outbox is drained to the Slack stand-in; at the end the app must
still answer /healthz, have logged no unexpected error, have posted nothing Slack would
refuse, and the database must be consistent (see ``consistency_problems``).

Fixed seed (``derandomize``) so a run is repeatable; ``REBOUND_FUZZ_EXAMPLES`` sizes it.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import ids
from bot.slack.http import MAX_BODY_BYTES
from bot.store import runs as run_store
from tests.security_support import WEST_REPS, consistency_problems, example_answers, shared_app
from tests.support.dm_driver import typed
from tests.support.modal_driver import page_values
from tests.support.slack_requests import SlackSender

EXAMPLES = 550
PEOPLE = WEST_REPS[:12] + ["U0REP3", "U0MGR1", "U0HEAD", "U0STRANGER"]
COMMANDS = ["/debrief", "/graceful-no", "/pilot-plan", "/recover", "/nope"]
STATS = {"requests": 0, "examples": 0, "by_status": {}}
EXAMPLE_ANSWERS = {playbook: example_answers(playbook) for playbook in ("debrief", "graceful-no", "pilot-plan", "recover")}

HOSTILE = ["<!channel>", "<@U123>", "<https://evil|click>", "&amp; &lt;", "*bold* _it_ ~s~ `c`", "> quote",
           "'; DROP TABLE runs; --", "{{ 7*7 }}", "{% raw %}", "${jndi:ldap://x}", "%s%s%n", "\\u0000", "null",
           "[]", "{}", "-1", "1e309", "NaN", "99999999999999999999999", "$120k", "€1.2M", "yes", "no", "skip",
           "back", "2026-11-20", "next friday", "tomorrow", "U0REP2", "<@U0REP2>", "Lost to a competitor",
           "competitor", "price", "Warm", "25%", "3", "help", "?", " ", ""]


def odd_text() -> st.SearchStrategy[str]:
    hostile = st.sampled_from(HOSTILE)
    anything = st.text(st.characters(codec="utf-8"), max_size=40)
    # control characters, format characters, private use, unassigned, separators
    odd = st.text(st.characters(categories=["Cc", "Cf", "Co", "Cn", "Zl", "Zp", "Mn", "So"]), max_size=12)
    # long: within the 20,000-character answer limit, just over it, and near the body limit
    long = st.builds(lambda c, n: c * n, st.sampled_from("xé😀<&\n"), st.sampled_from([2_000, 20_001, 90_000]))
    return weighted((3, hostile), (3, anything), (2, odd), (1, long))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """``st.one_of`` with weights (one_of treats a repeated strategy as one branch)."""
    strategies = [strategy for _, strategy in choices]
    indexes = [i for i, (weight, _) in enumerate(choices) for _ in range(weight)]
    return st.sampled_from(indexes).flatmap(lambda i: strategies[i])


def json_value() -> st.SearchStrategy:
    keys = st.sampled_from(["type", "event", "user", "id", "actions", "action_id", "block_id", "value", "view",
                            "callback_id", "team", "channel", "text", "state", "values", "selected_option",
                            "selected_options", "selected_date", "message", "subtype", "bot_id", "channel_type",
                            "tab", "event_id", "authorizations", "container"]) | st.text(max_size=4)
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text()
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                        max_leaves=8)


# An intention: what a person (or a forger) does. Rendered into a request at send time.
person = st.sampled_from(PEOPLE)
answer = st.tuples(st.just("answer"), st.integers(0, 30), st.sampled_from(["example", "hostile", "odd"]), odd_text())
intention = weighted(
    (8, answer),  # conversations go deep, to review and submit
    (2, st.tuples(st.just("command"), person, st.sampled_from(COMMANDS[:4]), st.sampled_from(["", "Acme renewal"]))),
    (1, st.tuples(st.just("command"), person, st.sampled_from(COMMANDS), odd_text())),
    (2, st.tuples(st.just("dm"), person, odd_text(), st.sampled_from([None, "Ev0A", "Ev0B", "Ev0C"]),
                  st.sampled_from([None, 1, 2]), st.sampled_from([{}, {"subtype": "message_changed"}, {"bot_id": "B1"},
                                                                  {"channel_type": "channel"}]))),
    (4, st.tuples(st.just("click"), st.integers(0, 30), st.booleans(), st.sampled_from(sorted(ids.ALL_ACTIONS)),
                  st.integers(0, 6), odd_text())),
    (1, st.tuples(st.just("home"), person, st.sampled_from([None, "Ev0H"]))),
    (2, st.tuples(st.just("mutant"), st.integers(0, 30), st.sampled_from(sorted(ids.ALL_ACTIONS)), st.integers(0, 40),
                  json_value())),
    (2, st.tuples(st.just("raw"), json_value(), st.sampled_from(["json", "form", "payload"]))),
    (1, st.tuples(st.just("bytes"), st.binary(max_size=300))),
    (1, st.tuples(st.just("forged"), person, st.sampled_from(["wrong", "stale", "none"]))),
    (1, st.tuples(st.just("huge"), st.sampled_from(["command", "dm"]))),
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    with shared_app(tmp_path_factory.mktemp("fuzz")) as running:
        yield running


class Fuzzer:
    def __init__(self, app, slack_api):
        self.app = app
        self.slack_api = slack_api
        self.sender = SlackSender(app.url, "test-signing-secret", response_url=slack_api.response_url)
        self.playbooks = app.services.playbooks
        self.extra = sorted(app.services.chat.actions)

    def _runs(self) -> list[tuple[str, str, str, dict]]:
        rows = self.app.services.store.db.execute(
            "SELECT id, user_id, playbook, meta FROM runs ORDER BY updated_at DESC, id LIMIT 31").fetchall()
        return [(run_id, user, playbook, json.loads(meta)) for run_id, user, playbook, meta in rows]

    def _click_payload(self, pick: int, owner: bool, kind: str, variant: int, text: str) -> tuple[str, dict] | None:
        """A click on one of the latest runs: by its owner or someone else, on what is on screen
        (or, for variant 6, on an earlier question: a stale click)."""
        runs = self._runs()
        if not runs:
            return None
        run_id, user, playbook_id, meta = runs[pick % len(runs)]
        actor = user if owner else next(p for p in PEOPLE if p != user)
        playbook = self.playbooks.get(playbook_id)
        steps = [s.id for s in playbook.questions] if playbook else ["x"]
        screen = meta.get("screen")
        if kind == ids.EDIT or variant == 6:
            screen = steps[(pick + variant) % len(steps)]
        tag = "in" if kind in (ids.SELECT, ids.DATE, ids.USER, ids.MULTI_DONE) else "nav"
        block_id = ids.ActionValue(run_id, screen, tag).encode()
        action: dict = {"action_id": kind, "block_id": block_id, "type": "button", "action_ts": f"{time.time():.6f}"}
        if kind in (ids.EDIT, ids.SUBMIT, ids.CANCEL, ids.RESUME, ids.START_OVER, ids.OPEN_RUN):
            action["block_id"] = "b"
            action["value"] = ids.ActionValue(run_id, screen if kind == ids.EDIT else None).encode()
        elif kind == ids.SELECT:
            action["selected_option"] = {"value": text}
        elif kind == ids.DATE:
            action["selected_date"] = ["2026-11-20", "2026-02-30", text][variant % 3]
        elif kind == ids.USER:
            action["selected_user"] = ["U0REP2", text][variant % 2]
        else:
            action["value"] = text
        if variant == 5 and self.extra:  # a flow's own button, naming this run
            action["action_id"] = self.extra[pick % len(self.extra)]
        state = {}
        if kind == ids.MULTI_DONE:
            state = {block_id: {ids.MULTI_TOGGLE: {"type": "checkboxes", "selected_options": [{"value": text}]}}}
        return actor, {"action": action, "state": state}

    def _answer(self, pick: int, mode: str, text: str):
        """The owner of an active run answers the question on screen: the example answer (with
        hostile text in place of free text), or something odd; at review, clicks Submit."""
        runs = [r for r in self._runs() if r[3].get("screen")]
        active = {row[0] for row in self.app.services.store.db.execute("SELECT id FROM runs WHERE status = 'active'")}
        runs = [r for r in runs if r[0] in active]
        if not runs:
            return self.sender.command(COMMANDS[pick % 4], "", user_id=PEOPLE[pick % len(PEOPLE)])
        run_id, user, playbook_id, meta = runs[pick % min(len(runs), 3)]  # the latest few: go deep
        screen = meta["screen"]
        if screen == "review":
            value = ids.ActionValue(run_id).encode()
            return self.sender.action(user, ids.SUBMIT, value=value, block_id="b")
        if screen.startswith("form:"):  # a form page: submitted as Slack does, example answers or odd text
            playbook = self.playbooks[playbook_id]
            form = playbook.form(screen.split(":", 1)[1])
            answers = EXAMPLE_ANSWERS.get(playbook_id, {})
            run = run_store.get_run(self.app.services.store, run_id)
            view = self.app.services.forms.page(run, form, counts={s: len(answers.get(s) or []) for s in form.steps})
            values = page_values(playbook, view, answers)
            if mode == "odd":
                values = {block: {"v": {"type": "plain_text_input", "value": text}} for block in values}
            return self.sender.view_submission(user, "rb_form", values, private_metadata=view["private_metadata"])
        step = self.playbooks[playbook_id].step(screen)
        raw = EXAMPLE_ANSWERS.get(playbook_id, {}).get(screen)
        if mode == "odd" or raw is None:
            if not step.required:
                return self.sender.action(user, ids.SKIP, value="skip", block_id=ids.ActionValue(run_id, screen, "nav").encode())
            return self.sender.dm(user, text)
        typed_answer = typed(raw, [f.id for f in step.fields] if step.fields else None)
        if mode == "hostile" and step.type in ("text", "long_text"):
            typed_answer = f"{text} <!channel> {typed_answer}"
        return self.sender.dm(user, typed_answer)

    def send(self, item: tuple) -> int:
        kind = item[0]
        sender = self.sender
        if kind == "answer":
            reply = self._answer(*item[1:])
        elif kind == "command":
            _, user, command, text = item
            reply = sender.command(command, text, user_id=user)
        elif kind == "dm":
            _, user, text, event_id, retry, extra = item
            reply = sender.dm(user, text, event_id=event_id, retry_num=retry if event_id else None, **extra)
        elif kind == "home":
            _, user, event_id = item
            reply = sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user},
                                 event_id=event_id)
        elif kind == "click":
            built = self._click_payload(*item[1:])
            if built is None:
                return 0
            actor, parts = built
            reply = sender.action(actor, parts["action"]["action_id"], raw_action=parts["action"], state=parts["state"])
        elif kind == "mutant":
            _, pick, action_kind, where, value = item
            built = self._click_payload(pick, True, action_kind, 0, "x")
            if built is None:
                return 0
            actor, parts = built
            payload = {"type": "block_actions", "user": {"id": actor, "team_id": "T0REBOUND"},
                       "team": {"id": "T0REBOUND"}, "actions": [parts["action"]], "state": {"values": parts["state"]},
                       "channel": {"id": "D" + actor}, "container": {"type": "message", "message_ts": "1.2"}}
            _mutate(payload, where, value)
            reply = sender.raw(urllib.parse.urlencode({"payload": json.dumps(payload)}).encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
        elif kind == "raw":
            _, value, shape = item
            if shape == "json":
                body, content_type = json.dumps(value).encode(), "application/json"
            elif shape == "payload":
                body = urllib.parse.urlencode({"payload": json.dumps(value)}).encode()
                content_type = "application/x-www-form-urlencoded"
            else:
                fields = value if isinstance(value, dict) else {"text": value}
                body = urllib.parse.urlencode({str(k): json.dumps(v) for k, v in fields.items()}).encode()
                content_type = "application/x-www-form-urlencoded"
            reply = sender.raw(body, {"Content-Type": content_type})
        elif kind == "bytes":
            reply = sender.raw(item[1], {"Content-Type": "application/json"})
        elif kind == "forged":
            _, user, how = item
            forger = {"wrong": sender.signed_with("guess"), "stale": sender.stale(), "none": sender}[how]
            if how == "none":
                body = urllib.parse.urlencode({"command": "/debrief", "user_id": user}).encode()
                reply = sender.raw(body, {"Content-Type": "application/x-www-form-urlencoded"}, sign=False)
            else:
                reply = forger.command("/debrief", "forged", user_id=user)
            assert reply.status == 401, reply.text
        else:  # huge: over the size limit, signed
            text = "y" * (MAX_BODY_BYTES + 10)
            reply = sender.command("/debrief", text, user_id=PEOPLE[0]) if item[1] == "command" else sender.dm(PEOPLE[0], text)
            assert reply.status == 413
        STATS["requests"] += 1
        STATS["by_status"][reply.status] = STATS["by_status"].get(reply.status, 0) + 1
        assert reply.status < 500, f"{item!r:.300} -> {reply.status} {reply.text[:300]}"
        assert reply.status in (200, 400, 401, 404, 413), (item, reply.status)
        assert "Traceback" not in reply.text and "File \"" not in reply.text
        return reply.status


def _mutate(payload: dict, where: int, value) -> None:
    """Replace the ``where``-th node (depth first) of ``payload`` with ``value``."""
    nodes: list[tuple[dict | list, str | int]] = []

    def walk(node):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in list(items):
            nodes.append((node, key))
            walk(child)

    walk(payload)
    parent, key = nodes[where % len(nodes)]
    parent[key] = value


class ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(self.format(record))


def test_fuzzed_requests_never_get_a_5xx_and_leave_the_app_healthy_and_consistent(shared):
    import os

    app, slack_api = shared
    fuzzer = Fuzzer(app, slack_api)
    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    started = time.perf_counter()

    @settings(max_examples=int(os.environ.get("REBOUND_FUZZ_EXAMPLES", EXAMPLES)), derandomize=True, database=None,
              deadline=None, phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(st.lists(intention, min_size=1, max_size=10))
    def fuzz(intentions):
        STATS["examples"] += 1
        for item in intentions:
            fuzzer.send(item)
        app.drain()

    try:
        fuzz()
    finally:
        logging.getLogger().removeHandler(errors)
    elapsed = time.perf_counter() - started
    runs = dict(app.services.store.db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
    answers = app.services.store.db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    print(f"\nfuzz: {STATS['requests']} requests in {STATS['examples']} examples, {elapsed:.1f}s, "
          f"statuses {dict(sorted(STATS['by_status'].items()))}, runs {runs}, {answers} answers")

    assert STATS["requests"] >= 1000
    with urllib.request.urlopen(app.url + "/healthz") as response:
        assert response.status == 200
    assert errors.records == [], "unexpected errors were logged:\n" + "\n".join(errors.records[:5])
    assert slack_api.invalid == [], "the bot posted what Slack would refuse:\n" + "\n".join(slack_api.invalid[:5])
    assert consistency_problems(app.services) == []
    stuck = app.services.store.db.execute("SELECT key, status FROM outbox WHERE status = 'sending'").fetchall()
    assert stuck == []
    # the fuzz went deep: runs were started, answered, submitted and cancelled
    assert runs.get("active") and runs.get("cancelled") and runs.get("submitted"), runs
    assert answers > 100
