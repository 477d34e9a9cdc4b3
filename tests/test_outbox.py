"""The outbox: enqueue once per key, claim under a lease, and the sender talking HTTP to a Slack stand-in."""

import logging
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from bot.outbox.sender import OutboxSender, build_client
from bot.store import open_store
from bot.store import outbox
from tests.helpers import race


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


NOW = utc(2026, 11, 23, 9)
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Hi*"}}
POST = {"channel": "C123", "text": "Weekly summary", "blocks": [SECTION]}


# --- store ---------------------------------------------------------------------------


@freeze_time(NOW)
def test_enqueue_same_key_twice_is_a_no_op(store):
    assert outbox.enqueue(store, "submit:r1:team_channel", "chat.postMessage", POST, run_id="r1", team="west")
    assert not outbox.enqueue(store, "submit:r1:team_channel", "chat.postMessage", {"channel": "C9", "text": "x"})
    (item,) = outbox.pending_and_failed(store)
    assert (item.key, item.payload, item.status, item.attempts, item.run_id, item.team) == (
        "submit:r1:team_channel", POST, "pending", 0, "r1", "west"
    )
    assert item.next_attempt_at == item.created_at == "2026-11-23T09:00:00+00:00"


@freeze_time(NOW)
def test_enqueue_commits_and_rolls_back_with_the_callers_transaction(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            outbox.enqueue(store, "a", "chat.postMessage", POST)
            raise RuntimeError("state change failed")
    assert outbox.get(store, "a") is None
    with store.transaction() as db:
        db.execute("INSERT INTO deliveries (key, received_at) VALUES ('d1', '2026-11-23T09:00:00+00:00')")
        outbox.enqueue(store, "a", "chat.postMessage", POST)
    assert outbox.get(store, "a").status == "pending"


@freeze_time(NOW)
def test_claim_due_respects_not_before_and_limit(store):
    outbox.enqueue(store, "later", "chat.postMessage", POST, not_before=NOW + timedelta(hours=1))
    outbox.enqueue(store, "now1", "chat.postMessage", POST)
    outbox.enqueue(store, "now2", "chat.postMessage", POST)
    (first,) = outbox.claim_due(store, NOW, 1)
    (second,) = outbox.claim_due(store, NOW, 10)
    assert (first.key, second.key) == ("now1", "now2")
    assert outbox.claim_due(store, NOW, 10) == []
    outbox.mark_sent(store, first.id, {})
    outbox.mark_sent(store, second.id, {})
    (item,) = outbox.claim_due(store, NOW + timedelta(hours=1), 10)
    assert (item.key, item.status, item.attempts, item.lease_until) == (
        "later", "sending", 1, "2026-11-23T10:01:00+00:00"
    )


@freeze_time(NOW)
def test_expired_lease_is_reclaimed_and_counts_an_attempt(store):
    outbox.enqueue(store, "a", "chat.postMessage", POST)
    (first,) = outbox.claim_due(store, NOW, 10, lease_seconds=60)
    assert outbox.claim_due(store, NOW + timedelta(seconds=59), 10) == []
    (again,) = outbox.claim_due(store, NOW + timedelta(seconds=60), 10)
    assert (again.id, again.attempts) == (first.id, 2)


@freeze_time(NOW)
def test_mark_retry_failed_and_sent(store):
    for key in ("r", "f", "s"):
        outbox.enqueue(store, key, "chat.postMessage", POST)
    items = {i.key: i for i in outbox.claim_due(store, NOW, 10)}
    assert outbox.mark_retry(store, items["r"].id, NOW + timedelta(seconds=30), "http_503")
    assert outbox.mark_failed(store, items["f"].id, "channel_not_found")
    assert outbox.mark_sent(store, items["s"].id, {"channel": "C123", "ts": "1.2"})
    assert not outbox.mark_sent(store, items["s"].id, {"channel": "C123", "ts": "9.9"})

    retry = outbox.get(store, "r")
    assert (retry.status, retry.next_attempt_at, retry.last_error, retry.lease_until) == (
        "pending", "2026-11-23T09:00:30+00:00", "http_503", None
    )
    assert [(i.key, i.status) for i in outbox.pending_and_failed(store)] == [("r", "pending"), ("f", "failed")]
    assert outbox.result_for(store, "s") == {"channel": "C123", "ts": "1.2"}
    assert outbox.result_for(store, "r") is None
    assert outbox.result_for(store, "missing") is None


def test_claims_from_many_threads_never_overlap(db_path, store):
    with freeze_time(NOW):
        for n in range(40):
            outbox.enqueue(store, f"k{n}", "chat.postMessage", POST)

    def claim_all(own, _) -> list[int]:
        ids = []
        while items := outbox.claim_due(own, NOW, 3):
            ids.extend(i.id for i in items)
        return ids

    claimed = [item_id for ids in race(db_path, claim_all, 4) for item_id in ids]
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40


# --- sender, over HTTP to the Slack stand-in ------------------------------------------


def sender_for(store, slack_api, **options):
    return OutboxSender(store, build_client(slack_api.token, base_url=slack_api.url, timeout=5), **options)


def post(text: str, channel: str = "C123") -> dict:
    return {"channel": channel, "text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


@freeze_time(NOW)
def test_success_marks_sent_once_and_keeps_channel_and_ts(store, slack_api, caplog):
    outbox.enqueue(store, "submit:r1:team_channel", "chat.postMessage", post("Deal lost: *Acme*"), run_id="r1")
    sender = sender_for(store, slack_api)
    with caplog.at_level(logging.DEBUG, logger="rebound.outbox"):
        report = sender.drain(NOW)
        again = sender.drain(NOW + timedelta(hours=1))
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert (again.sent, again.retried, again.failed) == (0, 0, 0)
    (call,) = slack_api.calls_to("chat.postMessage")
    assert call.params["blocks"][0]["text"]["text"] == "Deal lost: *Acme*"  # sent as a JSON array
    result = outbox.result_for(store, "submit:r1:team_channel")
    assert result == {"channel": "C123", "ts": call.response["ts"]}
    assert outbox.pending_and_failed(store) == []
    assert "key=submit:r1:team_channel method=chat.postMessage outcome=sent attempt=1" in caplog.text
    assert "Acme" not in caplog.text  # message text never logged


@freeze_time(NOW)
def test_rate_limit_retries_at_retry_after_without_using_an_attempt(store, slack_api):
    outbox.enqueue(store, "a", "chat.postMessage", post("hello"))
    slack_api.fail_next("chat.postMessage", status=429, retry_after=7)
    sender = sender_for(store, slack_api)

    report = sender.drain(NOW)
    assert (report.sent, report.retried, report.ratelimited) == (0, 0, 1)
    item = outbox.get(store, "a")
    assert (item.status, item.next_attempt_at, item.last_error, item.attempts) == (
        "pending", "2026-11-23T09:00:07+00:00", "ratelimited", 0
    )

    assert sender.drain(NOW + timedelta(seconds=6)).sent == 0
    assert sender.drain(NOW + timedelta(seconds=7)).sent == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert outbox.get(store, "a").attempts == 1


@freeze_time(NOW)
def test_server_error_backs_off_exponentially_with_jitter(store, slack_api):
    outbox.enqueue(store, "a", "chat.postMessage", post("hello"))
    slack_api.fail_next("chat.postMessage", status=503, times=2)
    sender = sender_for(store, slack_api, base_delay=10.0, max_delay=300.0)

    assert sender.drain(NOW).retried == 1
    first = datetime.fromisoformat(outbox.get(store, "a").next_attempt_at)
    assert NOW + timedelta(seconds=5) <= first <= NOW + timedelta(seconds=11)  # 10 s, half of it jitter
    assert outbox.get(store, "a").last_error == "http_503"

    assert sender.drain(first).retried == 1
    second = datetime.fromisoformat(outbox.get(store, "a").next_attempt_at)
    assert first + timedelta(seconds=10) <= second <= first + timedelta(seconds=21)  # 20 s

    assert sender.drain(second).sent == 1


def test_backoff_is_capped_at_max_delay(store, slack_api):
    sender = sender_for(store, slack_api, base_delay=2.0, max_delay=300.0)
    delays = [sender.backoff(attempt) for attempt in range(1, 30)]
    assert all(0 < delay <= 300.0 for delay in delays)
    assert max(delays[10:]) > 150.0  # saturated: between half the cap and the cap


@freeze_time(NOW)
def test_permanent_error_fails_at_once_with_the_reason(store, slack_api, caplog):
    outbox.enqueue(store, "a", "chat.postMessage", post("secret deal notes"))
    slack_api.fail_next("chat.postMessage", error="channel_not_found")
    with caplog.at_level(logging.INFO, logger="rebound.outbox"):
        report = sender_for(store, slack_api).drain(NOW)
    assert (report.sent, report.retried, report.failed, report.keys_failed) == (0, 0, 1, ["a"])
    (item,) = outbox.pending_and_failed(store)
    assert (item.status, item.attempts, item.last_error) == ("failed", 1, "channel_not_found")
    assert sender_for(store, slack_api).drain(NOW + timedelta(days=1)).sent == 0
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    (record,) = [r for r in caplog.records if "outcome=failed" in r.getMessage()]
    assert record.levelno == logging.WARNING and "reason='channel_not_found'" in record.getMessage()
    assert "secret" not in caplog.text


@freeze_time(NOW)
def test_invalid_blocks_fail_at_once_with_slacks_explanation(store, slack_api):
    too_many = {"channel": "C1", "text": "x", "blocks": [{"type": "divider"}] * 51}
    outbox.enqueue(store, "a", "chat.postMessage", too_many)
    assert sender_for(store, slack_api).drain(NOW).failed == 1
    assert outbox.get(store, "a").last_error.startswith("invalid_blocks: 51 blocks")
    slack_api.invalid.clear()  # rejected on purpose


@freeze_time(NOW)
def test_gives_up_after_max_attempts(store, slack_api):
    outbox.enqueue(store, "a", "chat.postMessage", post("hello"))
    slack_api.fail_next("chat.postMessage", status=500, times=5)
    sender = sender_for(store, slack_api, max_attempts=3)
    later = NOW
    for _ in range(2):
        assert sender.drain(later).retried == 1
        later = datetime.fromisoformat(outbox.get(store, "a").next_attempt_at)
    report = sender.drain(later)
    assert (report.retried, report.failed) == (0, 1)
    item = outbox.get(store, "a")
    assert (item.status, item.attempts, item.last_error) == ("failed", 3, "gave up after 3 attempts: http_500")


@freeze_time(NOW)
def test_network_error_is_retried(store, slack_api):
    outbox.enqueue(store, "a", "chat.postMessage", post("hello"))
    unreachable = slack_api.root.rsplit(":", 1)[0] + ":9"  # discard port: connection refused
    sender = OutboxSender(store, build_client(slack_api.token, base_url=unreachable + "/api/", timeout=2))
    assert sender.drain(NOW).retried == 1
    assert outbox.get(store, "a").last_error.startswith("network: URLError")
    assert sender_for(store, slack_api).drain(NOW + timedelta(minutes=5)).sent == 1


def test_restart_resumes_pending_items(db_path, slack_api):
    first = open_store(db_path)
    with freeze_time(NOW):
        outbox.enqueue(first, "a", "chat.postMessage", post("a"))
        outbox.enqueue(first, "b", "chat.postMessage", post("b"), not_before=NOW + timedelta(minutes=30))
        slack_api.fail_next("chat.postMessage", status=429, retry_after=30)
        assert sender_for(first, slack_api).drain(NOW).ratelimited == 1
    first.close()  # the app stops

    second = open_store(db_path)  # and starts again: new Store, new sender
    report = sender_for(second, slack_api).drain(NOW + timedelta(hours=1))
    assert report.sent == 2
    assert sorted(c.params["text"] for c in slack_api.calls_to("chat.postMessage")) == ["a", "a", "b"]
    assert outbox.pending_and_failed(second) == []
    second.close()


def test_expired_lease_after_a_crash_mid_send_is_reclaimed_and_sent(db_path, slack_api):
    crashed = open_store(db_path)
    with freeze_time(NOW):
        outbox.enqueue(crashed, "a", "chat.postMessage", post("a"))
        (claimed,) = outbox.claim_due(crashed, NOW, 10, lease_seconds=60)  # then the process dies
    crashed.close()

    fresh = open_store(db_path)
    sender = sender_for(fresh, slack_api)
    assert sender.drain(NOW + timedelta(seconds=30)).sent == 0  # lease still held
    assert sender.drain(NOW + timedelta(seconds=60)).sent == 1
    item = outbox.get(fresh, "a")
    assert (item.id, item.status, item.attempts) == (claimed.id, "sent", 2)
    fresh.close()


def test_two_senders_on_one_database_send_each_item_exactly_once(db_path, store, slack_api):
    with freeze_time(NOW):
        for n in range(30):
            outbox.enqueue(store, f"k{n}", "chat.postMessage", post(f"message {n}"))
    reports = race(db_path, lambda own, _: sender_for(own, slack_api).drain(NOW + timedelta(seconds=1), limit=100), 2)
    texts = [call.params["text"] for call in slack_api.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(f"message {n}" for n in range(30))
    assert sum(report.sent for report in reports) == 30
    assert outbox.pending_and_failed(store) == []


@freeze_time(NOW)
def test_update_uses_the_ts_of_an_earlier_post(store, slack_api):
    outbox.enqueue(store, "summary:west:2026-W47", "chat.postMessage", post("draft"))
    sender = sender_for(store, slack_api)
    sender.drain(NOW)
    posted = outbox.result_for(store, "summary:west:2026-W47")
    update = {**post("final"), "channel": posted["channel"], "ts": posted["ts"]}
    outbox.enqueue(store, "summary:west:2026-W47:update", "chat.update", update)
    assert sender.drain(NOW).sent == 1
    assert slack_api.messages[(posted["channel"], posted["ts"])]["text"] == "final"


@freeze_time(NOW)
def test_views_publish_and_file_upload_go_through_the_outbox(store, slack_api):
    home = {"user_id": "U1", "view": {"type": "home", "blocks": [SECTION]}}
    outbox.enqueue(store, "home:U1", "views.publish", home)
    upload = {"channel": "C123", "filename": "west-2026-W47.csv", "content": "deal,amount\nAcme,100\n", "title": "W47"}
    outbox.enqueue(store, "export:west:2026-W47", "files.upload_v2", upload)
    report = sender_for(store, slack_api).drain(NOW)
    assert (report.sent, report.failed) == (2, 0)
    assert slack_api.home["U1"]["blocks"] == [SECTION]
    (file_id,) = outbox.result_for(store, "export:west:2026-W47")["file_ids"]
    assert slack_api.uploads[file_id] == b"deal,amount\nAcme,100\n"


def test_sender_never_uses_slack_sdk_retry_handlers(store, slack_api):
    from slack_sdk import WebClient

    shared = WebClient(token=slack_api.token, base_url=slack_api.url)  # e.g. the Bolt app's client
    assert shared.retry_handlers  # slack_sdk retries connection errors by default
    sender = OutboxSender(store, shared)
    assert sender.client.retry_handlers == []
    assert shared.retry_handlers  # the shared client is left alone
    assert build_client("xoxb-x").retry_handlers == []


def test_item_whose_senders_keep_crashing_fails_after_max_attempts(db_path, slack_api):
    store = open_store(db_path)
    with freeze_time(NOW):
        outbox.enqueue(store, "poison", "chat.postMessage", post("a"))
    later = NOW
    for _ in range(3):  # three senders each claim it and die before an outcome
        outbox.claim_due(store, later, 10, lease_seconds=60)
        later += timedelta(seconds=60)
    report = sender_for(store, slack_api, max_attempts=3).drain(later)
    assert (report.sent, report.failed) == (0, 1)
    assert outbox.get(store, "poison").last_error == "gave up after 3 attempts without an outcome"
    assert slack_api.calls_to("chat.postMessage") == []
    store.close()


@freeze_time(NOW)
def test_upload_payload_the_client_refuses_fails_at_once(store, slack_api):
    outbox.enqueue(store, "export:bad", "files.upload_v2", {"channel": "C123", "filename": "x.csv"})  # no content
    report = sender_for(store, slack_api).drain(NOW)
    assert report.failed == 1
    assert outbox.get(store, "export:bad").last_error.startswith("invalid_payload: Any of file, content")


@freeze_time(NOW)
def test_update_queued_with_its_post_gets_the_posts_channel_and_ts(store, slack_api):
    with store.transaction():
        outbox.enqueue(store, "q:r1:1", "chat.postMessage", post("question"))
        outbox.enqueue(store, "q:r1:1:answered", "chat.update", {**post("answered"), "_update_of": "q:r1:1"})
    # The stand-in rate-limits the post once: the update waits for it without using an attempt.
    slack_api.fail_next("chat.postMessage", status=429, retry_after=5)
    sender = sender_for(store, slack_api)
    report = sender.drain(NOW)
    assert (report.sent, report.ratelimited, report.deferred) == (0, 1, 1)
    waiting = outbox.get(store, "q:r1:1:answered")
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == ("pending", 0, "2026-11-23T09:00:05+00:00")

    assert sender.drain(NOW + timedelta(seconds=5)).sent == 2
    posted = outbox.result_for(store, "q:r1:1")
    (update,) = slack_api.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (posted["channel"], posted["ts"])
    assert "_update_of" not in update.params
    assert slack_api.messages[(posted["channel"], posted["ts"])]["text"] == "answered"


@freeze_time(NOW)
def test_update_of_a_failed_post_fails_with_the_reason(store, slack_api):
    outbox.enqueue(store, "q:1", "chat.postMessage", post("question"))
    outbox.enqueue(store, "q:1:answered", "chat.update", {**post("answered"), "_update_of": "q:1"})
    slack_api.fail_next("chat.postMessage", error="not_in_channel")
    report = sender_for(store, slack_api).drain(NOW)
    assert (report.failed, report.keys_failed) == (2, ["q:1", "q:1:answered"])
    assert outbox.get(store, "q:1:answered").last_error == "original_not_sent: q:1 is failed"
    assert slack_api.calls_to("chat.update") == []
