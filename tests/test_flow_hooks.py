"""The extension points of bot/flows/hooks.py, end to end: a fifth flow, written the way a
newcomer would (one package beside the others, one playbook, its prompts), plugs in through
``extensions(tools)`` alone. Its button, subcommand, after-summary message, App Home section
and scheduled task work through the real HTTP endpoint, the Web API stand-in and SQLite."""

from __future__ import annotations

import importlib.util
import json
import shutil
import textwrap
from datetime import datetime, timezone

import pytest

from bot import ids
from bot.config import PROJECT_ROOT
from bot.flows import load_flows
from bot.flows.hooks import ActionHook, FlowExtensions, Hooks, HookClash, ReminderHook, SubcommandHook
from bot.jobs.reminders import ReminderDispatcher
from bot.store import outbox
from bot.store import runs as run_store
from tests.support.dm_driver import DmDriver
from tests.support.rebound_app import start_app

REP, OTHER = "U0REP1", "U0REP2"

TALLY_PLAYBOOK = """\
id: tally
title: Tally
description: Count one thing, a flow that exists only in this test.
version: 1
command: /tally
intro: Let's count something.
steps:
  - id: thing
    ask: What are you counting?
    type: text
on_submit:
  summary: tally/summary.md.j2
"""

# bot/flows/tally/__init__.py as a newcomer would write it after copying a neighbour.
TALLY_FLOW = '''\
"""Tally: after the summary, a button that counts one more; `/tally count`; a line in App Home."""

from bot.conversation.inputs import ActionInput, Reply
from bot.flows.hooks import ActionHook, FlowExtensions, FlowTools, SubcommandHook
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.store import outbox
from bot.store import runs as run_store
from bot import ids

PLAYBOOK = "tally"
BUMP = "rb_tally_bump"
TICKS = []


def extensions(tools: FlowTools) -> FlowExtensions:
    def offer(run):
        if run.playbook != PLAYBOOK:
            return
        text = tools.renderer.render("tally/offer.md.j2", {"thing": run.answers["thing"]})
        blocks = [bk.section(text), {"type": "actions", "block_id": ids.ActionValue(run.id, value="tally").encode(),
                  "elements": [sm.button("Add one", BUMP, ids.ActionValue(run.id, value="bump").encode())]}]
        outbox.enqueue(tools.store, f"tally-offer:{run.id}", "chat.postMessage",
                       {"channel": run.user_id, "text": bk.fallback_text(text), "blocks": blocks}, run_id=run.id)

    def bump(action: ActionInput, context: ids.ActionValue) -> None:
        run = tools.conversations.load(context.run_id, action.user_id)  # Forbidden for anyone else
        count = int(run.meta.get("count", 0)) + 1
        run_store.update_meta(tools.store, run.id, {"count": count})
        text = tools.renderer.render("tally/counted.md.j2", {"thing": run.answers["thing"], "count": count})
        outbox.enqueue(tools.store, f"tally-count:{run.id}:{count}", "chat.postMessage",
                       {"channel": run.user_id, "text": text, "blocks": sm.note_blocks(text)}, run_id=run.id)

    def runs_of(user_id):
        return [r for r in run_store.list_runs(tools.store, user_id=user_id, status="submitted") if r.playbook == PLAYBOOK]

    def count(user_id: str, rest: str) -> Reply:
        total = sum(int(run_store.get_run(tools.store, r.id).meta.get("count", 0)) for r in runs_of(user_id))
        return Reply(f"You have counted {total}.")

    def home(user_id):
        runs = runs_of(user_id)
        return [("Tallies", [(f"{len(runs)} tally", None)])] if runs else []

    return FlowExtensions(
        after_summary=(offer,),
        actions=(ActionHook(BUMP, bump),),
        subcommands=(SubcommandHook("/tally", "count", count),),
        home_sections=(home,),
        tick_tasks=(TICKS.append,),
    )
'''


@pytest.fixture
def tally_app(tmp_path, slack_api):
    """The real app with the real playbooks, prompts and flows, plus the tally flow as a package."""
    playbooks, prompts = tmp_path / "playbooks", tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "playbooks", playbooks)
    shutil.copytree(PROJECT_ROOT / "prompts", prompts)
    (playbooks / "tally.yml").write_text(TALLY_PLAYBOOK)
    (prompts / "tally").mkdir()
    (prompts / "tally" / "summary.md.j2").write_text("Counting {{ thing }}.")
    (prompts / "tally" / "offer.md.j2").write_text("Count *{{ thing }}* again?")
    (prompts / "tally" / "counted.md.j2").write_text("{{ thing }}: {{ count }}")
    package = tmp_path / "extra" / "tally_flow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(TALLY_FLOW))
    spec = importlib.util.spec_from_file_location("tally_flow", package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    tally = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tally)
    running = start_app(tmp_path, slack_api, env={"REBOUND_PLAYBOOKS": str(playbooks), "REBOUND_PROMPTS": str(prompts)},
                        flows=[*load_flows(), tally])
    yield running, tally
    running.stop()


def _finish_tally(dm: DmDriver, user: str, thing: str) -> None:
    dm.command(user, "/tally")
    dm.type(user, thing)
    dm.click(user, "Submit")


def _offer_button(slack_api, user: str) -> tuple[dict, dict]:
    for (channel, _ts), message in sorted(slack_api.messages.items(), key=lambda kv: kv[0][1], reverse=True):
        for block in message.get("blocks") or []:
            if channel == "D" + user and block.get("type") == "actions":
                for element in block["elements"]:
                    if element["action_id"] == "rb_tally_bump":
                        return block, element
    raise AssertionError("no Add one button in the DM")


def test_fifth_flow_button_reaches_its_handler_through_http(tally_app, slack_api):
    app, tally = tally_app
    dm = DmDriver(app, slack_api)
    _finish_tally(dm, REP, "demos <booked>")
    assert any("Count *demos &lt;booked&gt;* again?" in json.dumps(p["blocks"]) for p in dm.posts_to(REP))
    block, button = _offer_button(slack_api, REP)

    reply = dm.sender.action(REP, button["action_id"], value=button["value"], block_id=block["block_id"])
    assert reply.status_code == 200
    app.drain()
    run_id = ids.ActionValue.decode(button["value"]).run_id
    assert run_store.get_run(app.services.store, run_id).meta["count"] == 1
    assert outbox.get(app.services.store, f"tally-count:{run_id}:1").status == "sent"
    assert [p["text"] for p in dm.posts_to(REP) if p["text"].startswith("demos")] == ["demos &lt;booked&gt;: 1"]

    dm.sender.action(REP, button["action_id"], value=button["value"], block_id=block["block_id"])
    app.drain()
    reply = dm.command(REP, "/tally", "count")
    assert "You have counted 2." in reply.text


def test_fifth_flow_button_refuses_another_rep(tally_app, slack_api):
    app, _ = tally_app
    dm = DmDriver(app, slack_api)
    _finish_tally(dm, REP, "calls")
    block, button = _offer_button(slack_api, REP)
    reply = dm.sender.action(OTHER, button["action_id"], value=button["value"], block_id=block["block_id"])
    app.drain()
    assert reply.status_code == 200
    run_id = ids.ActionValue.decode(button["value"]).run_id
    assert "count" not in run_store.get_run(app.services.store, run_id).meta
    [refusal] = dm.posts_to(OTHER)  # the chat's own "not yours" note, as for any flow's button
    assert refusal["text"] == app.services.screens.say("not_yours")


def test_fifth_flow_home_section_and_tick_task(tally_app, slack_api):
    app, tally = tally_app
    dm = DmDriver(app, slack_api)
    _finish_tally(dm, REP, "meetings")
    dm.sender.event({"type": "app_home_opened", "user": REP, "tab": "home"})
    app.drain()
    [published] = [c.params for c in slack_api.calls_to("views.publish") if c.params.get("user_id") == REP]
    assert "1 tally" in json.dumps(published["view"])
    now = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)
    assert app.services.tick(now) == []
    assert tally.TICKS == [now]


def test_two_flows_claiming_one_button_are_refused_at_start_up():
    hooks = Hooks()
    hooks.add(FlowExtensions(actions=(ActionHook("rb_same", lambda a, c: None),)), flow="first")
    with pytest.raises(HookClash, match="second claims the button 'rb_same'"):
        hooks.add(FlowExtensions(actions=(ActionHook("rb_same", lambda a, c: None),)), flow="second")
    hooks.add(FlowExtensions(subcommands=(SubcommandHook("/x", "Show", lambda u, r: None),)), flow="first")
    with pytest.raises(HookClash, match="subcommand"):
        hooks.add(FlowExtensions(subcommands=(SubcommandHook("/x", "show", lambda u, r: None),)), flow="second")


def test_a_flow_may_not_take_over_playbook_reminders(store):
    with pytest.raises(ValueError, match="playbook_reminder"):
        ReminderDispatcher(store, None, None, None, handlers={"playbook_reminder": lambda reminder: None})
    hooks = Hooks()
    hooks.add(FlowExtensions(reminders=(ReminderHook("pilot_outcome", print),)), flow="pilots")
    dispatcher = ReminderDispatcher(store, None, None, None, handlers=hooks.reminders)
    assert sorted(dispatcher.handlers) == ["pilot_outcome", "playbook_reminder"]


def test_every_flow_has_the_same_shape():
    """What a newcomer copies: PLAYBOOK naming a real playbook, extensions(tools), and the same modules."""
    for flow in load_flows():
        folder = PROJECT_ROOT / "bot" / "flows" / flow.__name__.rsplit(".", 1)[1]
        assert (PROJECT_ROOT / "playbooks" / f"{flow.PLAYBOOK}.yml").exists(), flow.__name__
        assert callable(flow.extensions), flow.__name__
        assert {"__init__.py", "service.py", "messages.py", "reports.py"} <= {p.name for p in folder.glob("*.py")}
