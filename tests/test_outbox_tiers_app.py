"""The real app under Slack's rate limits: signed requests in, the paced outbox out, and a
Web API stand-in that enforces the tiers (429 with Retry-After). Time is frozen and stepped
by hand, so "within 2 s" is measured on the clock the app and the stand-in both read."""

from __future__ import annotations

import json
import math
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from freezegun import freeze_time

from bot.config import PROJECT_ROOT
from bot.store import outbox
from tests.support.dm_driver import DmDriver, typed
from tests.support.rebound_app import start_app, write_teams

NOW = datetime(2026, 11, 24, 17, tzinfo=timezone.utc)
STEP = 0.25  # seconds of frozen time between drains
REPS = [f"U0R{n:03d}" for n in range(30)]
ANSWERS = yaml.safe_load((PROJECT_ROOT / "examples" / "answers" / "debrief.yml").read_text(encoding="utf-8"))
TEAMS = f"""\
teams:
  - id: field
    name: Field Sales
    summary_channel: C0FIELD
    managers: [U0MGR1]
    members: [{", ".join(REPS)}]
    timezone: America/Los_Angeles
"""


@pytest.fixture
def frozen():
    with freeze_time(NOW) as clock:
        yield clock


@pytest.fixture
def paced(tmp_path, slack_api, frozen):
    """The app with its production pacer, and Slack enforcing the tiers on the frozen clock."""
    write_teams(tmp_path, TEAMS)
    running = start_app(tmp_path, slack_api, paced=True)
    slack_api.enforce_tiers(clock=lambda: time.time())
    yield running
    running.stop()


def drain_now(app) -> None:
    """What the worker threads do at this instant: drain until nothing more goes out."""
    for _ in range(50):
        report = app.services.sender.drain(limit=500)
        if not (report.sent or report.skipped or report.failed or report.retried):
            return


def driver(app, slack_api) -> DmDriver:
    dm = DmDriver(app, slack_api)
    dm.sender = dm.sender._copy(clock=lambda: time.time())  # sign with the frozen clock Bolt checks
    return dm


def screen_ts(dm: DmDriver, user: str) -> str | None:
    try:
        return dm.screen(user).ts
    except AssertionError:
        return None


def wait_for_screens(app, dm: DmDriver, frozen, before: dict[str, str | None], most: float = 30.0) -> dict[str, float]:
    """Step frozen time until every rep has a newer question than ``before``; seconds each waited."""
    waited: dict[str, float] = {}
    elapsed = 0.0
    while True:
        drain_now(app)
        for user in REPS:
            if user not in waited and screen_ts(dm, user) != before[user]:
                waited[user] = elapsed
        if len(waited) == len(REPS) or elapsed >= most:
            return waited
        frozen.tick(timedelta(seconds=STEP))
        elapsed += STEP


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.95 * len(ordered))) - 1]


def test_thirty_reps_answering_at_once_get_their_next_question_within_two_seconds(paced, slack_api, frozen):
    dm = driver(paced, slack_api)
    for user in REPS:
        assert dm.sender.command("/debrief", "", user_id=user).status == 200
    firsts = wait_for_screens(paced, dm, frozen, {user: None for user in REPS})
    assert len(firsts) == 30

    rounds: list[dict[str, float]] = []
    for number in range(4):
        before = {user: dm.screen(user).ts for user in REPS}
        if number == 3:  # Slack refuses every chat.update for a minute: questions still come
            slack_api.fail_next("chat.update", status=429, retry_after=60, times=1_000)
        for index, user in enumerate(REPS):
            screen = dm.screen(user)
            if number == 2 and index % 2:  # half of them click a button in the question instead
                (block, back), = [(b, e) for b, e in screen.buttons() if e.get("text", {}).get("text") == "Back"]
                reply = dm.sender.action(user, back["action_id"], value=back.get("value"),
                                         block_id=block.get("block_id"), message_ts=screen.ts)
            else:
                reply = dm.sender.dm(user, typed(ANSWERS[screen.step_id]))
            assert reply.status == 200
        rounds.append(wait_for_screens(paced, dm, frozen, before))

    waits = [seconds for one in rounds for seconds in one.values()]
    assert len(waits) == 120  # every rep got every next question
    assert p95(waits) <= 2.0, sorted(waits)
    # The clicks retired their own question through the response_url, not Tier 3.
    assert len([c for c in slack_api.calls_to("response_url") if c.params.get("replace_original")]) == 15

    for _ in range(400):  # let the cosmetic retires go out or be dropped, then nothing is left
        drain_now(paced)
        if not outbox.counts(paced.services.store)["pending"]:
            break
        frozen.tick(timedelta(seconds=1))
    counts = outbox.counts(paced.services.store)
    assert (counts["pending"], counts["sending"], counts["failed"]) == (0, 0, 0)
    tier_refusals = [c for c in slack_api.refused if c.method != "chat.update"]
    assert tier_refusals == []  # the pacer kept every essential call inside its tier
    results = [json.loads(r) for (r,) in paced.services.store.db.execute(
        "SELECT result FROM outbox WHERE method = 'chat.update'").fetchall()]
    dropped = [r for r in results if str(r.get("skipped", "")).startswith("dropped")]
    by_response_url = [r for r in results if r.get("via") == "response_url"]
    by_chat_update = [r for r in results if "ts" in r and "via" not in r]
    assert len(results) == 120  # one retire per answer
    assert (len(by_response_url), len(dropped) + len(by_chat_update)) == (15, 105)
    assert dropped  # chat.update was saturated (and refused for a minute): cosmetic retires gave way
    ok_updates = [c for c in slack_api.calls_to("chat.update") if (c.response or {}).get("ok")]
    assert len(ok_updates) == len(by_chat_update)


@pytest.fixture
def second_question(tmp_path, slack_api, frozen):
    """The app (unpaced), and U0REP1 at the second question of a debrief, which has a Back button."""
    app = start_app(tmp_path, slack_api)
    dm = driver(app, slack_api)
    dm.command("U0REP1", "/debrief")
    dm.type("U0REP1", typed(ANSWERS["deal"]))
    yield app, dm
    app.stop()


def test_a_click_retires_its_own_message_through_the_response_url(second_question, slack_api):
    app, dm = second_question
    clicked = dm.screen("U0REP1")
    updates_before = len(slack_api.calls_to("chat.update"))
    replies_before = len(slack_api.calls_to("response_url"))  # /debrief's own reply went there too
    dm.click("U0REP1", "Back")
    assert len(slack_api.calls_to("chat.update")) == updates_before  # no Tier 3 call
    (call,) = slack_api.calls_to("response_url")[replies_before:]
    assert call.params["replace_original"] is True
    retired = slack_api.messages[(clicked.channel, clicked.ts)]
    assert "Went back" in json.dumps(retired["blocks"])
    assert dm.screen("U0REP1").ts != clicked.ts  # the question asked again is a new message
    row = next(item for item in _sent(app) if item.result and item.result.get("via") == "response_url")
    assert row.method == "chat.update" and row.key.endswith(":done:3")


def test_a_used_up_response_url_falls_back_to_chat_update(second_question, slack_api):
    app, dm = second_question
    clicked = dm.screen("U0REP1")
    url = f"{slack_api.response_url}/{clicked.channel}/{clicked.ts}"
    for _ in range(5):  # Slack allows five uses of one response_url
        body = json.dumps({"text": "used", "replace_original": False}).encode()
        urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}), timeout=5)
    updates_before = len(slack_api.calls_to("chat.update"))
    dm.click("U0REP1", "Back")
    assert [c.params.get("replace_original") for c in slack_api.calls_to("response_url")][-1] is True
    (fallback,) = slack_api.calls_to("chat.update")[updates_before:]
    assert (fallback.params["channel"], fallback.params["ts"]) == (clicked.channel, clicked.ts)
    assert "Went back" in json.dumps(slack_api.messages[(clicked.channel, clicked.ts)]["blocks"])
    assert outbox.counts(app.services.store)["failed"] == 0


def _sent(app):
    rows = app.services.store.db.execute("SELECT key FROM outbox WHERE status = 'sent' ORDER BY id").fetchall()
    return [outbox.get(app.services.store, key) for (key,) in rows]


def test_submit_retires_the_review_card_through_the_response_url(second_question, slack_api):
    from tests.security_support import walk_to_review

    app, dm = second_question
    walk_to_review(dm, "U0REP1", "debrief")
    review = dm.screen("U0REP1")
    updates_before = len(slack_api.calls_to("chat.update"))
    dm.click("U0REP1", "Submit")
    assert len(slack_api.calls_to("chat.update")) == updates_before
    assert slack_api.calls_to("response_url")[-1].params["replace_original"] is True
    assert "nav" not in json.dumps(slack_api.messages[(review.channel, review.ts)]["blocks"])
