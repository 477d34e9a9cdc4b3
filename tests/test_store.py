"""The SQLite store: migrations, runs surviving a reopen, answer history, one active run per playbook."""

import sqlite3
import threading

import pytest
from freezegun import freeze_time

from bot.store import filters, open_store
from bot.store import runs as run_store
from bot.store.runs import ActiveRunExists


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "rebound.db")
    yield store
    store.close()


def new_run(store, user="U1", playbook="debrief"):
    return run_store.create_run(store, playbook=playbook, playbook_version=1, user_id=user, team="west", cursor="deal")


def test_migrations_apply_once_and_use_wal(tmp_path):
    store = open_store(tmp_path / "a.db")
    assert store.migrate() == []  # already applied
    mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    names = [row[0] for row in store.db.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert names[0] == "0001_core"
    store.close()


def test_run_survives_closing_and_reopening_mid_way(tmp_path):
    path = tmp_path / "rebound.db"
    store = open_store(path)
    run = new_run(store)
    run_store.save_answer(store, run.id, "deal", "Acme renewal", cursor="amount", skipped=[])
    run_store.save_answer(store, run.id, "amount", {"amount": 120000, "currency": "USD"}, cursor="reason", skipped=[])
    store.close()

    reopened = open_store(path)
    again = run_store.get_run(reopened, run.id)
    assert again.status == "active"
    assert again.cursor == "reason"
    assert again.answers == {"deal": "Acme renewal", "amount": {"amount": 120000, "currency": "USD"}}
    reopened.close()


def test_answer_edit_keeps_history(store):
    run = new_run(store)
    with freeze_time("2026-11-23 10:00:00"):
        run_store.save_answer(store, run.id, "deal", "Acme", cursor="amount", skipped=[])
    with freeze_time("2026-11-23 10:05:00"):
        run_store.save_answer(store, run.id, "deal", "Acme renewal", cursor="amount", skipped=[])
    history = run_store.history_of(store, run.id, "deal")
    assert history == [
        {"step_id": "deal", "value": "Acme", "answered_at": "2026-11-23T10:00:00+00:00",
         "replaced_at": "2026-11-23T10:05:00+00:00"}
    ]
    assert run_store.get_run(store, run.id).answers["deal"] == "Acme renewal"


def test_same_answer_twice_adds_no_history(store):
    run = new_run(store)
    run_store.save_answer(store, run.id, "deal", "Acme", cursor="amount", skipped=[])
    run_store.save_answer(store, run.id, "deal", "Acme", cursor="amount", skipped=[])
    assert run_store.history_of(store, run.id) == []


def test_one_active_run_per_user_and_playbook(store):
    first = new_run(store)
    with pytest.raises(ActiveRunExists) as err:
        new_run(store)
    assert err.value.run.id == first.id
    other_playbook = new_run(store, playbook="recover")
    assert other_playbook.id != first.id
    run_store.mark_submitted(store, first.id)
    assert new_run(store).id != first.id


def test_submit_twice_changes_state_once(store):
    run = new_run(store)
    assert run_store.mark_submitted(store, run.id) is True
    assert run_store.mark_submitted(store, run.id) is False
    assert run_store.mark_cancelled(store, run.id) is False


def test_delivery_key_is_claimed_once(store):
    assert run_store.claim_delivery(store, "event:Ev1") is True
    assert run_store.claim_delivery(store, "event:Ev1") is False


def test_failed_transaction_rolls_back(store):
    run = new_run(store)
    with pytest.raises(RuntimeError):
        with store.transaction() as db:
            db.execute("UPDATE runs SET cursor = 'x' WHERE id = ?", [run.id])
            raise RuntimeError("boom")
    assert run_store.get_run(store, run.id).cursor == "deal"


def test_concurrent_writers_do_not_see_locked_errors(tmp_path):
    store = open_store(tmp_path / "busy.db")
    runs = [new_run(store, user=f"U{i}") for i in range(8)]
    errors = []

    def write(run):
        try:
            for n in range(40):
                run_store.save_answer(store, run.id, f"s{n}", n, cursor=None, skipped=[])
        except sqlite3.Error as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(run_store.answers_of(store, run.id)) for run in runs) == 8 * 40
    store.close()


def test_list_runs_filters(store):
    with freeze_time("2026-10-01"):
        old = new_run(store, user="U1")
    with freeze_time("2026-11-20"):
        recent = new_run(store, user="U2")
    run_store.save_answer(store, recent.id, "deal", "Globex", cursor=None, skipped=[])
    assert [r.id for r in run_store.list_runs(store, since="2026-11-01")] == [recent.id]
    assert [r.id for r in run_store.list_runs(store, user_id="U1")] == [old.id]
    assert run_store.list_runs(store, user_id="U2")[0].answers == {"deal": "Globex"}


def test_forget_user_counts_and_removes(store):
    run = new_run(store, user="U9")
    run_store.save_answer(store, run.id, "deal", "Acme", cursor=None, skipped=[])
    run_store.save_answer(store, run.id, "deal", "Acme 2", cursor=None, skipped=[])
    counts = run_store.forget_user(store, "U9")
    assert (counts["runs"], counts["answers"]) == (1, 1)
    assert run_store.list_runs(store, user_id="U9") == []
    assert store.db.execute("SELECT COUNT(*) FROM answer_history").fetchone()[0] == 0


def test_where_keeps_the_filters_that_apply_in_order():
    assert filters.where(*filters.equal(team="west", user_id=None), ("started_at >= ?", "2026-11-01"),
                         ("status IN (?, ?)", ["open", "moved"])) == (
        " WHERE team = ? AND started_at >= ? AND status IN (?, ?)", ["west", "2026-11-01", "open", "moved"])
    assert filters.where(*filters.equal(team=None)) == ("", [])
