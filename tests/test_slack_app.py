"""The Slack app end to end: signed HTTP requests in, Web API calls out, rows in SQLite."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.store import runs as run_store
from tests.support.dm_driver import DmDriver, typed, walk_to_review
from tests.support.rebound_app import start_app

EXAMPLES = PROJECT_ROOT / "examples" / "answers"
REP = "U0REP1"


# What each example's summary must say, worked out by hand from examples/answers/<id>.yml.
SUMMARY_LINES = {
    "debrief": ["*Closed-lost: Northwind Logistics – fleet analytics renewal* (Northwind Logistics) · USD 120,000"],
    "graceful-no": ["*Graceful no: Brightwater Health*", "*Dana's reasons, in their words* (Budget)"],
    "pilot-plan": ["*Pilot plan: Harbor Freight Lines*"],
    # 120,000 - 35,000 = 85,000 x 4 (25% win rate) = 340,000; 4 x 600,000 + 340,000 - 1,900,000 = 840,000
    "recover": ["• Unrecovered: *USD 85,000*", "Add USD 340,000 of new pipeline",
                "Pipeline shortfall (quota and loss): USD 840,000."],
}


def section_texts(post: dict) -> str:
    return "\n".join(block["text"]["text"] for block in post.get("blocks") or []
                     if block.get("type") == "section" and "text" in block)


@pytest.mark.parametrize("playbook_id", ["debrief", "graceful-no", "pilot-plan", "recover"])
def test_each_playbook_from_command_to_posted_summary(app, dm, slack_api, playbook_id):
    playbook = app.services.playbooks[playbook_id]
    answers = yaml.safe_load((EXAMPLES / f"{playbook_id}.yml").read_text())
    reply = dm.command(REP, playbook.command)
    assert reply.status == 200
    assert "in our DM" in reply.json()["text"]
    walk_to_review(dm, REP, playbook_id, answers)
    dm.click(REP, "Submit")

    run = run_store.list_runs(app.services.store, user_id=REP, playbook=playbook_id)[0]
    assert run.status == "submitted"
    assert run.team == "west"
    assert run.answers  # typed values in SQLite
    posted = [section_texts(p) for p in dm.posts_to(REP)]
    summary = next((text for text in posted if SUMMARY_LINES[playbook_id][0] in text), None)
    assert summary is not None, f"no DM post holds the {playbook_id} summary's title"
    for line in SUMMARY_LINES[playbook_id][1:]:
        assert line in summary
    for post in playbook.on_submit.posts:
        if post.to == "team_channel" and post.when is None:
            assert dm.posts_to("C0WEST"), "the team channel gets the summary"
    outbox_rows = app.services.store.db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
    assert dict(outbox_rows).get("failed") is None


def test_command_text_prefills_the_first_answer(app, dm):
    dm.command(REP, "/debrief", "Acme renewal")
    run = run_store.find_active(app.services.store, REP, "debrief")
    first = app.services.playbooks["debrief"].questions[0].id
    assert run.answers[first] == "Acme renewal"
    assert dm.screen(REP).step_id != first


def test_answered_question_is_updated_in_place(app, dm, slack_api):
    dm.command(REP, "/debrief")
    first = dm.screen(REP)
    dm.type(REP, "Acme renewal")
    updated = slack_api.messages[(first.channel, first.ts)]
    assert "✅" in json.dumps(updated["blocks"], ensure_ascii=False)
    assert "Acme renewal" in json.dumps(updated["blocks"])
    assert not any(b.get("type") == "actions" for b in updated["blocks"])


def test_invalid_answer_gets_a_friendly_reask_and_keeps_earlier_answers(app, dm):
    dm.command(REP, "/recover")
    screen = dm.screen(REP)
    step = app.services.playbooks["recover"].step(screen.step_id)
    assert step.type == "currency"
    before = len(dm.posts_to(REP))
    dm.type(REP, "a lot of money")
    notes = dm.posts_to(REP)[before:]
    assert len(notes) == 1 and "120k" in json.dumps(notes[0])
    assert dm.screen(REP).ts == screen.ts  # same question still on screen, not asked again


def test_bad_signature_and_stale_timestamp_get_401_and_touch_nothing(app, dm):
    assert dm.sender.signed_with("wrong-secret").command("/debrief", user_id=REP).status == 401
    assert dm.sender.stale().command("/debrief", user_id=REP).status == 401
    assert run_store.list_runs(app.services.store) == []


def test_user_in_no_team_gets_a_clear_message(app, dm):
    reply = dm.command("U0STRANGER", "/debrief")
    assert reply.status == 200
    assert "not on a team" in reply.json()["text"]
    assert run_store.list_runs(app.services.store) == []


def test_help_explains_the_command(app, dm):
    reply = dm.command(REP, "/pilot-plan", "help")
    assert "/pilot-plan" in reply.json()["text"]
    assert run_store.list_runs(app.services.store) == []


def test_second_command_mid_run_offers_resume(app, dm, slack_api):
    dm.command(REP, "/debrief", "Acme renewal")
    on_screen = dm.screen(REP)
    reply = dm.command(REP, "/debrief")
    body = reply.json()
    assert "in progress" in body["text"]
    labels = [e["text"]["text"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Resume", "Start over"]
    resume = next(e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"])
    dm.sender.action(REP, resume["action_id"], value=resume["value"], channel_id="C0SALES")
    app.drain()
    again = dm.screen(REP)
    assert again.step_id == on_screen.step_id and again.ts != on_screen.ts
    assert len(run_store.list_runs(app.services.store, user_id=REP)) == 1


def test_restart_mid_run_resumes(tmp_path, slack_api):
    first = start_app(tmp_path, slack_api)
    dm = DmDriver(first, slack_api)
    dm.command(REP, "/debrief", "Acme renewal")
    step_before = dm.screen(REP).step_id
    first.stop()

    second = start_app(tmp_path, slack_api)
    try:
        dm2 = DmDriver(second, slack_api)
        dm2.type(REP, "$120k")
        run = run_store.find_active(second.services.store, REP, "debrief")
        assert run.answers[step_before] == {"amount": 120000, "currency": "USD"}
    finally:
        second.stop()


def test_slack_retry_of_a_dm_is_recorded_once(app, dm):
    dm.command(REP, "/debrief")
    dm.type(REP, "Acme renewal", event_id="Ev0RETRY1")
    posts_after_first = len(dm.posts_to(REP))
    screen = dm.screen(REP)
    dm.type(REP, "Acme renewal", event_id="Ev0RETRY1", retry_num=1)
    assert len(dm.posts_to(REP)) == posts_after_first
    assert dm.screen(REP).ts == screen.ts
    run = run_store.find_active(app.services.store, REP, "debrief")
    assert run_store.history_of(app.services.store, run.id) == []


def test_double_click_answers_once(app, dm):
    dm.command(REP, "/debrief", "Acme renewal")
    dm.type(REP, "$120k")
    screen = dm.screen(REP)
    step = app.services.playbooks["debrief"].step(screen.step_id)
    assert step.type == "choice"
    dm.select(REP, step.options[0].value, screen=screen)
    posts = len(dm.posts_to(REP))
    dm.select(REP, step.options[1].value, screen=screen)  # the second click of a double click
    assert len(dm.posts_to(REP)) == posts
    run = run_store.find_active(app.services.store, REP, "debrief")
    assert run.answers[step.id] == step.options[0].value


def test_forged_action_on_another_users_run_is_refused(app, dm):
    dm.command(REP, "/debrief")
    victim = dm.screen(REP)
    dm.sender.action("U0REP2", "rb_answer:1", value="forged", block_id=victim.blocks[-1]["block_id"])
    dm.sender.action("U0REP2", "rb_cancel", value="cancel", block_id=victim.blocks[-1]["block_id"])
    app.drain()
    run = run_store.get_run(app.services.store, victim.run_id)
    assert run.status == "active" and run.answers == {}
    assert any("someone else" in text for text in dm.dm_texts("U0REP2"))


def test_widgets_back_skip_edit_and_cancel(app, dm):
    dm.command(REP, "/pilot-plan")
    playbook = app.services.playbooks["pilot-plan"]
    answers = yaml.safe_load((EXAMPLES / "pilot-plan.yml").read_text())
    # Back from the second question returns to the first, its answer shown
    first = dm.screen(REP)
    dm.type(REP, typed(answers[first.step_id]))
    dm.click(REP, "Back")
    assert dm.screen(REP).step_id == first.step_id
    assert "Current answer" in dm.screen(REP).text()
    dm.type(REP, typed(answers[first.step_id]))
    walk_to_review(dm, REP, "pilot-plan", answers, pick_dates=True)  # the date picker for date steps
    assert dm.screen(REP).step_id == "review"
    run = run_store.find_active(app.services.store, REP, "pilot-plan")
    dates = [s.id for s in playbook.questions if s.type == "date" and s.id in run.answers]
    assert dates, "date steps were answered with the picker"
    # Edit from the review card goes back to that question, then back to review
    dm.click(REP, "Edit")
    edited = dm.screen(REP)
    assert edited.step_id == playbook.questions[0].id
    dm.type(REP, "Acme Logistics (EMEA)")
    assert dm.screen(REP).step_id == "review"
    assert run_store.find_active(app.services.store, REP, "pilot-plan").answers[edited.step_id] == "Acme Logistics (EMEA)"
    dm.click(REP, "Cancel")
    assert run_store.get_run(app.services.store, run.id).status == "cancelled"


def test_app_home_shows_runs_and_managers_see_their_team(app, dm, slack_api):
    dm.command(REP, "/debrief", "Acme renewal")
    dm.sender.event({"type": "app_home_opened", "user": REP, "tab": "home", "channel": "D" + REP})
    dm.sender.event({"type": "app_home_opened", "user": "U0MGR1", "tab": "home", "channel": "DU0MGR1"})
    app.drain()
    published = {c.params["user_id"]: json.dumps(c.params["view"]) for c in slack_api.calls_to("views.publish")}
    assert "Acme renewal" in published[REP] and "Resume" in published[REP]
    assert "West Enterprise" in published["U0MGR1"]


def test_healthz_answers_when_database_is_reachable(app):
    import urllib.request

    with urllib.request.urlopen(app.url + "/healthz") as response:
        assert response.status == 200
        assert json.loads(response.read())["database"] == "reachable"


def test_multi_choice_checkboxes(app, dm):
    dm.command(REP, "/debrief", "Acme renewal")
    playbook = app.services.playbooks["debrief"]
    answers = yaml.safe_load((EXAMPLES / "debrief.yml").read_text())
    for _ in range(len(playbook.steps)):
        screen = dm.screen(REP)
        assert screen.step_id != "review", "the debrief has a multi-choice step"
        step = playbook.step(screen.step_id)
        if step.type == "multi_choice":
            values = [o.value for o in step.options[:2]]
            dm.check(REP, values)
            run = run_store.find_active(app.services.store, REP, "debrief")
            assert run.answers[step.id] == values
            return
        if step.id in answers and answers[step.id] is not None:
            dm.type(REP, typed(answers[step.id]))
        elif step.type == "yes_no":
            dm.click(REP, "Yes")
        else:
            dm.click(REP, "Skip")


def test_users_select_and_default_button(app, dm):
    """graceful-no: a person picked from a users-select, and a default taken with its button."""
    dm.command(REP, "/graceful-no")
    playbook = app.services.playbooks["graceful-no"]
    answers = yaml.safe_load((EXAMPLES / "graceful-no.yml").read_text())
    picked = used_default = False
    for _ in range(len(playbook.steps) * 2):
        screen = dm.screen(REP)
        if screen.step_id == "review":
            break
        step = playbook.step(screen.step_id)
        if step.type == "user":
            block = next(b for b in screen.blocks if b.get("type") == "actions" and "in" in b.get("block_id", ""))
            dm.sender.action(REP, block["elements"][0]["action_id"], block_id=block["block_id"],
                             selected_user="U0REP2", message_ts=screen.ts)
            app.drain()
            picked = True
        elif step.default is not None and not used_default:
            dm.click(REP, f"Use {step.default}")
            used_default = True
        elif step.type == "yes_no" and step.id == "obstacle_found":
            dm.click(REP, "Yes")
        elif answers.get(step.id) is not None:
            dm.type(REP, typed(answers[step.id]))
        elif step.type == "yes_no":
            dm.click(REP, "No")
        else:
            dm.click(REP, "Skip")
    run = run_store.find_active(app.services.store, REP, "graceful-no")
    assert picked and run.answers["obstacle_owner"] == "U0REP2"
    assert used_default
    defaulted = next(s for s in playbook.questions if s.default is not None)
    assert defaulted.id in run.answers
