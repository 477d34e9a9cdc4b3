"""`/recover account ...` end to end over the signed HTTP endpoint: the lost account's map kept
per loss in SQLite, won units counted against the loss ("won back ... of ... in N months"),
the recovered figure in the plan's progress, and friendly refusals that keep what was given."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli.main import main

from bot.flows.recovery.messages import PROGRESS_ACTION
from bot.store import account_map as am
from bot.store import recovery as rs
from bot.store import runs as run_store
from tests.support.frozen_app import frozen_app
from tests.test_recover_flow import finish, plan_message, usd

REP, REP2 = "U0REP1", "U0REP2"


frozen, app, dm = frozen_app("2026-01-20T17:00:00Z")


def lost_enterprise_account(app, dm, user: str = REP) -> rs.PlanRecord:
    """The $4.5M story: a debrief of the lost contract (closed 15 Jan 2026, 100k kept), then its plan."""
    store = app.services.store
    run = run_store.create_run(store, playbook="debrief", playbook_version=1, user_id=user, team="west", cursor=None)
    for step, value in (("deal", "Northwind – enterprise licence"), ("account", "Northwind"), ("amount", usd(4_500_000)),
                        ("lost_renewal", True), ("retained_amount", usd(100_000)), ("close_date", "2026-01-15")):
        run_store.save_answer(store, run.id, step, value, cursor=None, skipped=[])
    run_store.mark_submitted(store, run.id)
    dm.command(user, "/recover")
    finish(dm, user, {})
    plan = rs.latest_plan(store, user)
    assert plan.unrecovered == usd(4_400_000)
    return plan


def say(dm, text: str, user: str = REP) -> str:
    reply = dm.command(user, "/recover", "account " + text)
    assert reply.status == 200
    return reply.json()["text"]


def test_account_map_from_slack_counts_won_departments_against_the_loss(app, dm, slack_api, frozen):
    plan = lost_enterprise_account(app, dm)
    store = app.services.store
    assert "No departments, offices or business units mapped yet" in say(dm, "")
    added = say(dm, 'add "Finance" contact="Ann Lee" relationship=champion value=1.2M next="Sign the order" '
                    'date=2026-03-02')
    assert "Added *Finance* to the map of Northwind" in added
    assert "won back *USD 0* of USD 4,400,000 in 0 months, USD 4,400,000 left." in added
    assert "Ann Lee (champion)" in added and "next: Sign the order by Mon 2 Mar 2026" in added
    say(dm, "add Munich office contact=Jo relationship=contact value=900k")
    say(dm, "add HR value=USD 300,000")
    # a retried or repeated add changes the one row, and only the fields typed
    assert "Updated *HR*" in say(dm, "add hr next=Intro call")
    units = am.units(store, plan_run_id=plan.run_id)
    assert [(u.name, u.value, u.relationship) for u in units] == [
        ("Finance", usd(1_200_000), "champion"), ("Munich office", usd(900_000), "contact"), ("HR", usd(300_000), "none")]
    assert units[2].next_step == "Intro call"

    frozen.move_to("2026-06-15T17:00:00Z")  # five whole months after the close on 15 Jan
    say(dm, 'won "Finance"')
    won = say(dm, "won Munich office")
    assert "Won: *Munich office*" in won
    assert "won back *USD 2,100,000* of USD 4,400,000 in 5 months, USD 2,300,000 left." in won
    assert "already had that status" in say(dm, "won Finance")  # a double click changes nothing
    assert "*HR* · lost" in say(dm, "lost HR")
    # the money adds up in SQL, in cents beside the currency
    assert store.db.execute("SELECT currency, SUM(value_cents) FROM recovery_account_units WHERE status = 'won'"
                            " GROUP BY currency").fetchall() == [("USD", 210_000_000)]
    # won units count against the loss in the plan's progress too
    dm.sender.event({"type": "app_home_opened", "user": REP, "tab": "home", "channel": "D" + REP})
    app.drain()
    home = json.dumps(slack_api.calls_to("views.publish")[-1].params["view"], ensure_ascii=False)
    assert "Winning lost accounts back" in home
    assert "*Northwind*: won back *USD 2,100,000* of USD 4,400,000 in 5 months · 2 of 3 mapped won" in home
    dm.command(REP, "/recover", "plan")
    plan_text = json.dumps(plan_message(slack_api)[1]["blocks"], ensure_ascii=False)
    assert "recovered so far *USD 2,100,000* · gap left *USD 2,300,000*" in plan_text
    # and in the team's weekly summary of the week they were won
    frozen.move_to("2026-06-22T17:00:00Z")
    settings = app.services.settings
    summary = CliRunner().invoke(main, ["summary", "--team", "west", "--week", "2026-W25", "--print"], env={
        "REBOUND_DB": str(settings.db_path), "REBOUND_TEAMS": str(settings.teams_path)}, catch_exceptions=False).output
    section = summary.split("Recovering lost revenue")[1]
    assert "recovered *USD 2,100,000* (USD 2,100,000 this week), gap left *USD 2,300,000*" in section, section


def test_account_map_refusals_are_friendly_and_keep_what_was_given(app, dm):
    assert "start with `/recover` to make a plan" in say(dm, "add Finance value=1M")
    plan = lost_enterprise_account(app, dm)
    say(dm, "add Finance value=1M")
    assert "the loss is in USD; give the value in USD too" in say(dm, "add Finance value=EUR 5")
    assert "relationship is none, contact or champion" in say(dm, "add Finance relationship=bestie")
    assert "There's no 'Legal' on this account's map (mapped: Finance)" in say(dm, "won Legal")
    assert "expected add, won, lost or open" in say(dm, "promote Finance")
    [unit] = am.units(app.services.store, plan_run_id=plan.run_id)
    assert unit.value == usd(1_000_000) and unit.relationship == "none" and unit.status == "open"
    # another rep's map is their own
    assert "start with `/recover`" in say(dm, "won Finance", user=REP2)


def test_open_units_rank_with_the_other_opportunities_and_their_menu_marks_them_won(app, dm, slack_api, frozen):
    plan = lost_enterprise_account(app, dm)
    say(dm, "add Finance relationship=champion value=1.2M date=2026-02-20")
    say(dm, "add Legal")  # no value yet: not ranked
    dm.command(REP, "/recover", "import\nOpportunity Name,Account,Amount,Probability,Close Date\n"
                                "Fleet,Pinecrest Foods,45000,70,2026-03-01")
    dm.command(REP, "/recover", "plan")
    ts, message = plan_message(slack_api)
    rows = [b for b in message["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert [row["text"]["text"].split("*")[1] for row in rows] == ["Northwind – Finance", "Fleet"]
    finance = rows[0]
    assert [o["value"] for o in finance["accessory"]["options"]] == ["won", "lost"]  # a department does not slip
    dm.sender.action(REP, PROGRESS_ACTION, block_id=finance["block_id"], selected_option="won", message_ts=ts)
    app.drain()
    [unit] = [u for u in am.units(app.services.store, plan_run_id=plan.run_id) if u.name == "Finance"]
    assert unit.status == "won" and unit.won_at == "2026-01-20T17:00:00+00:00"
    _, updated = plan_message(slack_api)
    text = json.dumps(updated["blocks"], ensure_ascii=False)
    assert "recovered so far *USD 1,200,000* · gap left *USD 3,200,000*" in text
    assert [b["text"]["text"].split("*")[1] for b in updated["blocks"]
            if b.get("accessory", {}).get("type") == "overflow"] == ["Fleet"]  # won: no longer to work
    assert any("Won: *Finance*" in t for t in dm.dm_texts(REP))
    # someone else's click on the unit is refused and changes nothing
    say(dm, "open Finance")
    dm.command(REP, "/recover", "plan")
    ts, message = plan_message(slack_api)
    finance = next(b for b in message["blocks"] if "Finance" in b.get("text", {}).get("text", "")
                   and b.get("accessory"))
    dm.sender.action(REP2, PROGRESS_ACTION, block_id=finance["block_id"], selected_option="won", message_ts=ts)
    app.drain()
    assert am.find_unit(app.services.store, plan.run_id, "finance").status == "open"
