"""Slack's rate limits: a 429 pauses the method for every sender and uses no attempt, each
method is paced to its tier (bot/outbox/tiers.py), cosmetic updates give way to essential
calls, and updates of one message are merged. Time is driven by hand (``at``), never slept."""

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from bot.outbox import tiers
from bot.outbox.pacing import Pacer
from bot.outbox.sender import OutboxSender, build_client
from bot.store import open_store, outbox

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
T0 = NOW.timestamp()


def post(text: str, channel: str = "C123") -> dict:
    return {"channel": channel, "text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def update(text: str, ts: str = "1700000000.000100", channel: str = "C123", **extra) -> dict:
    return {**post(text, channel), "ts": ts, **extra}


def sender_for(store, slack_api, pacer: Pacer | None = None, **options) -> OutboxSender:
    return OutboxSender(store, build_client(slack_api.token, base_url=slack_api.url, timeout=5), pacer=pacer, **options)


def drain_until_settled(sender: OutboxSender, store, start: datetime, *, step: float = 1.0, most: int = 600):
    """Drain at ``start``, ``start + step`` ... until nothing is pending; returns the moment it settled."""
    at = start
    for _ in range(most):
        sender.drain(at, limit=500)
        counts = outbox.counts(store)
        if not counts["pending"] and not counts["sending"]:
            return at
        at += timedelta(seconds=step)
    raise AssertionError(f"not settled after {most} steps: {outbox.counts(store)}")


# --- a 429 never makes a message fail ---------------------------------------------------


@freeze_time(NOW)
def test_twenty_dms_queued_while_slack_refuses_160_calls_are_all_sent(store, slack_api):
    for n in range(20):
        outbox.enqueue(store, f"dm:{n}", "chat.postMessage", post(f"hello {n}", channel=f"U{n:04d}"))
    slack_api.fail_next("chat.postMessage", status=429, retry_after=1, times=160)
    sender = sender_for(store, slack_api)  # 8 attempts, as in production

    drain_until_settled(sender, store, NOW)

    assert outbox.counts(store) == {"pending": 0, "sending": 0, "failed": 0, "sent": 20}
    assert len(slack_api.calls_to("chat.postMessage")) == 180  # 160 refused, then each DM once
    assert {outbox.get(store, f"dm:{n}").attempts for n in range(20)} == {1}  # the 429s used none


@freeze_time(NOW)
def test_a_429_holds_the_method_for_every_sender_until_retry_after(db_path, store, slack_api):
    for n in range(3):
        outbox.enqueue(store, f"u{n}", "chat.update", update(f"v{n}", ts=f"1700000000.00010{n}"))
    slack_api.fail_next("chat.update", status=429, retry_after=10)
    first = sender_for(store, slack_api)
    report = first.drain(NOW)
    assert (report.ratelimited, report.sent, report.failed) == (1, 0, 0)
    assert len(slack_api.calls_to("chat.update")) == 1  # the other two were held, not tried

    other_process = open_store(db_path)  # a second instance: its own pacer, the same rows
    other = sender_for(other_process, slack_api)
    assert other.drain(NOW + timedelta(seconds=9)).sent == 0
    assert len(slack_api.calls_to("chat.update")) == 1
    assert [outbox.get(store, f"u{n}").next_attempt_at for n in range(3)] == ["2026-11-23T09:00:10+00:00"] * 3
    assert other.drain(NOW + timedelta(seconds=10)).sent == 3
    assert first.pacer.paused_until(("chat.update", "")) == T0 + 10
    other_process.close()


@freeze_time(NOW)
def test_a_429_on_one_channel_holds_only_that_channel(store, slack_api):
    outbox.enqueue(store, "a1", "chat.postMessage", post("a1", channel="C0A"))
    outbox.enqueue(store, "a2", "chat.postMessage", post("a2", channel="C0A"))
    outbox.enqueue(store, "b1", "chat.postMessage", post("b1", channel="C0B"))
    slack_api.fail_next("chat.postMessage", status=429, retry_after=5)
    report = sender_for(store, slack_api).drain(NOW)
    assert (report.ratelimited, report.sent) == (1, 1)
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")] == ["C0A", "C0B"]
    assert outbox.get(store, "a2").next_attempt_at == "2026-11-23T09:00:05+00:00"
    assert outbox.get(store, "b1").status == "sent"


# --- the pacer: token buckets from the one table ----------------------------------------


def test_pacer_lets_a_burst_through_then_keeps_the_tiers_pace():
    pacer = Pacer()
    bucket = ("chat.update", "")
    assert tiers.limit_for("chat.update") is tiers.TIER_3
    assert [pacer.take(bucket, T0) for _ in range(5)] == [0.0] * 5  # Tier 3's burst
    rate = 50 / 60 * tiers.PACE_MARGIN  # 0.75 calls a second
    assert pacer.take(bucket, T0) == pytest.approx(1 / rate)  # 1.333 s
    assert pacer.take(bucket, T0 + 1 / rate - 0.01) > 0
    assert pacer.take(bucket, T0 + 1 / rate) == 0.0
    # Other methods and other tiers have buckets of their own.
    assert pacer.take(("views.publish", ""), T0) == 0.0
    assert tiers.limit_for("views.publish") is tiers.TIER_4 and tiers.limit_for("chat.postEphemeral") is tiers.TIER_4
    assert tiers.limit_for("conversations.open") is tiers.TIER_3 and tiers.limit_for("users.lookupByEmail") is tiers.TIER_3
    assert tiers.limit_for("some.new_method") is tiers.TIER_2


def test_pacer_counts_chat_post_message_per_channel():
    pacer = Pacer()
    first = tiers.bucket_of("chat.postMessage", {"channel": "D1"})
    second = tiers.bucket_of("chat.postMessage", {"channel": "D2"})
    assert first == ("chat.postMessage", "D1")
    assert [pacer.take(first, T0) for _ in range(4)] == [0.0] * 4  # a short burst
    assert pacer.take(first, T0) == pytest.approx(1 / (1 * tiers.PACE_MARGIN))  # then about one a second
    assert pacer.take(second, T0) == 0.0  # another DM is not held up


def test_pacer_keeps_room_for_essential_calls():
    pacer = Pacer()
    bucket = ("chat.update", "")
    assert pacer.take(bucket, T0) == 0.0 and pacer.take(bucket, T0) == 0.0  # 3 of 5 tokens left
    # A cosmetic call must leave 2.5 tokens (half the burst): it needs 3.5, so it gets a slot
    # when 0.5 of a token more has come, and the next cosmetic slot is 2/0.75 s later (half pace).
    assert pacer.take(bucket, T0, essential=False, ticket="c1") == pytest.approx(0.5 / 0.75)
    assert pacer.take(bucket, T0, essential=False, ticket="c2") == pytest.approx(0.5 / 0.75 + 2 / 0.75)
    assert pacer.take(bucket, T0, essential=False, ticket="c3", patience=5.0) == pytest.approx(0.5 / 0.75 + 4 / 0.75)
    assert pacer.take(bucket, T0) == 0.0  # an essential one goes at once
    assert pacer.take(bucket, T0 + 0.5 / 0.75, essential=False, ticket="c1") == 0.0  # its slot has come
    assert pacer.take(bucket, T0 + 0.5 / 0.75 + 2 / 0.75, essential=False, ticket="c2") == 0.0
    # At 5 s the bucket holds 3.75 tokens again: room, so a cosmetic call goes at once. The next
    # one waits for 3.5 tokens, at 6 s; had c3 (more than 5 s off) kept its slot, it would be 8.67 s.
    assert pacer.take(bucket, T0 + 5, essential=False, ticket="c4") == 0.0
    assert pacer.take(bucket, T0 + 5, essential=False, ticket="c5") == pytest.approx(1.0)


def test_pacer_pause_wins_and_the_pace_restarts_empty():
    pacer = Pacer()
    bucket = ("chat.update", "")
    pacer.pause(bucket, T0 + 30)
    assert pacer.take(bucket, T0 + 29) == pytest.approx(1.0)
    assert pacer.take(bucket, T0 + 30) == pytest.approx(1 / 0.75)  # no burst right after a 429
    unpaced = Pacer(limits=None)
    assert [unpaced.take(bucket, T0) for _ in range(100)] == [0.0] * 100
    unpaced.pause(bucket, T0 + 2)
    assert unpaced.take(bucket, T0 + 1) == pytest.approx(1.0)


# --- against a stand-in that enforces the tiers -------------------------------------------


def strict_slack_with_updates(store, slack_api, count: int) -> list[float]:
    """The stand-in enforcing the tiers on a clock the test moves (``clock[0]``), and ``count``
    queued updates of distinct messages."""
    clock = [T0]
    slack_api.enforce_tiers(clock=lambda: clock[0])
    with freeze_time(NOW):
        for n in range(count):
            outbox.enqueue(store, f"u{n}", "chat.update", update(f"v{n}", ts=f"1700000000.{n:06d}"))
    return clock


def test_paced_sender_stays_inside_the_tiers_of_a_strict_slack(store, slack_api):
    clock = strict_slack_with_updates(store, slack_api, 60)
    with freeze_time(NOW):
        for n in range(10):
            outbox.enqueue(store, f"p{n}", "chat.postMessage", post(f"p{n}", channel="C0TEAM"))
    sender = sender_for(store, slack_api, pacer=Pacer())
    updates_by, posts_by = {}, {}
    at = NOW
    for second in range(120):
        clock[0] = at.timestamp()
        with freeze_time(at):
            sender.drain(at, limit=500)
        updates_by[second] = len(slack_api.calls_to("chat.update"))
        posts_by[second] = len(slack_api.calls_to("chat.postMessage"))
        at += timedelta(seconds=1)
    assert slack_api.refused == []  # Slack never had to say no
    assert outbox.counts(store) == {"pending": 0, "sending": 0, "failed": 0, "sent": 70}
    # Tier 3 (50 a minute): a burst of 5, then 0.75 a second (90% of Slack's pace).
    assert (updates_by[0], updates_by[1], updates_by[2]) == (5, 5, 6)
    assert (updates_by[59], updates_by[60]) == (49, 50)  # 50 in the first minute: Slack's figure, not one more
    assert (updates_by[73], updates_by[74]) == (59, 60)
    # chat.postMessage to one channel: a burst of 4, then 0.9 a second.
    assert (posts_by[0], posts_by[1], posts_by[2], posts_by[7]) == (4, 4, 5, 10)


def test_strict_standin_answers_429_with_retry_after_once_a_tier_is_used_up(store, slack_api):
    strict_slack_with_updates(store, slack_api, 6)
    report = sender_for(store, slack_api).drain(NOW)  # an unpaced sender: Slack has to refuse
    assert (report.sent, report.ratelimited, report.failed) == (5, 1, 0)
    (refused,) = slack_api.refused
    assert refused.method == "chat.update"
    assert outbox.get(store, "u5").next_attempt_at == "2026-11-23T09:00:02+00:00"  # Retry-After: 2 (1.2 s up)


# --- essential first: merged and dropped updates -------------------------------------------


@freeze_time(NOW)
def test_queued_updates_of_one_message_send_only_the_newest(store, slack_api):
    for n in range(3):
        outbox.enqueue(store, f"plan:update:{n}", "chat.update", update(f"version {n}"))
    report = sender_for(store, slack_api).drain(NOW)
    assert (report.sent, report.skipped) == (1, 2)
    (call,) = slack_api.calls_to("chat.update")
    assert call.params["text"] == "version 2"
    assert outbox.get(store, "plan:update:0").result == {"skipped": "merged into plan:update:2"}
    assert outbox.get(store, "plan:update:1").status == "sent"


def test_cosmetic_updates_queue_at_half_the_pace_and_the_rest_are_dropped(store, slack_api):
    with freeze_time(NOW):
        for n in range(20):
            outbox.enqueue(store, f"tick:{n}", "chat.update", update("✅", ts=f"1700000000.{n:06d}", _cosmetic=True))
    sender = sender_for(store, slack_api, pacer=Pacer(), cosmetic_patience=10)
    report = sender.drain(NOW)
    # Two go at once (Tier 3's burst of 5 keeps 2.5 for essential calls), four get slots at
    # 0.67, 3.33, 6.00 and 8.67 s (half of 0.75 a second), and 14 would wait past 10 s: dropped.
    assert (report.sent, report.paced, report.skipped) == (2, 4, 14)
    with freeze_time(NOW):
        outbox.enqueue(store, "plan", "chat.update", update("the plan", ts="1700000001.000000"))
    assert sender.drain(NOW).sent == 1  # an essential update is not queued behind them
    waiting = sorted(outbox.get(store, f"tick:{n}").next_attempt_at for n in range(20)
                     if outbox.get(store, f"tick:{n}").last_error == "paced: chat.update")
    assert waiting == ["2026-11-23T09:00:00.666667+00:00", "2026-11-23T09:00:03.333333+00:00",
                       "2026-11-23T09:00:06+00:00", "2026-11-23T09:00:08.666667+00:00"]
    drain_until_settled(sender, store, NOW, step=0.5)
    results = [outbox.get(store, f"tick:{n}").result for n in range(20)]
    assert len([r for r in results if r == {"skipped": "dropped: cosmetic, chat.update saturated"}]) == 14
    assert len(slack_api.calls_to("chat.update")) == 2 + 1 + 4
    assert outbox.counts(store)["failed"] == 0


@freeze_time(NOW)
def test_cosmetic_update_holds_up_nothing_queued_after_it_in_its_run(store, slack_api):
    with store.transaction():
        outbox.enqueue(store, "q1", "chat.postMessage", post("question 1", channel="U0REP1"), run_id="r1")
    sender = sender_for(store, slack_api)
    assert sender.drain(NOW).sent == 1
    with store.transaction():
        outbox.enqueue(store, "q1:done", "chat.update", {**post("✅ question 1"), "_update_of": "q1", "_cosmetic": True},
                       run_id="r1")
        outbox.enqueue(store, "q2", "chat.postMessage", post("question 2", channel="U0REP1"), run_id="r1")
    slack_api.fail_next("chat.update", status=429, retry_after=60)
    report = sender.drain(NOW)
    assert (report.sent, report.ratelimited) == (1, 1)
    assert [c.params["text"] for c in slack_api.calls_to("chat.postMessage")] == ["question 1", "question 2"]
    assert "_cosmetic" not in slack_api.calls_to("chat.update")[0].params


# --- a click's own message through its response_url ----------------------------------------


@pytest.mark.parametrize("clicked_ts, url_host, via", [
    ("posted", "standin", "response_url"),  # the click was on the message being updated
    ("1600000000.000001", "standin", "chat.update"),  # an older copy of the screen: not this message
    ("posted", "elsewhere", "chat.update"),  # a URL on neither Slack's hooks host nor the API's host
])
@freeze_time(NOW)
def test_response_url_is_used_only_for_the_clicked_message_on_a_trusted_host(store, slack_api, clicked_ts, url_host,
                                                                            via):
    outbox.enqueue(store, "q1", "chat.postMessage", post("question", channel="C123"))
    sender = sender_for(store, slack_api)
    sender.drain(NOW)
    posted = outbox.result_for(store, "q1")["ts"]
    ts = posted if clicked_ts == "posted" else clicked_ts
    root = slack_api.response_url if url_host == "standin" else "http://192.0.2.1:9/response"
    outbox.enqueue(store, "q1:done", "chat.update", {"text": "✅", "_update_of": "q1", "_cosmetic": True,
                                                     "_response_url": {"url": f"{root}/C123/{ts}", "ts": ts}})
    assert sender.drain(NOW).sent == 1
    assert [c.method for c in slack_api.calls if c.method in ("chat.update", "response_url")] == [via]
    assert slack_api.messages[("C123", posted)]["text"] == "✅"


@freeze_time(NOW)
def test_an_essential_update_is_not_merged_into_a_newer_cosmetic_one(store, slack_api):
    outbox.enqueue(store, "plan:v1", "chat.update", update("the plan, version 1"))
    outbox.enqueue(store, "plan:tick", "chat.update", update("✅", _cosmetic=True))
    report = sender_for(store, slack_api).drain(NOW)
    assert (report.sent, report.skipped) == (2, 0)
    assert [c.params["text"] for c in slack_api.calls_to("chat.update")] == ["the plan, version 1", "✅"]
