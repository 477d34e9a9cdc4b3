"""The whole loop over the signed Slack endpoint and the Web API stand-in: a deal arrives, the
owner is found by email and nudged within a minute, "Debrief it" starts the debrief prefilled
from the CRM, the rep answers the rest and submits, and the deal counts as debriefed. Also
"Not now", "Not mine", the one reminder after N business days, and /debrief offering a deal
the CRM already sent. Time is frozen; the ticker is called by hand."""

from __future__ import annotations

import json
import time

import pytest
from freezegun import freeze_time

from bot.store import deals as deal_store
from bot.store import reminders
from bot.store import runs as run_store
from tests.support.dm_driver import DmDriver
from tests.support.rebound_app import start_app
from tests.test_crm_webhook import DEAL, SECRET, post

REP, OTHER, MANAGER = "U0REP1", "U0REP2", "U0MGR1"
def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


TUESDAY_9AM_LA = "2026-12-01T17:00:00Z"  # 1 Dec 2026, 09:00 in Los Angeles (team west)


@pytest.fixture
def crm_app(tmp_path, slack_api):
    running = start_app(tmp_path, slack_api, env={"REBOUND_CRM_SECRET": SECRET})
    yield running
    running.stop()


@pytest.fixture
def dm(crm_app, slack_api) -> DmDriver:
    """The DM driver on this module's app, signing with the frozen clock."""
    driver = DmDriver(crm_app, slack_api)
    driver.sender.clock = lambda: time.time()
    return driver


def nudges(slack_api, user: str) -> list[tuple[str, dict]]:
    """(ts, message) of the messages in the user's DM holding the nudge's buttons, oldest first."""
    found = []
    for (channel, ts), message in sorted(slack_api.messages.items(), key=lambda kv: kv[0][1]):
        if channel == "D" + user and "rb_crm_debrief" in dumps(message.get("blocks")):
            found.append((ts, message))
    return found


def click(crm_app, dm, user: str, ts: str, message: dict, label: str, **selected):
    for block in message["blocks"]:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("text", {}).get("text") == label or (selected and element["type"] == "users_select"):
                reply = dm.sender.action(user, element["action_id"], value=element.get("value"),
                                         block_id=block.get("block_id"), message_ts=ts, **selected)
                crm_app.drain()
                return reply
    raise AssertionError(f"no {label!r} in {dumps(message['blocks'])}")


def arrive_and_nudge(crm_app, slack_api, frozen, deal=None) -> tuple[str, dict]:
    """Post the deal, let the ticker run for a minute, and return the nudge in the rep's DM."""
    slack_api.emails["rita@example.com"] = REP
    body = {**(deal or DEAL)}
    body.pop("owner_slack_id", None)
    body["owner_email"] = "Rita@Example.com"
    assert post(crm_app.url, body)[0] == 200
    crm_app.drain()  # the users.lookupByEmail call, sent at once
    for _ in range(2):  # ticks every 30 seconds: the first reads Slack's answer, the next nudges
        frozen.tick(30)
        crm_app.services.tick()
        crm_app.drain()
    (nudge,) = nudges(slack_api, REP)
    return nudge


def test_nudge_button_prefilled_debrief_and_submit_mark_the_deal_debriefed(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA) as frozen:
        ts, message = arrive_and_nudge(crm_app, slack_api, frozen, {**DEAL, "reason": "Went dark"})
        store = crm_app.services.store
        deal = deal_store.get(store, "006ACME")
        assert (deal["user_id"], deal["owner_via"], deal["team"]) == (REP, "lookup", "west")
        assert deal_store.cached_email(store, "rita@example.com") == ("found", REP)
        assert [c.params["email"] for c in slack_api.calls_to("users.lookupByEmail")] == ["rita@example.com"]
        text = dumps(message)
        assert "*Acme renewal* (Acme Corp) closed lost in the CRM." in text
        assert "USD 120,000 · closed Mon 30 Nov 2026 · the CRM says: Went dark" in text
        labels = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert labels == ["Debrief it (90 seconds)", "Not now", "Not mine"]

        click(crm_app, dm, REP, ts, message, "Debrief it (90 seconds)")
        run = run_store.find_active(store, REP, "debrief")
        assert run.meta["crm_deal"] == "006ACME"
        assert run.answers == {"deal": "Acme renewal", "amount": {"amount": 120000, "currency": "USD"},
                               "account": "Acme Corp", "close_date": "2026-11-30", "crm_ref": "006ACME"}
        # "Went dark" is no reason of ours: suggested, not forced, so the reason is asked first
        assert dm.screen(REP).step_id == "primary_reason"
        started = next(t for t in dm.dm_texts(REP) if "I started your debrief" in t)
        assert "(the deal, the amount, the account, the close date, the CRM id)" in started
        assert "The CRM's loss reason is \\\"Went dark\\\"" in started
        assert "Debrief of *Acme renewal* started" in dumps(slack_api.messages[("D" + REP, ts)])

        dm.select(REP, "no_decision")
        dm.type(REP, "They went quiet after the security review and never came back.")
        dm.click(REP, "No")
        dm.click(REP, "Skip")  # more detail
        screen = dm.screen(REP)
        assert screen.step_id == "review"
        for shown in ("Acme renewal", "USD 120,000", "Acme Corp", "2026", "006ACME"):
            assert shown in screen.text()
        dm.click(REP, "Submit")

        run = run_store.get_run(store, run.id)
        assert run.status == "submitted"
        deal = deal_store.get(store, "006ACME")
        assert (deal["status"], deal["run_id"]) == ("debriefed", run.id)
        assert reminders.upcoming(store, kind="crm_reminder") == []  # no reminder for a debriefed deal
        fact = crm_app.services.store.db.execute("SELECT week, close_date FROM debrief_facts").fetchone()
        assert fact == ("2026-W49", "2026-11-30")  # counted in the week it closed, not this one
        # a second click on the old nudge starts nothing
        before = len(run_store.list_runs(store, user_id=REP, playbook="debrief"))
        click(crm_app, dm, REP, ts, message, "Debrief it (90 seconds)")
        assert len(run_store.list_runs(store, user_id=REP, playbook="debrief")) == before


def test_known_reason_and_competitor_are_prefilled_and_the_rep_answers_only_the_rest(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA) as frozen:
        ts, message = arrive_and_nudge(crm_app, slack_api, frozen,
                                       {**DEAL, "reason": "Lost to Competitor", "competitor": "Initech"})
        click(crm_app, dm, REP, ts, message, "Debrief it (90 seconds)")
        run = run_store.find_active(crm_app.services.store, REP, "debrief")
        assert (run.answers["primary_reason"], run.answers["competitor"]) == ("competitor", "Initech")
        # what the competitor showed is the CRM's gap: the rep is asked it (optional), then the story
        assert dm.screen(REP).step_id == "competitor_showed"


def test_the_nudge_comes_within_a_minute_and_once(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA) as frozen:
        assert post(crm_app.url, DEAL)[0] == 200  # owner_slack_id given: no lookup
        crm_app.services.tick()
        crm_app.drain()
        assert len(nudges(slack_api, REP)) == 1
        assert post(crm_app.url, DEAL)[1]["status"] == "unchanged"
        assert post(crm_app.url, {**DEAL, "amount": 99})[1]["status"] == "updated"
        frozen.tick(60)
        crm_app.services.tick()
        crm_app.drain()
        assert len(nudges(slack_api, REP)) == 1
        assert slack_api.calls_to("users.lookupByEmail") == []


def test_one_reminder_after_two_business_days_then_overdue(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA) as frozen:
        assert post(crm_app.url, DEAL)[0] == 200
        crm_app.services.tick()
        crm_app.drain()
        store = crm_app.services.store
        (remind,) = reminders.upcoming(store, kind="crm_reminder")
        assert remind.due_at == "2026-12-03T17:00:00+00:00"  # Thursday 09:00 in Los Angeles
        frozen.move_to("2026-12-03T16:59:00Z")
        crm_app.services.tick()
        crm_app.drain()
        assert len(nudges(slack_api, REP)) == 1
        frozen.move_to("2026-12-03T17:00:00Z")
        crm_app.services.tick()
        crm_app.drain()
        assert len(nudges(slack_api, REP)) == 2
        assert "A reminder: *Acme renewal* (Acme Corp) is still waiting" in dumps(nudges(slack_api, REP)[1])
        assert deal_store.get(store, "006ACME")["reminded_at"] is not None
        for day in ("2026-12-04T17:00:00Z", "2026-12-07T17:00:00Z", "2026-12-14T17:00:00Z"):
            frozen.move_to(day)
            crm_app.services.tick()
            crm_app.drain()
        assert len(nudges(slack_api, REP)) == 2  # nobody is nagged daily
        from bot.flows.crm_intake.reports import CrmReports

        (row,) = CrmReports(crm_app.services.store).listing(undebriefed=True)
        assert (row["status"], row["age_days"]) == ("overdue", 14)


def test_friday_reminder_waits_over_the_weekend():
    from datetime import date

    from bot.jobs.schedule import business_days_after, next_business_day

    assert business_days_after(date(2026, 12, 4), 2) == date(2026, 12, 8)  # Fri -> Tue
    assert business_days_after(date(2026, 12, 5), 1) == date(2026, 12, 7)  # Sat -> Mon
    assert next_business_day(date(2026, 12, 4)) == date(2026, 12, 7)
    assert next_business_day(date(2026, 12, 1)) == date(2026, 12, 2)


def test_not_now_snoozes_to_the_next_business_day(crm_app, dm, slack_api):
    with freeze_time("2026-12-04T18:00:00Z") as frozen:  # Friday 10:00 in Los Angeles
        assert post(crm_app.url, DEAL)[0] == 200
        crm_app.services.tick()
        crm_app.drain()
        (ts, message), = nudges(slack_api, REP)
        click(crm_app, dm, REP, ts, message, "Not now")
        snoozed = dumps(slack_api.messages[("D" + REP, ts)])
        assert "I'll ask about *Acme renewal* again on Monday 7 Dec" in snoozed
        assert "rb_crm_debrief" not in snoozed
        store = crm_app.services.store
        assert reminders.get(store, "crm-snooze:006ACME:2026-12-07").due_at == "2026-12-07T17:00:00+00:00"
        frozen.move_to("2026-12-07T17:00:00Z")
        crm_app.services.tick()
        crm_app.drain()
        assert len(nudges(slack_api, REP)) == 1  # the new nudge (the old one was redrawn without buttons)
        assert nudges(slack_api, REP)[0][0] != ts


def test_not_mine_asks_who_and_tells_that_persons_manager(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA):
        assert post(crm_app.url, {**DEAL, "owner_slack_id": "U0REP3"})[0] == 200  # emea's rep
        crm_app.services.tick()
        crm_app.drain()
        (ts, message), = nudges(slack_api, "U0REP3")
        click(crm_app, dm, "U0REP3", ts, message, "Not mine")
        picker = slack_api.messages[("DU0REP3", ts)]
        assert "Whose deal is *Acme renewal*?" in dumps(picker)
        # someone else can't answer for the owner
        click(crm_app, dm, REP, ts, picker, "", selected_user=OTHER)
        assert deal_store.get(crm_app.services.store, "006ACME")["user_id"] == "U0REP3"
        click(crm_app, dm, "U0REP3", ts, picker, "", selected_user=REP)
        deal = deal_store.get(crm_app.services.store, "006ACME")
        assert (deal["user_id"], deal["team"], deal["owner_via"], deal["disowned_by"]) == (
            REP, "west", "reassigned", "U0REP3")
        told = [p for p in dm.posts_to(MANAGER) if "isn't theirs" in dumps(p)]
        assert len(told) == 1
        assert "<@U0REP3> says *Acme renewal* (Acme Corp), USD 120,000, isn't theirs but <@U0REP1>'s." in \
            dumps(told[0])
        assert "I told <@U0MGR1>" in dumps(slack_api.messages[("DU0REP3", ts)])
        assert reminders.upcoming(crm_app.services.store, kind="crm_reminder") == []


def test_debrief_command_offers_the_deal_the_crm_already_sent(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA):
        assert post(crm_app.url, DEAL)[0] == 200
        reply = dm.command(REP, "/debrief", "acme")
        text = dumps(reply.json())
        assert "This looks like a deal the CRM already sent me" in text and "Acme renewal" in text
        assert run_store.find_active(crm_app.services.store, REP, "debrief") is None  # nothing started twice
        offer = reply.json()
        button = next(b["accessory"] for b in offer["blocks"] if b.get("accessory"))
        dm.sender.action(REP, button["action_id"], value=button["value"], block_id="b")
        crm_app.drain()
        run = run_store.find_active(crm_app.services.store, REP, "debrief")
        assert run.meta["crm_deal"] == "006ACME" and run.answers["deal"] == "Acme renewal"
        # another deal's name starts the ordinary debrief
        other = dm.command(OTHER, "/debrief", "Globex")
        assert "CRM" not in dumps(other.json())


def test_crm_text_is_escaped_in_the_nudge(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA):
        hostile = {**DEAL, "name": "<!channel> *Acme* & co", "account": "<https://evil.example|click>",
                   "reason": "<@U0HEAD>"}
        assert post(crm_app.url, hostile)[0] == 200
        crm_app.services.tick()
        crm_app.drain()
        (_, message), = nudges(slack_api, REP)
        text = dumps(message["blocks"])
        assert "&lt;!channel&gt; *Acme* &amp; co" in text and "<!channel>" not in text
        assert "&lt;https://evil.example|click&gt;" in text and "<@U0HEAD>" not in text


def test_a_loss_older_than_30_days_is_recorded_but_nobody_is_nudged(crm_app, dm, slack_api):
    with freeze_time(TUESDAY_9AM_LA):
        assert post(crm_app.url, {**DEAL, "close_date": "2026-10-31"})[1]["status"] == "new"  # 31 days
        assert post(crm_app.url, {**DEAL, "crm_id": "006B", "close_date": "2026-11-01"})[1]["status"] == "new"
        crm_app.services.tick()
        crm_app.drain()
        assert [m["blocks"][-1]["block_id"] for _, m in nudges(slack_api, REP)] == [
            '{"r":"006B","s":"crm","v":"crm-nudge:006B:post"}']
        assert deal_store.get(crm_app.services.store, "006ACME")["status"] == "waiting"


def test_forget_deletes_a_persons_deals_and_their_email(crm_app, slack_api):
    from bot.store import runs as run_store_

    with freeze_time(TUESDAY_9AM_LA) as frozen:
        arrive_and_nudge(crm_app, slack_api, frozen)
    counts = run_store_.forget_user(crm_app.services.store, REP)
    assert (counts["crm_deals"], counts["crm_owner_emails"]) == (1, 1)
    assert deal_store.listed(crm_app.services.store) == []


def test_an_imported_deal_is_a_debrief_owed_in_the_owners_app_home_until_debriefed(crm_app, dm, slack_api):
    from tests.test_app_home import open_home

    with freeze_time(TUESDAY_9AM_LA):
        assert post(crm_app.url, {**DEAL, "account": "Acme <Corp> & Co"})[0] == 200
        assert post(crm_app.url, {**DEAL, "crm_id": "006OTHER", "owner_slack_id": OTHER})[0] == 200
        home = open_home(dm, REP)
        assert "Debrief owed: *Acme renewal* (Acme &lt;Corp&gt; &amp; Co), USD 120,000, closed 30 Nov" in home
        assert sum(line.startswith("Debrief owed:") for line in home) == 1  # OTHER's deal is not the rep's
        with crm_app.services.store.transaction():
            deal_store.update(crm_app.services.store, "006ACME", {"status": deal_store.DEBRIEFED})
        assert not any(line.startswith("Debrief owed:") for line in open_home(dm, REP))
