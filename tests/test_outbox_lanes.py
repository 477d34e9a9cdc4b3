"""Several senders drain the outbox in parallel, yet each conversation's calls arrive in order."""

import threading
from datetime import datetime, timezone

from bot.outbox.sender import OutboxSender, build_client
from bot.outbox.worker import OutboxWorker
from bot.store import open_store
from bot.store import outbox

NOW = datetime(2999, 1, 1, tzinfo=timezone.utc)  # everything queued is due by then


def post(text):
    return {"channel": "C123", "text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def test_a_runs_later_row_waits_for_its_earlier_row(tmp_path):
    store = open_store(tmp_path / "r.db")
    outbox.enqueue(store, "a1", "chat.postMessage", post("a1"), run_id="ra")
    outbox.enqueue(store, "a2", "chat.postMessage", post("a2"), run_id="ra")
    outbox.enqueue(store, "b1", "chat.postMessage", post("b1"), run_id="rb")
    outbox.enqueue(store, "t1", "chat.postMessage", post("t1"))
    claimed = outbox.claim_due(store, NOW, 10)
    assert [item.key for item in claimed] == ["a1", "b1", "t1"]  # a2 waits for a1; other lanes go
    assert outbox.claim_due(store, NOW, 10) == []  # a1 is in flight, so a2 still waits
    outbox.mark_sent(store, claimed[0].id, {"ts": "1"})
    assert [item.key for item in outbox.claim_due(store, NOW, 10)] == ["a2"]
    store.close()


def test_parallel_senders_keep_each_conversation_in_order(tmp_path, slack_api):
    slack_api.latency = 0.01
    store = open_store(tmp_path / "r.db")
    for n in range(12):
        for run in ("ra", "rb", "rc"):
            outbox.enqueue(store, f"{run}:{n}", "chat.postMessage", {**post(f"{run}:{n}"), "channel": f"C{run.upper()}"},
                           run_id=run)
    sender = OutboxSender(store, build_client(slack_api.token, base_url=slack_api.url))
    threads = [threading.Thread(target=lambda: [sender.drain(limit=50) for _ in range(10)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [call.params["text"] for call in slack_api.calls_to("chat.postMessage")]
    assert len(texts) == 36 and len(set(texts)) == 36  # each once
    for run in ("ra", "rb", "rc"):
        assert [t for t in texts if t.startswith(run)] == [f"{run}:{n}" for n in range(12)]
    store.close()


def test_worker_threads_all_wake_and_stop(tmp_path, slack_api):
    store = open_store(tmp_path / "r.db")
    sender = OutboxSender(store, build_client(slack_api.token, base_url=slack_api.url))
    worker = OutboxWorker(sender, idle_seconds=30, threads=3).start()
    try:
        outbox.enqueue(store, "x", "chat.postMessage", post("x"), run_id="r1")
        worker.wake()
        for _ in range(200):  # a real thread: bounded wait for it to send
            if slack_api.calls_to("chat.postMessage"):
                break
            threading.Event().wait(0.01)
        assert [c.params["text"] for c in slack_api.calls_to("chat.postMessage")] == ["x"]
    finally:
        worker.stop()
    assert all(not thread.is_alive() for thread in worker._threads)
    store.close()
