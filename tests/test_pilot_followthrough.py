"""Following a pilot through: editing makes versions, reminders survive downtime and go out
once across instances, cancelling stops them, an outcome without an agreed action asks what
happens now, an extension asks again at its end, and the forms refuse bad input kindly."""

from __future__ import annotations

import json
import threading

from bot.store import pilots as pilot_store
from bot.store import reminders
from bot.store import runs as run_store
from tests.pilot_support import app, dm, frozen  # noqa: F401 (fixtures: the app starts at SUBMITTED)
from tests.pilot_support import (EXAMPLE, REP, TEAM_CHANNEL, click_in, driver, edit_in_form, latest_with_action,
                                 messages_in, quick_plan, review_edit, submit_modal, text_of, uploaded_files)
from tests.support.modal_driver import ModalDriver
from tests.support.rebound_app import start_app


def texts(slack_api, channel: str) -> list[str]:
    return [text_of(message) for _, message in messages_in(slack_api, channel)]


def count(slack_api, channel: str, fragment: str) -> int:
    return sum(fragment in t for t in texts(slack_api, channel))


def pending(store, run_id: str) -> dict[str, str]:
    return {r.key.split(":", 2)[2]: r.due_at for r in reminders.upcoming(store, run_id=run_id)}


def test_editing_makes_a_new_version_and_keeps_the_history(app, dm, slack_api, frozen):
    store = app.services.store
    first = quick_plan(dm)
    frozen.move_to("2026-12-03T17:00:00Z")

    reply = dm.command(REP, "/pilot-plan", "edit harbor")
    assert "version 2" in reply.json()["text"]
    assert dm.screen(REP).step_id == "review"  # every answer is there, including the skipped decider
    review_edit(dm, REP, "end_date")
    assert dm.screen(REP).step_id == "form:pilot_terms"  # the end date is on the pilot's form page
    modal = ModalDriver(dm)
    modal.open(REP)
    assert modal.initial("s|end_date") == "2027-02-19" and modal.view["submit"]["text"] == "Save"
    modal.fill("s|end_date", "2027-03-05")
    assert modal.submit(REP).json() == {"response_action": "clear"}
    assert dm.screen(REP).step_id == "review"
    dm.click(REP, "Submit")

    pilot = pilot_store.get(store, first.id)
    assert (pilot.version, pilot.end_date, pilot.status) == (2, "2027-03-05", "open")
    history = pilot_store.versions(store, pilot.id)
    assert [(v.version, v.run_id, v.changed) for v in history] == [
        (1, first.current_run_id, []), (2, pilot.current_run_id, ["end_date"])]
    # the first version stays as it was submitted
    assert run_store.get_run(store, first.current_run_id).answers["end_date"] == "2027-02-19"
    # its reminders are replaced by the new version's, at the new dates
    assert pending(store, first.current_run_id) == {}
    assert pending(store, pilot.current_run_id)["before_end_user"] == "2027-03-04T17:00:00+00:00"
    assert pending(store, pilot.current_run_id)["outcome:1"] == "2027-03-05T23:00:00+00:00"
    # version 2 of the agreement, saying what it replaces; the team sees what changed
    v2 = [f for f in uploaded_files(slack_api) if f["filename"].endswith("-v2.md")][0]["content"]
    assert "Version 2 of 3 December 2026, replacing version 1 of 1 December 2026" in v2
    assert "to 5 March 2027" in v2
    card = texts(slack_api, TEAM_CHANNEL)[-1]
    assert "Pilot plan updated: Harbor Freight Lines" in card and "Changed: end date" in card
    assert "replaces version 1" in card


def test_edit_button_on_the_team_card_is_the_reps_alone(app, dm, slack_api):
    quick_plan(dm)
    click_in(dm, "U0REP2", TEAM_CHANNEL, "Edit plan")
    assert run_store.find_active(app.services.store, "U0REP2", "pilot-plan") is None
    assert any("someone else" in t for t in texts(slack_api, "U0REP2"))
    click_in(dm, REP, TEAM_CHANNEL, "Edit plan")
    edit = run_store.find_active(app.services.store, REP, "pilot-plan")
    assert edit is not None and edit.meta["pilot_id"].startswith("p")
    assert dm.screen(REP).step_id == "review"


def test_edit_after_the_midpoint_does_not_send_it_again(app, dm, slack_api, frozen):
    pilot = quick_plan(dm)
    frozen.move_to("2027-01-13T17:00:00Z")
    app.services.tick()
    app.drain()
    assert count(slack_api, REP, "Halfway through") == 1
    dm.command(REP, "/pilot-plan", "edit")
    edit_in_form(dm, REP, "scope", "Route planning for Tacoma, Spokane and Boise")
    dm.click(REP, "Submit")
    frozen.move_to("2027-01-13T18:00:00Z")
    app.services.tick()
    app.drain()
    assert count(slack_api, REP, "Halfway through") == 1
    dm.command(REP, "/pilot-plan", "edit")  # and a third version: still once
    edit_in_form(dm, REP, "scope", "Route planning for Tacoma, Spokane, Boise and Reno")
    dm.click(REP, "Submit")
    app.services.tick()
    app.drain()
    assert count(slack_api, REP, "Halfway through") == 1
    assert pilot_store.get(app.services.store, pilot.id).version == 3
    current = pilot_store.get(app.services.store, pilot.id).current_run_id
    assert set(pending(app.services.store, current)) == {"before_end_user", "before_end_team", "outcome:1"}


def test_reminders_catch_up_after_downtime_and_go_out_once_across_instances(tmp_path, slack_api, frozen):
    first = start_app(tmp_path, slack_api)
    quick_plan(driver(first, slack_api))
    first.stop()  # down from before the mid-point until after the day before the end

    frozen.move_to("2027-02-18T20:00:00Z")
    second, third = start_app(tmp_path, slack_api), start_app(tmp_path, slack_api)
    try:
        barrier = threading.Barrier(2)

        def tick(app):
            barrier.wait()
            app.services.tick()

        threads = [threading.Thread(target=tick, args=(app,)) for app in (second, third)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        second.drain()
        third.drain()
        for channel in (REP, TEAM_CHANNEL):
            assert count(slack_api, channel, "Halfway through the Harbor Freight Lines pilot") == 1
            assert count(slack_api, channel, "ends on Friday 19 February") == 1
        for app in (second, third, second):
            app.services.tick()
            app.drain()
        assert count(slack_api, REP, "Halfway through") == 1 and count(slack_api, REP, "ends on Friday") == 1
    finally:
        second.stop()
        third.stop()


def test_cancelling_a_pilot_stops_its_reminders(app, dm, slack_api, frozen):
    pilot = quick_plan(dm)
    reply = dm.command(REP, "/pilot-plan", "cancel Harbor")
    assert "Cancelled the Harbor Freight Lines pilot" in reply.json()["text"]
    assert pilot_store.get(app.services.store, pilot.id).status == "cancelled"
    assert pending(app.services.store, pilot.current_run_id) == {}
    assert "Pilot cancelled: Harbor Freight Lines" in texts(slack_api, TEAM_CHANNEL)[-1]
    frozen.move_to("2027-02-20T00:00:00Z")
    app.services.tick()
    app.drain()
    assert count(slack_api, REP, "Halfway") == 0 and count(slack_api, REP, "How did the") == 0
    assert "no pilots running" in dm.command(REP, "/pilot-plan", "edit").json()["text"]


def test_no_agreed_action_asks_what_now_and_an_extension_asks_again_at_its_end(app, dm, slack_api, frozen):
    store = app.services.store
    pilot = quick_plan(dm, answers={**EXAMPLE, "inconclusive_action": None})
    frozen.move_to("2027-02-19T23:00:00Z")
    app.services.tick()
    app.drain()
    click_in(dm, REP, REP, "Inconclusive")
    assert "Nothing was agreed for *inconclusive*" in texts(slack_api, REP)[-1]
    assert pilot_store.get(store, pilot.id).action is None
    click_in(dm, REP, REP, "Extend the pilot", action_prefix="rb_pilot_action")
    pilot = pilot_store.get(store, pilot.id)
    assert (pilot.status, pilot.action, pilot.end_date) == ("extended", "extend", "2027-03-19")
    assert "runs on until Fri 19 Mar 2027" in texts(slack_api, REP)[-1]
    assert pending(store, pilot.current_run_id) == {"outcome:2": "2027-03-19T22:00:00+00:00"}  # PDT by then

    frozen.move_to("2027-03-19T22:00:00Z")
    app.services.tick()
    app.drain()
    _, form = latest_with_action(slack_api, REP, "rb_pilot_outcome")
    assert "was extended to Fri 19 Mar 2027" in text_of(form)
    click_in(dm, REP, REP, "All criteria met", inputs={"pilot_measure_0": "13.5%"})
    pilot = pilot_store.get(store, pilot.id)
    assert (pilot.status, pilot.outcome_round, pilot.action) == ("closed", 2, "buy")
    assert [o.outcome for o in pilot_store.outcomes(store, pilot.id)] == ["inconclusive", "all_met"]
    assert "Next: the full deal, USD 120,000" in texts(slack_api, REP)[-1]
    assert not any("rb_pilot_cost" in t for t in texts(slack_api, REP))  # a bought deal cost no mistake


def test_outcome_now_list_and_a_stale_form(app, dm, slack_api):
    store = app.services.store
    pilot = quick_plan(dm)
    listing = dm.command(REP, "/pilot-plan", "list").json()["text"]
    assert "Harbor Freight Lines" in listing and "version 1" in listing and "2 open items" in listing
    assert "`/pilot-plan edit Harbor Freight Lines`" in listing
    assert "sent you the outcome form" in dm.command(REP, "/pilot-plan", "outcome").json()["text"]
    ts, form = latest_with_action(slack_api, REP, "rb_pilot_outcome")
    click_in(dm, REP, REP, "Not met")
    pilot = pilot_store.get(store, pilot.id)
    assert (pilot.status, pilot.action) == ("closed", "stop")
    # the outcome modal submitted again (a second window still open) changes nothing
    modal = slack_api.calls_to("views.open")[-1].params["view"]
    assert modal["callback_id"] == "rb_pilot_outcome"
    reply = submit_modal(dm, REP, modal, {}, choose="All criteria met")
    assert reply.json() == {"response_action": "clear"}
    # and the old form's button opens nothing any more
    opened = len(slack_api.calls_to("views.open"))
    record = next(e for b in form["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["text"]["text"] == "Record the outcome")
    dm.sender.action(REP, record["action_id"], value=record["value"], message_ts=ts)
    app.drain()
    assert len(slack_api.calls_to("views.open")) == opened
    assert [o.outcome for o in pilot_store.outcomes(store, pilot.id)] == ["not_met"]
    assert "no pilots running" in dm.command(REP, "/pilot-plan", "outcome").json()["text"]


def test_cost_form_refuses_what_cannot_be_right_and_keeps_the_form(app, dm, slack_api):
    pilot = quick_plan(dm)
    dm.command(REP, "/pilot-plan", "outcome")
    click_in(dm, REP, REP, "Not met")  # agreed: stop; the cost form comes next, recovered 0 filled in
    _, form = latest_with_action(slack_api, REP, "rb_pilot_cost")
    errors = lambda reply: reply.json()["errors"]  # noqa: E731 - refused beside the field, in the modal
    reply = click_in(dm, REP, REP, "Record the cost", inputs={"pilot_cost_hours": "Jordan Blake | 30 | 500 EUR"})
    opened = slack_api.calls_to("views.open")[-1]  # the cost modal opened, recovered 0 filled in for a stop
    assert opened.params["view"]["callback_id"] == "rb_pilot_cost"
    recovered = next(b for b in opened.params["view"]["blocks"] if b.get("block_id") == "pilot_cost_recovered")
    assert recovered["element"]["initial_value"] == "0"
    assert "The deal is in USD" in errors(reply)["pilot_cost_hours"]
    reply = click_in(dm, REP, REP, "Record the cost", inputs={"pilot_cost_hours": "Jordan Blake | lots | 500",
                                                              "pilot_cost_recovered": "0"})
    assert list(errors(reply)) == ["pilot_cost_hours"] and "Item 1, Hours" in errors(reply)["pilot_cost_hours"]
    reply = click_in(dm, REP, REP, "Record the cost", inputs={"pilot_cost_hours": "Jordan Blake | 30 | 500",
                                                              "pilot_cost_recovered": "$200k"})
    assert "more than the full value" in errors(reply)["pilot_cost_recovered"]
    assert pilot_store.get(app.services.store, pilot.id).cost is None
    reply = click_in(dm, REP, REP, "Record the cost", inputs={"pilot_cost_hours": "Jordan Blake | 30 | 500",
                                                              "pilot_cost_recovered": "0"})
    assert reply.json() == {"response_action": "clear"}
    cost = pilot_store.get(app.services.store, pilot.id).cost
    assert (cost["effort_cost"], cost["value_lost"]["amount"]) == ({"amount": 15000, "currency": "USD"}, 120000)
    assert not any("rb_pilot_cost" in json.dumps(m.get("blocks")) for _, m in messages_in(slack_api, REP))
