"""`rebound book import FILE.csv` with a real database: the signed book kept per rep, each
contract above the team's threshold warned to the rep and the manager through the outbox
(once per contract per import), bad rows named by line, and the weekly summary's section."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli.main import main
from bot.config import PROJECT_ROOT
from bot.store import book as book_store
from bot.store import open_store

SIGNED = """Account,Contract,Amount,Department,Owner
Northwind,Enterprise licence,"4,500,000",IT,U0REP1
Northwind,Payroll,500000,HR,U0REP1
Acme,Fleet,lots,,U0REP1
Globex,Analytics,300000,,U0REP2
Initech,Support,300000,,U0REP2
"""


@pytest.fixture
def env(tmp_path):
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(PROJECT_ROOT / "teams.example.yml")}


def invoke(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def outbox_rows(env):
    store = open_store(env["REBOUND_DB"])
    try:
        return store.db.execute("SELECT key, payload FROM outbox WHERE key LIKE 'book-warn:%' ORDER BY key").fetchall()
    finally:
        store.close()


def test_book_import_keeps_good_rows_warns_rep_and_manager_once(env, tmp_path):
    csv_file = tmp_path / "signed.csv"
    csv_file.write_text(SIGNED)
    result = invoke(env, "book", "import", str(csv_file))
    assert result.exit_code == 1  # a row was left out
    assert "Imported 4 signed contracts for U0REP1, U0REP2." in result.output
    # 4.5M of 5M is 90%, more than the default 50%; REP2's two contracts are exactly 50% each: not flagged
    assert "Concentration: U0REP1's Enterprise licence (Northwind) is 90.00% of their book, more than 50%." in result.output
    assert "U0REP2" not in result.output.split("Imported")[1].split("\n", 1)[1]
    assert "2 warning DM(s) queued." in result.output
    assert f"{csv_file}:4: Amount 'lots' is not a number" in result.output
    rows = outbox_rows(env)
    assert [json.loads(payload)["channel"] for _, payload in rows] == ["U0MGR1", "U0REP1"]
    rep = next(json.dumps(json.loads(p)["blocks"], ensure_ascii=False) for _, p in rows
               if json.loads(p)["channel"] == "U0REP1")
    assert "your contract *Enterprise licence* with Northwind is USD 4,500,000, 90% of your signed book" in rep
    assert "beyond HR" in rep
    # the same export again is the same import: no second warning
    assert "0 warning DM(s) queued." in invoke(env, "book", "import", str(csv_file)).output
    assert len(outbox_rows(env)) == 2
    store = open_store(env["REBOUND_DB"])
    try:
        assert sorted((c["owner"], c["contract"], c["amount"]["amount"]) for c in book_store.contracts(store)) == [
            ("U0REP1", "Enterprise licence", 4_500_000), ("U0REP1", "Payroll", 500_000),
            ("U0REP2", "Analytics", 300_000), ("U0REP2", "Support", 300_000)]
    finally:
        store.close()


def test_book_import_for_one_rep_replaces_their_book_and_shows_in_the_weekly_summary(env, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("Account,Contract,Amount\nNorthwind,Enterprise,900\nAcme,Fleet,100\n")
    result = invoke(env, "book", "import", "--user", "U0REP1", str(first))
    assert result.exit_code == 0, result.output
    assert "for U0REP1" in result.output and "90.00%" in result.output
    spread = tmp_path / "b.csv"
    spread.write_text("Account,Contract,Amount\nNorthwind,Finance,500\nNorthwind,HR,500\n")
    result = invoke(env, "book", "import", "--user", "U0REP1", str(spread))
    assert "Concentration" not in result.output  # exactly 50%: not more than the threshold
    store = open_store(env["REBOUND_DB"])
    try:
        assert [c["contract"] for c in book_store.contracts(store, owner="U0REP1")] == ["Finance", "HR"]
    finally:
        store.close()
    invoke(env, "book", "import", "--user", "U0REP1", str(first))
    with freeze_time("2026-11-24T12:00:00Z"):
        summary = invoke(env, "summary", "--team", "west", "--week", "2026-W47", "--print").output
    assert "Concentration in the signed book" in summary
    assert "Enterprise* with Northwind · USD 900 · 90% of USD 1,000 (limit 50%)" in summary


def test_book_import_refuses_a_missing_file_and_a_bad_header(env, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Account,Amount\nA,1\n")
    result = invoke(env, "book", "import", "--user", "U0REP1", str(bad))
    assert result.exit_code == 1 and f"{bad}:1: no Contract column in the header" in result.output
    assert invoke(env, "book", "import", str(tmp_path / "nope.csv")).exit_code == 2


def test_book_warnings_reach_slack_and_app_home_for_rep_and_manager(app, dm, slack_api, tmp_path):
    settings = app.services.settings
    csv_file = tmp_path / "signed.csv"
    csv_file.write_text(SIGNED)
    env = {"REBOUND_DB": str(settings.db_path), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}
    invoke(env, "book", "import", str(csv_file))
    app.drain()
    sent = {c.params["channel"]: json.dumps(c.params["blocks"], ensure_ascii=False)
            for c in slack_api.calls_to("chat.postMessage") if "Concentration risk" in json.dumps(c.params["blocks"])}
    assert set(sent) == {"U0REP1", "U0MGR1"}
    assert "<@U0REP1>’s contract *Enterprise licence*" in sent["U0MGR1"]
    for user in ("U0REP1", "U0MGR1", "U0REP2"):
        dm.sender.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D" + user})
    app.drain()
    published = {c.params["user_id"]: json.dumps(c.params["view"], ensure_ascii=False)
                 for c in slack_api.calls_to("views.publish")}
    assert "Concentration in your book" in published["U0REP1"]
    assert "*Enterprise licence* with Northwind · USD 4,500,000 · 90% of USD 5,000,000 (limit 50%)" in published["U0REP1"]
    assert "<@U0REP1>: *Enterprise licence*" in published["U0MGR1"]
    assert "Concentration in your book" not in published["U0REP2"]  # 50% exactly is not more than 50%


def test_forget_removes_a_reps_signed_book(env, tmp_path):
    csv_file = tmp_path / "signed.csv"
    csv_file.write_text(SIGNED)
    invoke(env, "book", "import", str(csv_file))
    assert invoke(env, "forget", "--user", "U0REP1", "--yes").exit_code == 0
    store = open_store(env["REBOUND_DB"])
    try:
        assert {c["owner"] for c in book_store.contracts(store)} == {"U0REP2"}
    finally:
        store.close()


def _queue_other_rows(env):
    """A note to another rep and a team-channel post: rows forget must leave alone."""
    from bot.store import outbox

    store = open_store(env["REBOUND_DB"])
    try:
        outbox.enqueue(store, "note:U0REP2:abc", "chat.postMessage", {"channel": "U0REP2", "text": "hi"})
        outbox.enqueue(store, "weekly:west:2026-W48:1", "chat.postMessage", {"channel": "C0WEST", "text": "week"})
    finally:
        store.close()


def all_outbox_keys(env):
    store = open_store(env["REBOUND_DB"])
    try:
        return [key for (key,) in store.db.execute("SELECT key FROM outbox ORDER BY key").fetchall()]
    finally:
        store.close()


def test_forget_removes_the_concentration_warnings_to_and_about_the_rep(env, tmp_path):
    csv_file = tmp_path / "signed.csv"
    csv_file.write_text(SIGNED)
    invoke(env, "book", "import", str(csv_file))
    _queue_other_rows(env)
    assert len(outbox_rows(env)) == 2  # the warning to U0REP1 and the one about U0REP1 to U0MGR1
    result = invoke(env, "forget", "--user", "U0REP1", "--yes")
    assert result.exit_code == 0
    assert "Deleted 2 messages (queued or sent), 2 rows in signed_contracts for U0REP1." in result.output
    # both warnings go: the manager's names the rep's contract too
    assert outbox_rows(env) == []
    assert all_outbox_keys(env) == ["note:U0REP2:abc", "weekly:west:2026-W48:1"]


def test_forget_of_the_manager_removes_only_the_warning_sent_to_them(env, tmp_path):
    csv_file = tmp_path / "signed.csv"
    csv_file.write_text(SIGNED)
    invoke(env, "book", "import", str(csv_file))
    _queue_other_rows(env)
    assert invoke(env, "forget", "--user", "U0MGR1", "--yes").exit_code == 0
    assert [json.loads(payload)["channel"] for _, payload in outbox_rows(env)] == ["U0REP1"]
    assert len(all_outbox_keys(env)) == 3
