"""Every template in prompts/ rendered with hostile answers: nothing a person typed can ping a
channel, mention someone or plant a link.

Contexts come from the real code paths wherever possible: each playbook is walked through
the chat service with its example answers, every free-text answer (and every text field of
a list answer) prefixed with ``<!channel> <@U123> <https://evil|click> &``; the runs are
submitted, reminders fired, App Homes opened, and each team's weekly summary, the head of
sales' roll-up and the product and enablement digests built for that week. Every render on
those paths is recorded. A template none of them reaches is then rendered directly with its
playbook's run context, hostile values standing in for any other name it needs. A template
that still cannot be rendered is reported as skipped, with the reason (the quarter view and an
empty roll-up, which used to be, are rendered from typed values below).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from jinja2 import UndefinedError

from bot import clock, ids
from bot.conversation.inputs import ActionInput, ViewInput
from bot.config import PROJECT_ROOT, load_settings
from bot.services import build_services
from bot.store import runs as run_store
from tests.security_support import example_answers
from tests.support.dm_driver import typed
from tests.support.modal_driver import page_values
from tests.support.rebound_app import write_teams

PROMPTS = PROJECT_ROOT / "prompts"
TEMPLATES = sorted(p.relative_to(PROMPTS).as_posix() for p in PROMPTS.rglob("*.j2"))
HOSTILE = "<!channel> <@U123> <https://evil|click> & co"
PLAYBOOKS = ("debrief", "graceful-no", "pilot-plan", "recover")
REPS = {"debrief": "U0REP1", "graceful-no": "U0REP2", "pilot-plan": "U0REP1", "recover": "U0REP3"}
FORBIDDEN = ("<!", "<@U123>", "<https://evil")


class Hostile(str):
    """Hostile text that also answers any attribute or key with hostile text, so a template
    reaching for ``x.name`` or ``x['label']`` gets something to escape, not an error."""

    def __new__(cls, text: str = HOSTILE):
        return super().__new__(cls, text)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return Hostile()

    def __getitem__(self, key):
        return Hostile()

    def __iter__(self):
        return iter([Hostile()])


def hostile_answer(step, value):
    """The example answer with hostile text in front of every piece of free text."""
    if step.type in ("text", "long_text") and isinstance(value, str):
        limit = getattr(step.validation, "max_length", None) if step.validation else None
        text = f"{HOSTILE} {value}"
        return text[:limit] if limit else text
    if step.fields and isinstance(value, list):
        # typed as "a | b" per line, so the link's own "|" would split the field: the link goes bare
        free = {f.id for f in step.fields if f.type in ("text", "long_text")}
        bare = HOSTILE.replace("|click", "")
        return [{k: (f"{bare} {v}" if k in free and isinstance(v, str) else v) for k, v in item.items()}
                for item in value]
    return value


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Template name -> every output rendered for Slack (escaping environment), and the services."""
    tmp = tmp_path_factory.mktemp("hostile")
    services = build_services(load_settings({"REBOUND_DB": str(tmp / "r.db"), "REBOUND_TEAMS": str(write_teams(tmp))}),
                              teams_required=True)
    seen: dict[str, list[str]] = defaultdict(list)
    original = services.renderer.render

    def recording(name, context, *, plain=False):
        out = original(name, context, plain=plain)
        if not plain:  # plain renders go to the terminal or into files, never to mrkdwn
            seen[name].append(out)
        return out

    services.renderer.render = recording
    outputs: list[str] = []
    for playbook_id in PLAYBOOKS:
        _walk_and_submit(services, playbook_id, REPS[playbook_id])
    _everything_else_the_chat_says(services)
    for user in ("U0REP1", "U0REP2", "U0REP3", "U0MGR1", "U0HEAD"):
        services.home.publish(user, None)
    services.tick(clock.now() + timedelta(days=400))  # every reminder falls due
    week = clock.previous_week((clock.now() + timedelta(days=7)).date())
    _weekly(services, week)
    _typed_views(services)
    # everything queued for Slack, as it would be posted
    for (payload,) in services.store.db.execute("SELECT payload FROM outbox"):
        outputs.append(payload)
    yield services, seen, outputs
    services.close()


def _walk_and_submit(services, playbook_id: str, user: str) -> None:
    chat, playbook = services.chat, services.playbooks[playbook_id]
    answers = {k: hostile_answer(playbook.step(k), v) for k, v in example_answers(playbook_id).items()
               if k in {s.id for s in playbook.steps}}
    chat.command(playbook.command, user, "")
    for _ in range(len(playbook.steps) * 2):
        run = run_store.find_active(services.store, user, playbook_id)
        screen = run.meta["screen"]
        if screen == "review":
            chat.action(ActionInput(user, ids.SUBMIT, None, ids.ActionValue(run.id).encode(),
                                    action_ts=f"{datetime.now().timestamp():.6f}"))
            assert run_store.get_run(services.store, run.id).status == "submitted", f"{playbook_id} did not submit"
            return
        if screen.startswith("form:"):  # a form page, submitted as Slack would
            form = playbook.form(screen.split(":", 1)[1])
            while form is not None:  # page after page, until the modal closes
                counts = {step_id: len(answers.get(step_id) or []) for step_id in form.steps}
                view = services.forms.page(run_store.get_run(services.store, run.id), form, counts=counts)
                ack = services.forms.submit(ViewInput(user, "rb_form", view["private_metadata"],
                                                      page_values(playbook, view, answers)))
                assert ack.response_action != "errors", ack.errors
                form = playbook.form(json.loads(ack.view["private_metadata"])["f"]) if ack.view else None
            assert run_store.get_run(services.store, run.id).meta["screen"] != screen, f"{playbook_id}.{screen} refused"
            continue
        step = playbook.step(screen)
        if answers.get(screen) is None:
            nav = ids.ActionValue(run.id, screen, "nav").encode()
            kind, value = (ids.SKIP, "skip") if not step.required else (ids.ANSWER, "no")
            chat.action(ActionInput(user, kind, nav, value, action_ts=f"{datetime.now().timestamp():.6f}"))
        else:
            chat.dm(user, "D" + user, typed(answers[screen], [f.id for f in step.fields] if step.fields else None), None)
        assert run_store.get_run(services.store, run.id).meta["screen"] != screen, f"{playbook_id}.{screen} refused"
    raise AssertionError(f"{playbook_id} never reached review")


def _everything_else_the_chat_says(services) -> None:
    """Help, refusals, re-asks and notes, each fed hostile text where a person's words go in."""
    chat, stamp = services.chat, lambda: f"{datetime.now().timestamp():.6f}"
    chat.command("/debrief", "U0REP2", "help")
    chat.command("/debrief", "U0NOBODY", HOSTILE)  # not on a team
    chat.dm("U0MGR2", "DU0MGR2", HOSTILE, None)  # nothing open
    chat.command("/recover", "U0REP2", HOSTILE)  # the first question wants an amount: prefill refused
    chat.dm("U0REP2", "DU0REP2", HOSTILE, None)  # re-asked
    chat.dm("U0REP2", "DU0REP2", HOSTILE * 500, None)  # too long
    chat.command("/recover", "U0REP2", "")  # resume offer
    run = run_store.find_active(services.store, "U0REP2", "recover")
    chat.action(ActionInput("U0REP3", ids.CANCEL, None, ids.ActionValue(run.id).encode(), action_ts=stamp()))  # not yours
    chat.action(ActionInput("U0REP2", ids.CANCEL, None, ids.ActionValue(run.id).encode(), action_ts=stamp()))
    # the flows' own subcommands (`/recover weights ...`), by a rep and by a manager
    for command, word in sorted(chat.subcommands):
        for user in ("U0REP3", "U0MGR1"):
            chat.command(command, user, f"{word} {HOSTILE}")
            chat.command(command, user, word)


def _weekly(services, week: str) -> None:
    """The weekly posts for ``week``, built the way the scheduler builds them (if those flows exist)."""
    try:
        from bot.flows.debrief.digests import InsightDigests, Rollup
        from bot.flows.debrief.reports import WeeklySummaries
    except ImportError:  # pragma: no cover - another area not built yet
        return
    for team in services.teams.teams:
        WeeklySummaries(services.tools).build(team, week)
    Rollup(services.tools).build(week)
    for owner in ("product", "enablement"):
        InsightDigests(services.tools).build(owner, week)


def _typed_views(services) -> None:
    """Views the walk reaches only as plain text or not at all, rendered for Slack from the real
    typed values: the walked pilot's quarter (what `rebound pilots --quarter` prints; its end
    date, 2027-02-19, is in 2027-Q1) and the roll-up of a week nobody lost a deal in."""
    from bot.flows.debrief.digests import Rollup
    from bot.flows.pilots.reports import QUARTER_TEMPLATE, quarter_view

    view = quarter_view(services.store, services.playbooks["pilot-plan"], "2027-Q1")
    assert view["pilots"], "the walked pilot is in its quarter"
    services.renderer.render(QUARTER_TEMPLATE, view)
    Rollup(services.tools).build("2020-W02")


def _direct(services, name: str) -> tuple[str | None, str | None]:
    """Render ``name`` with its playbook's run context, hostile values for any other name."""
    folder = name.split("/")[0]
    playbook_id = folder if folder in PLAYBOOKS else "debrief"
    run = run_store.list_runs(services.store, user_id=REPS[playbook_id], playbook=playbook_id)[0]
    context = dict(services.conversations.template_context(run))
    context.update(bullet="•", reminder={"id": "r", "due_at": "2026-12-01T09:00:00+00:00"}, limit=20_000)
    for _ in range(40):
        try:
            return services.renderer.slack.get_template(name).render(**context).strip(), None
        except UndefinedError as error:
            missing = re.match(r"'(\w+)' is undefined", str(error))
            if not missing:
                return None, f"needs a context this test cannot build ({error})"
            context[missing[1]] = Hostile()
        except (TypeError, ValueError, ArithmeticError) as error:
            return None, f"needs typed values this test cannot guess ({type(error).__name__}: {str(error)[:80]})"
    return None, "needs too many names"


def _includers(name: str) -> list[str]:
    """Templates that include ``name`` (a partial is checked through what includes it)."""
    return [other for other in TEMPLATES if other != name and f'"{name}"' in (PROMPTS / other).read_text(encoding="utf-8")
            or f"'{name}'" in (PROMPTS / other).read_text(encoding="utf-8")]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_escapes_hostile_answers(renders, name):
    services, seen, _ = renders
    outputs = list(seen.get(name, []))
    if not outputs:
        outputs = [out for parent in _includers(name) for out in seen.get(parent, [])]
    if not outputs:
        out, reason = _direct(services, name)
        if out is None:
            pytest.skip(f"{name}: {reason}")
        outputs.append(out)
    for out in outputs:
        for bad in FORBIDDEN:
            assert bad not in out, f"{name} let {bad!r} through:\n{out[:600]}"


def test_the_hostile_text_did_reach_the_templates(renders):
    """Guard against a vacuous pass: the escaped form shows up in what was rendered."""
    _, seen, _ = renders
    reached = [name for name, outs in seen.items() if any("&lt;!channel&gt;" in out for out in outs)]
    assert {"debrief/summary.md.j2", "graceful-no/summary.md.j2", "pilot-plan/summary.md.j2"} <= set(reached)


# Unescaped text found outside this area's files, reported to its owner: start of the text -> where.
def _unescaped(payloads) -> list[str]:
    found = []
    for payload in payloads:
        for text in _mrkdwn_texts(json.loads(payload)):
            if any(bad in text for bad in FORBIDDEN):
                found.append(text)
    return found


def test_nothing_queued_for_slack_carries_unescaped_hostile_text(renders):
    """Every payload queued (questions, review cards, App Homes, summaries, reminders) as Slack gets it."""
    _, _, payloads = renders
    assert len(payloads) > 50
    assert _unescaped(payloads) == []


def _mrkdwn_texts(node):
    """The strings Slack reads as mrkdwn: ``text`` of messages and mrkdwn text objects."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        elif "channel" in node and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _mrkdwn_texts(value)
