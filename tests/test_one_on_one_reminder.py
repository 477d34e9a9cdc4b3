""""Schedule 1:1 review" schedules something: over signed HTTP the manager clicks it, picks the
day in the date picker that follows, and on that day at 09:00 in the team's time zone the
reminder DM goes out, once, however often the scheduler ticks."""

from __future__ import annotations

import json
from datetime import datetime, timezone


from bot.store import reminders
from tests.support.frozen_app import frozen_app
from tests.test_debrief_review import MANAGER, QUICK, click, debrief

PICKER = "rb_review_remind_on"
WEDNESDAY = "2026-11-18T18:00:00Z"  # 10:00 in Los Angeles (the west team's zone)


frozen, app, dm = frozen_app(WEDNESDAY)


def tick_at(app, frozen, at: str) -> None:
    moment = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
    frozen.move_to(moment)
    assert app.services.tick(moment) == []
    app.drain()


def picker_message(slack_api) -> tuple[str, str, dict]:
    found = [(channel, ts, m) for (channel, ts), m in slack_api.messages.items()
             if channel == "D" + MANAGER and PICKER in json.dumps(m.get("blocks"))]
    assert len(found) == 1, f"expected one date picker DM, got {len(found)}"
    return found[0]


def pick(dm, day: str, user: str = MANAGER):
    channel, ts, message = picker_message(dm.slack_api)
    [block] = [b for b in message["blocks"] if b["type"] == "actions"]
    dm.sender.action(user, PICKER, block_id=block["block_id"], selected_date=day, message_ts=ts, channel_id=channel)
    dm.app.drain()


def reminder_dms(slack_api) -> list[str]:
    return [json.dumps(c.params.get("blocks"), ensure_ascii=False) for c in slack_api.calls_to("chat.postMessage")
            if c.params.get("channel") == MANAGER and "Today: your 1:1 review" in json.dumps(c.params.get("blocks"),
                                                                                               ensure_ascii=False)]


def test_the_manager_is_reminded_once_on_the_picked_day(app, dm, slack_api, frozen):
    run = debrief(dm, answers=QUICK)
    click(dm, MANAGER, "Schedule 1:1 review")
    pick(dm, "2026-11-20")
    [scheduled] = reminders.upcoming(app.services.store, kind="debrief_one_on_one")
    assert scheduled.due_at.startswith("2026-11-20T17:00:00")  # Friday 09:00 PST
    assert any("I'll remind you on Fri 20 Nov at 09:00" in text for text in dm.dm_texts(MANAGER))
    tick_at(app, frozen, "2026-11-20T16:59:59")
    assert reminder_dms(slack_api) == []  # one second early: nothing yet
    for at in ("2026-11-20T17:00:00", "2026-11-20T17:00:30", "2026-11-21T09:00:00"):
        tick_at(app, frozen, at)
    [sent] = reminder_dms(slack_api)
    assert "Today: your 1:1 review of *Northwind" in sent and "with <@U0REP1>" in sent
    assert f"/debrief show {run.id}" in sent


def test_picking_another_day_moves_the_reminder(app, dm, slack_api, frozen):
    debrief(dm, answers=QUICK)
    click(dm, MANAGER, "Schedule 1:1 review")
    pick(dm, "2026-11-20")
    pick(dm, "2026-11-24")
    pending = reminders.upcoming(app.services.store, kind="debrief_one_on_one")
    assert [r.due_at[:19] for r in pending] == ["2026-11-24T17:00:00"]
    tick_at(app, frozen, "2026-11-20T17:00:00")
    assert reminder_dms(slack_api) == []
    tick_at(app, frozen, "2026-11-24T17:00:00")
    assert len(reminder_dms(slack_api)) == 1


def test_a_past_day_is_refused_kindly_and_schedules_nothing(app, dm, slack_api):
    debrief(dm, answers=QUICK)
    click(dm, MANAGER, "Schedule 1:1 review")
    pick(dm, "2026-11-17")
    assert reminders.upcoming(app.services.store, kind="debrief_one_on_one") == []
    assert any("That day has passed" in text for text in dm.dm_texts(MANAGER))
