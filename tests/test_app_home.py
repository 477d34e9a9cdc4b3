"""App Home that starts things: a button per flow opening the run in the DM, the rep's open items
(pilot outcomes due, debriefs owed, check-backs this week, recovery progress), and for managers
the team's reviews waiting and a link to the last summary. Through the real endpoint; every view
is validated by the Web API stand-in."""

from __future__ import annotations

import json

from freezegun import freeze_time

from bot.flows.debrief.reports import WeeklySummaries
from bot.store import pilots as pilot_store
from bot.store import runs as run_store
from tests.pilot_support import EXAMPLE, driver, quick_plan
from tests.test_graceful_no import ANSWERS as GRACEFUL, walk as walk_graceful

REP, REP2, MANAGER, OUTSIDER = "U0REP1", "U0REP2", "U0MGR1", "U0NOBODY"


def open_home(dm, user: str) -> list[str]:
    """Open the user's App Home; the texts of the view Slack was given, block by block."""
    before = len(dm.slack_api.calls_to("views.publish"))
    dm.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    dm.app.drain()
    calls = [c for c in dm.slack_api.calls_to("views.publish")][before:]
    [call] = [c for c in calls if c.params["user_id"] == user]
    view = call.params["view"]
    return [_text(block) for block in view["blocks"]]


def _text(block: dict) -> str:
    if block["type"] == "actions":
        return "[" + "] [".join(e["text"]["text"] for e in block["elements"]) + "]"
    if block["type"] == "divider":
        return "---"
    text = block.get("text", {}).get("text") or " ".join(e.get("text", "") for e in block.get("elements", []))
    accessory = block.get("accessory")
    return text + (f" [{accessory['text']['text']}]" if accessory else "")


def click_home(dm, user: str, label: str):
    """Click a button of the user's last published App Home, as Slack sends it (from a view)."""
    view = [c.params for c in dm.slack_api.calls_to("views.publish") if c.params["user_id"] == user][-1]["view"]
    for block in view["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["text"]["text"] == label:
                reply = dm.sender.action(user, element["action_id"], value=element.get("value"),
                                         block_id=block.get("block_id"), view={"blocks": view["blocks"]})
                dm.app.drain()
                return reply
    raise AssertionError(f"no {label!r} button in {user}'s App Home")


def debrief(dm, user: str, deal: str) -> None:
    dm.command(user, "/debrief")
    for text in (deal, "$40k", "Price", "They picked the cheaper option.", "no", "skip"):
        dm.type(user, text)
    dm.click(user, "Submit")


def test_rep_home_starts_flows_and_lists_open_items(app, slack_api):
    dm = driver(app, slack_api)
    losing = {**EXAMPLE, "account": "Globex Freight"}
    quick_plan(dm, REP)  # Harbor Freight Lines, ends Fri 19 Feb 2027
    globex = quick_plan(dm, REP, losing)
    with app.services.store.transaction():  # the Globex pilot ended in a stop, and nobody debriefed it
        pilot_store.record_outcome(app.services.store, globex.id, round=1, run_id=globex.current_run_id,
                                   outcome="not_met", agreed_action="stop", decided_by="Maya Chen",
                                   measurements=[], recorded_by=REP)
        pilot_store.decide(app.services.store, globex.id, round=1, action="stop", status=pilot_store.CLOSED)
    dm.command(REP, "/graceful-no")
    walk_graceful(dm, REP, {**GRACEFUL, "check_back": "2027-02-25", "offer_debrief": "no"})
    dm.click(REP, "Submit")
    dm.command(REP, "/debrief", "Initech")

    with freeze_time("2027-02-22T18:00:00Z"):  # Monday 22 Feb in Los Angeles
        home = open_home(dm, REP)
    assert home[:3] == ["Rebound", "[Debrief a loss] [Plan a pilot] [Graceful no] [Recovery plan]", "---"]
    assert home[3:8] == [
        "*Your open items*",
        "Pilot outcome due: *Harbor Freight Lines* (ended Fri 19 Feb). `/pilot-plan outcome` records it.",
        "Debrief owed: the pilot with *Globex Freight* ended in stop. `/debrief` takes 90 seconds.",
        "Check-back this week: *Brightwater Health* with Dana, Thu 25 Feb",
        "---",
    ]
    assert home[8] == "*Your conversations in progress*"
    assert home[9].startswith("*Closed-lost debrief* — Initech · ") and home[9].endswith(" [Resume]")
    assert not any("reviews and summary" in line or line.startswith("[Settings") for line in home)


def test_home_start_button_opens_the_run_in_the_dm_once(app, dm, slack_api):
    open_home(dm, REP)
    click_home(dm, REP, "Debrief a loss")
    [run] = run_store.list_runs(app.services.store, user_id=REP)
    assert run.playbook == "debrief" and run.source == "slack"
    assert dm.screen(REP).step_id == "deal"
    # a second click (or the home opened again) offers Resume in the DM, no second run
    click_home(dm, REP, "Debrief a loss")
    assert len(run_store.list_runs(app.services.store, user_id=REP)) == 1
    assert "You already have a closed-lost debrief in progress" in dm.dm_texts(REP)[-1]
    assert '"text": "Resume"' in dm.dm_texts(REP)[-1]


def test_home_start_from_a_person_on_no_team_says_why(app, dm):
    open_home(dm, OUTSIDER)
    click_home(dm, OUTSIDER, "Plan a pilot")
    assert run_store.list_runs(app.services.store, user_id=OUTSIDER) == []
    assert "You're not on a team in Rebound yet" in dm.dm_texts(OUTSIDER)[-1]


def test_manager_home_shows_reviews_waiting_and_the_last_summary_link(app, slack_api):
    dm = driver(app, slack_api)
    with freeze_time("2026-11-24T17:00:00Z"):  # Tuesday of ISO week 48
        debrief(dm, REP, "Acme renewal")
        debrief(dm, REP2, "Globex expansion")
        # the manager reviews Acme from the review DM
        [review] = [p for p in dm.posts_to(MANAGER) if "Acme renewal" in json.dumps(p)]
        button = next(e for b in review["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["text"]["text"] == "Mark reviewed")
        dm.sender.action(MANAGER, button["action_id"], value=button.get("value"), block_id=None)
        app.drain()
    home = open_home(dm, MANAGER)
    team_at = home.index("*West Enterprise: reviews and summary*")
    assert home[team_at + 1].startswith("Review waiting: *Globex expansion* from <@U0REP2>, submitted Tue 24 Nov")
    assert home[team_at + 2] == "No weekly summary posted yet; it goes to <#C0WEST>."
    assert not any("Acme renewal" in line and "Review waiting" in line for line in home)
    assert "[Settings: West Enterprise]" in home

    team = app.services.teams.get("west")
    before = len(slack_api.calls_to("chat.postMessage"))
    WeeklySummaries(app.services.tools).post(team, "2026-W48")
    app.drain()
    first_page = slack_api.calls_to("chat.postMessage")[before]
    assert first_page.params["channel"] == "C0WEST"
    ts = first_page.response["ts"]
    home = open_home(dm, MANAGER)
    team_at = home.index("*West Enterprise: reviews and summary*")
    assert home[team_at + 2] == (f"Last summary: <https://slack.com/archives/C0WEST/p{ts.replace('.', '')}|the 2026-W48 "
                                 "summary> in <#C0WEST>")
    rep_home = open_home(dm, REP)
    assert not any("reviews and summary" in line or line.startswith("[Settings") for line in rep_home)
