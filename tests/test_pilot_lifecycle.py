"""A pilot over the real Slack endpoint, with time frozen: /pilot-plan, the agreement file and
the team card, reminders at the mid-point and the business day before the end (team's
time zone), the outcome form on the end date, the cost of the mistake and the debrief."""

from __future__ import annotations

import json

from bot.store import pilots as pilot_store
from bot.store import reminders
from bot.store import runs as run_store
from tests.pilot_support import app, dm, frozen  # noqa: F401 (fixtures: the app starts at SUBMITTED)
from tests.pilot_support import (EXAMPLE, REP, TEAM_CHANNEL, click_in, latest_with_action, messages_in, plan_pilot,
                                 text_of, uploaded_files)
from tests.support.modal_driver import ModalDriver

# Harbor Freight Lines, 7 Dec 2026 to Fri 19 Feb 2027, team West in America/Los_Angeles (UTC-8).
MIDPOINT = "2027-01-13T17:00:00Z"      # 13 Jan, 09:00 in Los Angeles
BEFORE_END = "2027-02-18T17:00:00Z"    # Thu 18 Feb, 09:00: one business day before Fri 19 Feb
OUTCOME_ASKED = "2027-02-19T23:00:00Z"  # Fri 19 Feb, 15:00


def tick(app, frozen, moment: str) -> None:
    frozen.move_to(moment)
    assert app.services.tick() == []
    app.drain()


def texts(slack_api, channel: str) -> list[str]:
    return [text_of(message) for _, message in messages_in(slack_api, channel)]


def test_pilot_from_plan_through_reminders_to_recorded_outcome(app, dm, slack_api, frozen):
    store = app.services.store
    pilot = plan_pilot(dm)

    # The plan: a pilot at version 1, its reminders in the team's time zone
    assert (pilot.status, pilot.version, pilot.team, pilot.end_date) == ("open", 1, "west", "2027-02-19")
    due = {r.key.rsplit(":", 1)[-1] if r.kind == "playbook_reminder" else "outcome": r.due_at
           for r in reminders.upcoming(store, run_id=pilot.current_run_id)}
    assert due == {"midpoint_user": "2027-01-13T17:00:00+00:00", "midpoint_team": "2027-01-13T17:00:00+00:00",
                   "before_end_user": "2027-02-18T17:00:00+00:00", "before_end_team": "2027-02-18T17:00:00+00:00",
                   "outcome": "2027-02-19T23:00:00+00:00"}

    # The agreement: two files in the rep's DM; the card in the team channel with an Edit button
    files = uploaded_files(slack_api)
    assert [f["filename"] for f in files] == ["pilot-agreement-harbor-freight-lines-v1.md",
                                              "pilot-agreement-harbor-freight-lines-v1.txt"]
    assert {f["channel"] for f in files} == {"D" + REP}
    card = texts(slack_api, TEAM_CHANNEL)[-1]
    assert "Pilot planned: Harbor Freight Lines" in card and "Edit plan" in card and "Version 1" in card

    # Nothing before its time; then the mid-point, to the rep and the team, once
    tick(app, frozen, "2027-01-13T16:59:00Z")
    assert not any("Halfway" in t for t in texts(slack_api, REP))
    tick(app, frozen, MIDPOINT)
    assert sum("Halfway through the Harbor Freight Lines pilot" in t for t in texts(slack_api, REP)) == 1
    assert sum("Halfway through" in t for t in texts(slack_api, TEAM_CHANNEL)) == 1

    tick(app, frozen, BEFORE_END)
    assert any("ends on Friday 19 February" in t for t in texts(slack_api, REP))
    assert any("ends on Friday 19 February" in t for t in texts(slack_api, TEAM_CHANNEL))

    # The end date: the outcome form, one input per criterion and a button per outcome
    tick(app, frozen, OUTCOME_ASKED)
    _, form = latest_with_action(slack_api, REP, "rb_pilot_outcome")
    buttons = [e["text"]["text"] for b in form["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Record the outcome"]

    click_in(dm, REP, REP, "Partly met", inputs={"pilot_measure_0": "13%", "pilot_measure_2": "92%"})
    # the button opened a modal: one input per criterion, then a radio per outcome
    modal = slack_api.calls_to("views.open")[-1].params["view"]
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == [c["metric"] for c in EXAMPLE["criteria"]] + ["What happened?"]
    assert [o["text"]["text"] for o in inputs[-1]["element"]["options"]] == [
        "All criteria met", "Partly met", "Not met", "Inconclusive", "Blocked from outside"]
    pilot = pilot_store.get(store, pilot.id)
    assert (pilot.status, pilot.outcome, pilot.action) == ("closed", "partly_met", "re_scope")
    (recorded,) = pilot_store.outcomes(store, pilot.id)
    assert [m["measured"] for m in recorded.measurements] == ["13%", None, "92%"]
    assert reminders.upcoming(store, run_id=pilot.current_run_id) == []
    # the form was replaced by a transcript line (no button to click twice)
    assert not any("rb_pilot_outcome" in t for t in texts(slack_api, REP))
    team_post = texts(slack_api, TEAM_CHANNEL)[-1]
    assert "Pilot outcome: Harbor Freight Lines" in team_post and "Re-scope" in team_post and "13%" in team_post

    # Re-scoped = only partly saved: the cost of the mistake, as in the domain notes
    click_in(dm, REP, REP, "Record the cost", inputs={
        "pilot_cost_hours": "Jordan Blake | 30 | $500\nAisha Karim | 10 | 500", "pilot_cost_recovered": "$60k"})
    cost = pilot_store.get(store, pilot.id).cost
    assert (cost["hours"], cost["effort_cost"]["amount"], cost["value_lost"]["amount"], cost["net"]["amount"]) == (
        40, 20000, 60000, 40000)
    assert any("What the Harbor Freight Lines pilot cost" in t and "USD 60,000" in t
               for t in texts(slack_api, TEAM_CHANNEL))

    # ... and a debrief, prefilled with the pilot's facts
    click_in(dm, REP, REP, "Start a debrief")
    debrief = run_store.find_active(store, REP, "debrief")
    assert debrief.answers["deal"] == "Harbor Freight Lines: Route planning for all 14 depots"
    assert debrief.answers["amount"] == {"amount": 120000, "currency": "USD"}
    assert debrief.answers["primary_reason"] == "pilot_failed"
    assert "partly met" in debrief.answers["what_happened"] and "13%" in debrief.answers["what_happened"]
    assert pilot_store.get(store, pilot.id).debrief_run_id == debrief.id
    assert dm.screen(REP).run_id == debrief.id  # the debrief's next question is on screen

    # Later ticks remind nobody of a closed pilot (the weekly summary may report its outcome)
    posts = len(slack_api.calls_to("chat.postMessage"))
    tick(app, frozen, "2027-03-01T17:00:00Z")
    later = [json.dumps(c.params, ensure_ascii=False) for c in slack_api.calls_to("chat.postMessage")[posts:]]
    assert not [p for p in later if any(word in p for word in ("Halfway", "ends on", "How did the", "rb_pilot"))]


def test_agreement_document_says_what_was_agreed(app, dm, slack_api):
    plan_pilot(dm)
    markdown, text = (f["content"] for f in uploaded_files(slack_api))
    assert markdown.startswith("# Pilot agreement: Harbor Freight Lines\n")
    for fragment in (
        "Route planning for all 14 depots · pilot from 7 December 2026 to 19 February 2027",
        "Version 1 of 1 December 2026",
        "- Pilot fee: USD 20,000",
        "- Full deal if the pilot succeeds: USD 120,000",
        "- Maya Chen, VP Operations (sponsor)",
        "Decision on the full deal: Maya Chen",
        "1. Empty miles per route: target 14% or less (today: 18%). Measured by Tom Okafor:",
        "2. Planner hours per day on routing: target Under 2 hours (today: still to measure).",
        "- All criteria met: Buy the full deal, decided by Maya Chen",
        "- Partly met: Re-scope, decided by someone still to be named",
        "Any extension ends on 19 March 2027 at the latest",
        "- Telematics exports from the Spokane depot arrive a week late. How we'll handle it:",
        "## Open items to settle before the pilot starts",
        "- [ ] Baseline still to measure for: Planner hours per day on routing",
        "- [ ] Name who decides if the criteria are partly met",
        "- For Harbor Freight Lines: Maya Chen",
        "- Date: 2 December 2026",
    ):
        assert fragment in markdown, fragment
    # the plain text says the same, without Markdown
    assert text.startswith("PILOT AGREEMENT: HARBOR FREIGHT LINES\n=====")
    assert "Open items to settle before the pilot starts\n---" in text
    assert "[ ] Name who decides if the criteria are partly met" in text and "#" not in text
    assert "- [ ]" not in text
    # Slack mrkdwn escaping is for Slack only: the shared document keeps "&" and "<" as typed
    assert "&amp;" not in markdown


def test_plan_with_gaps_names_them_before_submit_and_shows_them_everywhere(app, dm, slack_api):
    answers = {**EXAMPLE, "decision_maker": None, "partly_met_action": None, "customer_signer": None,
               "criteria": [{**EXAMPLE["criteria"][0], "target": None}, *EXAMPLE["criteria"][1:]],
               "end_date": "2027-04-30", "extension_end": "2027-05-31"}
    dm.command(REP, "/pilot-plan")
    from tests.pilot_support import answer_everything

    answer_everything(dm, REP, answers)
    review = dm.screen(REP).text()
    for gap in ("Name the person at Harbor Freight Lines who decides on the full deal",
                "Agree a measurable target for: Empty miles per route",
                "Agree what happens if the criteria are partly met"):
        assert gap in review
    assert "You can submit anyway" in review
    assert "longer than your team" in review  # 144 days against the default 90
    assert any("more than 90 is unusual" in t for t in texts(slack_api, REP))  # warned when answered
    dm.click(REP, "Submit")

    (pilot,) = pilot_store.list_pilots(app.services.store, user_id=REP)
    assert pilot.gap_count == 6
    markdown = uploaded_files(slack_api)[0]["content"]
    assert "- [ ] Agree a measurable target for: Empty miles per route" in markdown
    assert "Decision on the full deal: to be named (see open items)" in markdown
    assert "- Partly met: to be agreed, decided by someone still to be named" in markdown
    assert "6 open items before the start" in texts(slack_api, TEAM_CHANNEL)[-1]


def test_typing_a_target_without_a_number_is_pushed_back_politely(app, dm, slack_api):
    """The criteria are a form page: a target without a number comes back beside that field, in
    the words the DM used to re-ask with, and the page stays open with what was typed."""
    dm.command(REP, "/pilot-plan")
    playbook = app.services.playbooks["pilot-plan"]
    for step_id in ("account", "deal"):
        dm.type(REP, EXAMPLE[step_id])
    modal = ModalDriver(dm)
    modal.open(REP)
    while json.loads(modal.view["private_metadata"])["f"] != "criteria":
        modal.fill_answers(playbook, EXAMPLE)
        modal.submit(REP)
    for field, value in {"metric": "Happier planners", "target": "Better", "how_measured": "survey",
                         "measured_by": "Luis Ortega"}.items():
        modal.fill(f"l|criteria|0|{field}", value)
    reply = modal.submit(REP)
    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["l|criteria|0|target"]
    assert "give it a number" in body["errors"]["l|criteria|0|target"]
    assert modal.view is not None and modal.values["l|criteria|0|target"]["v"]["value"] == "Better"
    assert "criteria" not in app.services.conversations.load(dm.screen(REP).run_id, REP).answers
    modal.fill("l|criteria|0|target", "4 of 5 planners")
    assert "response_action" in modal.submit(REP).json()
    assert json.loads(modal.view["private_metadata"])["f"] == "outcomes"
