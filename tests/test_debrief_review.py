"""A debrief from /debrief to the manager's review, over real HTTP: the rep's summary with the
coaching focus and the manager's likely questions, one review DM per manager with its two
buttons, clicks by the manager (and only the manager or head), and /debrief show."""

from __future__ import annotations

import json

import yaml

from bot.config import PROJECT_ROOT
from bot.flows.debrief.reports import WeeklySummaries
from bot.store import reports
from bot.store import runs as run_store
from tests.support.dm_driver import DmDriver, walk_to_review

REP, OTHER_REP, MANAGER, HEAD = "U0REP1", "U0REP2", "U0MGR1", "U0HEAD"
ANSWERS = yaml.safe_load((PROJECT_ROOT / "examples" / "answers" / "debrief.yml").read_text())
# The core only: enough for the review flow, and a quicker walk than the full example.
QUICK = {key: ANSWERS[key] for key in ("deal", "amount", "primary_reason", "competitor", "what_happened", "avoidable")}
QUICK["add_detail"] = "no"


def debrief(dm: DmDriver, user: str = REP, answers: dict = QUICK) -> run_store.Run:
    """Walk /debrief by typing the example answers (skipping the rest) and submit."""
    dm.command(user, "/debrief")
    walk_to_review(dm, user, "debrief", answers)
    dm.click(user, "Submit")
    return run_store.list_runs(dm.app.services.store, user_id=user, playbook="debrief")[0]


def review_message(slack_api, manager: str = MANAGER) -> tuple[str, str, dict]:
    found = [(channel, ts, message) for (channel, ts), message in slack_api.messages.items()
             if channel == "D" + manager and "just debriefed a lost deal" in json.dumps(message.get("blocks"))]
    assert len(found) == 1, f"expected one review DM for {manager}, got {len(found)}"
    return found[0]


def labels(message: dict) -> list[str]:
    return [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def click(dm: DmDriver, user: str, label: str, manager: str = MANAGER):
    channel, ts, message = review_message(dm.slack_api, manager)
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["text"]["text"] == label:
                reply = dm.sender.action(user, element["action_id"], value=element["value"],
                                         block_id=block["block_id"], message_ts=ts, channel_id=channel)
                dm.app.drain()
                return reply
    raise AssertionError(f"no {label!r} button; buttons: {labels(message)}")


def test_rep_summary_shows_coaching_focus_and_the_managers_questions(app, dm):
    run = debrief(dm, answers=ANSWERS)
    summary = json.dumps(dm.posts_to(REP)[-1]["blocks"], ensure_ascii=False)
    assert "Skill to practise:* presenting, communicating differentiation" in summary
    assert "What your manager is likely to ask" in summary
    assert "What did the competitor show that we didn&#39;t?" not in summary  # no HTML entities
    assert "What did the competitor show that we didn't?" in summary
    assert f"/debrief show {run.id}" in summary


def test_submit_sends_one_review_dm_per_manager_and_no_per_debrief_channel_posts(app, dm, slack_api):
    run = debrief(dm, answers=ANSWERS)
    channel, _, message = review_message(slack_api)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Skill worth coaching:* presenting, communicating differentiation" in text
    assert "Samsara" in text and "Worth asking in your next 1:1" in text
    assert labels(message) == ["Mark reviewed", "Schedule 1:1 review", "Add review notes"]
    assert dm.posts_to("C0PROD") == [] and dm.posts_to("C0ENAB") == []  # they get the weekly digest
    assert len(dm.posts_to("C0WEST")) == 1  # the team channel still sees the debrief
    assert dm.posts_to("C0PROD") == [] and dm.posts_to("C0ENAB") == []  # they get the weekly digest
    week = app.services.store.db.execute("SELECT week FROM debrief_facts").fetchone()[0]
    [fact] = reports.deals(app.services.store, "west", week)
    assert (fact["run_id"], fact["to_product"], fact["to_enablement"]) == (run.id, True, True)
    shown = json.dumps([m for (channel, _), m in slack_api.messages.items() if channel == "D" + REP])
    assert "shared it with team channel, managers" in shown


def test_manager_marks_reviewed_and_plans_a_one_on_one(app, dm, slack_api):
    run = debrief(dm)
    click(dm, MANAGER, "Schedule 1:1 review")
    review = reports.review_of(app.services.store, run.id)
    assert review["one_on_one_by"] == MANAGER and review["reviewed_by"] is None
    _, _, message = review_message(slack_api)
    assert labels(message) == ["Mark reviewed", "Add review notes"]
    assert "1:1 review planned by <@U0MGR1>" in json.dumps(message["blocks"])
    assert any("would like to go through your debrief" in t for t in dm.dm_texts(REP))

    click(dm, MANAGER, "Mark reviewed")
    review = reports.review_of(app.services.store, run.id)
    assert review["reviewed_by"] == MANAGER
    _, _, message = review_message(slack_api)
    assert labels(message) == ["Add review notes"]  # only notes are left to add
    assert "Reviewed by <@U0MGR1>" in json.dumps(message["blocks"])

    week = app.services.store.db.execute("SELECT week FROM debrief_facts").fetchone()[0]
    text = WeeklySummaries(app.services.tools).build(app.services.teams.get("west"), week).text
    assert "✅ reviewed by <@U0MGR1>" in text and "reviewed by a manager: 1 of 1" in text


def test_forged_clicks_by_non_managers_are_refused(app, dm, slack_api):
    run = debrief(dm)
    for intruder in (OTHER_REP, REP, "U0MGR2"):  # a teammate, the seller, another team's manager
        click(dm, intruder, "Mark reviewed")
        assert reports.review_of(app.services.store, run.id) is None
        assert any("someone else" in t for t in dm.dm_texts(intruder))
    _, _, message = review_message(slack_api)
    assert labels(message) == ["Mark reviewed", "Schedule 1:1 review", "Add review notes"]


def test_a_double_click_and_a_head_of_sales_click_record_once(app, dm, slack_api):
    run = debrief(dm)
    channel, ts, message = review_message(slack_api)
    block = next(b for b in message["blocks"] if b["type"] == "actions")
    button = block["elements"][0]
    for _ in range(2):  # the same delivery twice (Slack's retry)
        dm.sender.action(HEAD, button["action_id"], value=button["value"], block_id=block["block_id"],
                         message_ts=ts, channel_id=channel)
    app.drain()
    assert reports.review_of(app.services.store, run.id)["reviewed_by"] == HEAD
    click(dm, MANAGER, "Schedule 1:1 review")
    updates = [c for c in slack_api.calls_to("chat.update") if c.params.get("channel") == channel]
    assert len(updates) == 2  # one per recorded change, none for the repeat
    assert len([t for t in dm.dm_texts(REP) if "read your debrief" in t]) == 1


def test_debrief_show_opens_a_debrief_for_its_team_and_no_one_else(app, dm):
    run = debrief(dm)
    for viewer in (REP, MANAGER, HEAD):
        reply = dm.command(viewer, "/debrief", f"show {run.id}").json()
        assert "Northwind Logistics" in json.dumps(reply), viewer
    refused = dm.command(OTHER_REP, "/debrief", f"show {run.id}").json()
    assert "Northwind" not in json.dumps(refused) and "isn't yours to open" in refused["text"]
    unknown = dm.command(MANAGER, "/debrief", "show r000000000000 <!channel>").json()
    assert "can't find a debrief with the reference r000000000000" in unknown["text"]
    assert "<!channel>" not in json.dumps(unknown)
    assert "Add its reference" in dm.command(MANAGER, "/debrief", "show").json()["text"]


def test_a_manager_debriefing_their_own_loss_gets_no_review_dm(app, dm, slack_api):
    run = debrief(dm, user=MANAGER)  # managers may debrief too (the teams file makes them part of the team)
    # the debrief went through: its summary is in the manager's DM and the team channel has it
    mine = [json.dumps(m.get("blocks"), ensure_ascii=False) for (channel, _), m in slack_api.messages.items()
            if channel == "D" + MANAGER]
    assert any("*Closed-lost:" in text for text in mine) and len(dm.posts_to("C0WEST")) == 1
    assert run.status == "submitted" and run.user_id == MANAGER
    assert not any("just debriefed a lost deal" in json.dumps(m.get("blocks"))
                   for (channel, _), m in slack_api.messages.items() if channel == "D" + MANAGER)


def test_review_notes_in_a_modal_from_the_review_dm(app, dm, slack_api):
    run = debrief(dm)
    _, _, message = review_message(slack_api)
    assert labels(message)[-1] == "Add review notes"
    click(dm, OTHER_REP, "Add review notes")  # not their team's manager: nothing opens
    assert slack_api.calls_to("views.open") == []
    click(dm, MANAGER, "Add review notes")
    (opened,) = slack_api.calls_to("views.open")
    view = opened.params["view"]
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["n|coaching_action", "n|loss_reason", "n|one_on_one"]
    assert inputs["n|loss_reason"]["element"]["initial_option"]["value"] == run.answers["primary_reason"] == "competitor"
    assert inputs["n|one_on_one"]["element"]["type"] == "radio_buttons"
    state = {"n|coaching_action": {"v": {"type": "plain_text_input", "value": "   "}},
             "n|loss_reason": {"v": {"type": "static_select", "selected_option": {"value": "price"}}},
             "n|one_on_one": {"v": {"type": "radio_buttons", "selected_option": {"value": "yes"}}}}
    body = dm.sender.view_submission(MANAGER, "rb_review_notes", state, private_metadata=run.id).json()
    assert body == {"response_action": "errors",
                    "errors": {"n|coaching_action": "Please say what the rep will do differently."}}
    assert reports.review_notes_of(app.services.store, run.id) is None
    # someone else's submission of the same view changes nothing
    state["n|coaching_action"] = {"v": {"type": "plain_text_input", "value": "Multi-thread before the proposal"}}
    assert dm.sender.view_submission(OTHER_REP, "rb_review_notes", state, private_metadata=run.id).json() == {
        "response_action": "clear"}
    assert reports.review_notes_of(app.services.store, run.id) is None
    assert dm.sender.view_submission(MANAGER, "rb_review_notes", state, private_metadata=run.id).json() == {
        "response_action": "clear"}
    app.drain()
    notes = reports.review_notes_of(app.services.store, run.id)
    assert (notes["coaching_action"], notes["loss_reason"], notes["one_on_one_held"], notes["written_by"]) == (
        "Multi-thread before the proposal", "price", True, MANAGER)
    review = reports.review_of(app.services.store, run.id)
    assert review["reviewed_by"] == MANAGER and review["one_on_one_by"] == MANAGER
    told = json.dumps([p for p in dm.posts_to(REP)][-1], ensure_ascii=False)
    assert "added review notes" in told and "Multi-thread before the proposal" in told and "Price" in told


def test_the_weekly_summary_counts_a_review_with_notes_from_the_modal(app, dm, slack_api):
    run = debrief(dm)
    week = app.services.store.db.execute("SELECT week FROM debrief_facts").fetchone()[0]

    def overview() -> str:
        return WeeklySummaries(app.services.tools).build(app.services.teams.get("west"), week).text

    assert "reviewed by a manager: 0 of 1\n" in overview()
    click(dm, MANAGER, "Mark reviewed")
    assert "reviewed by a manager: 1 of 1, 0 with an agreed coaching action\n" in overview()
    state = {"n|coaching_action": {"v": {"type": "plain_text_input", "value": "Multi-thread before the proposal"}},
             "n|loss_reason": {"v": {"type": "static_select", "selected_option": {"value": "competitor"}}},
             "n|one_on_one": {"v": {"type": "radio_buttons", "selected_option": {"value": "no"}}}}
    assert dm.sender.view_submission(MANAGER, "rb_review_notes", state, private_metadata=run.id).json() == {
        "response_action": "clear"}
    app.drain()
    text = overview()
    assert "reviewed by a manager: 1 of 1, 1 with an agreed coaching action\n" in text
    assert "Multi-thread" not in text
