"""`rebound browse`: the views of migration 0010 against the typed tables, and every canned
query run through Datasette's own test client on a seeded database, its rows asserted.

The seeded database (November 2026, two teams):

    debriefs   seller  team  lost on     amount     reason        competitor  avoidable
    r1         U0REP1  west  2026-11-02  USD 120k   competitor    Samsara     yes   (reviewed by U0MGR1)
    r2         U0REP1  west  2026-11-05  USD 30k    price                     no
    r3         U0REP2  west  2026-11-10  EUR 40k    competitor    " samsara"  yes
    r4         U0REP2  west  2026-10-20  USD 50k    price                     yes   (before the range)
    r5         U0REP4  emea  2026-11-12  EUR 10k    no_decision               -     (no close date: the day debriefed)
    + a debrief still open (U0REP4, emea) and one cancelled (U0REP1, west)

    pilots     Acme    west U0REP1 ends 2026-11-20  USD 120k, fee 20k   all met -> buy
               Globex  west U0REP2 ends 2026-11-25  USD 80k, fee 10k    not met -> stop, 40 h at USD 500: 20k effort, 80k lost
               Initech west U0REP1 ends 2026-12-15  USD 50k, fee 5k     undecided
               Hooli   west U0REP1 ends 2026-11-10  cancelled (left out)

    recovery   U0REP1 plans on 6 Nov from r1 (Northwind): lost 120k, kept 35k, 85k to replace, 3x
               opportunities: Northwind Tacoma 40k won (9 Nov), Northwind Spokane 30k open, Cascade Cold Chain 20k lost
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.cli import browse as browse_cli
from bot.cli.main import main
from bot.domain.costs import mistake_cost
from bot.store import browse, open_store
from bot.store import pilots as pilot_store
from bot.store import recovery as recovery_store
from bot.store import reports
from bot.store import runs as run_store
from bot.store.pilots import Facts

NOVEMBER = {"since": "2026-11-01", "until": "2026-11-30"}


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def fact(run_id, user, team, lost_on, cents, currency, reason, *, competitor=None, avoidable=None, account=None):
    return {"run_id": run_id, "team": team, "user_id": user, "week": "2026-W45", "submitted_at": f"{lost_on}T18:00:00+00:00",
            "deal": f"Deal {run_id}", "account": account, "amount_cents": cents, "currency": currency,
            "retained_cents": None, "retained_currency": None, "unrecovered_cents": cents, "primary_reason": reason,
            "other_reasons": ["timing"] if run_id == "r1" else [], "competitor": competitor, "gap": None,
            "avoidable": avoidable, "stage_lost": None, "close_date": None if run_id == "r5" else lost_on,
            "to_product": False, "to_enablement": False,
            "detail": {"what_happened": f"Story of {run_id}.", "do_differently": "Multi-thread."} if avoidable else {}}


def seed(store) -> None:
    facts = [
        fact("r1", "U0REP1", "west", "2026-11-02", 12_000_000, "USD", "competitor", competitor="Samsara",
             avoidable=True, account="Northwind"),
        fact("r2", "U0REP1", "west", "2026-11-05", 3_000_000, "USD", "price", avoidable=False),
        fact("r3", "U0REP2", "west", "2026-11-10", 4_000_000, "EUR", "competitor", competitor=" samsara",
             avoidable=True),
        fact("r4", "U0REP2", "west", "2026-10-20", 5_000_000, "USD", "price", avoidable=True),
        fact("r5", "U0REP4", "emea", "2026-11-12", 1_000_000, "EUR", "no_decision"),
    ]
    runs = [{"id": f["run_id"], "playbook": "debrief", "user_id": f["user_id"], "team": f["team"], "status": "submitted",
             "started_at": f["submitted_at"], "submitted_at": f["submitted_at"]} for f in facts]
    runs += [{"id": "r6", "playbook": "debrief", "user_id": "U0REP4", "team": "emea", "status": "active",
              "started_at": "2026-11-11T09:00:00+00:00"},
             {"id": "r7", "playbook": "debrief", "user_id": "U0REP1", "team": "west", "status": "cancelled",
              "started_at": "2026-11-03T09:00:00+00:00"}]
    reports.bulk_load(store, runs, facts, [{"run_id": "r1", "team": "west", "reviewed_by": "U0MGR1",
                                            "reviewed_at": "2026-11-04T10:00:00+00:00"}])

    def pilot(account, user, end, value, fee):
        run = run_store.create_run(store, playbook="pilot-plan", playbook_version=2, user_id=user, team="west",
                                   cursor=None, source="slack")
        run_store.mark_submitted(store, run.id)
        return pilot_store.create(store, run_id=run.id, team="west", user_id=user,
                                  facts=Facts(account, "2026-10-01", end, usd(value), usd(fee), []))

    def close(p, outcome, action):
        pilot_store.record_outcome(store, p.id, round=1, run_id=p.current_run_id, outcome=outcome,
                                   agreed_action=action, decided_by="Maya", measurements=[], recorded_by=p.user_id)
        pilot_store.decide(store, p.id, round=1, action=action, status="closed")

    with freeze_time("2026-11-26T12:00:00Z"):
        close(pilot("Acme", "U0REP1", "2026-11-20", 120000, 20000), "all_met", "buy")
        globex = pilot("Globex", "U0REP2", "2026-11-25", 80000, 10000)
        close(globex, "not_met", "stop")
        cost = mistake_cost([{"who": "AE", "hours": 40, "hourly_cost": usd(500)}], usd(80000), usd(0))
        pilot_store.record_cost(store, globex.id, cost.to_dict())
        pilot("Initech", "U0REP1", "2026-12-15", 50000, 5000)
        pilot_store.cancel(store, pilot("Hooli", "U0REP1", "2026-11-10", 70000, 7000).id)

    with freeze_time("2026-11-06T10:00:00Z"):
        run = run_store.create_run(store, playbook="recover", playbook_version=1, user_id="U0REP1", team="west",
                                   cursor=None, source="slack")
        recovery_store.save_plan(store, run_id=run.id, user_id="U0REP1", team="west", submitted_at="2026-11-06T10:00:00+00:00",
                                 source_run_id="r1", plan={"currency": "USD", "lost": usd(120000), "retained": usd(35000),
                                                           "unrecovered": usd(85000), "pipeline_to_add": usd(255000),
                                                           "multiple": 3})
        ids = {}
        for name, account, amount in (("Northwind Tacoma", "Northwind", 40000), ("Northwind Spokane", "Northwind", 30000),
                                      ("Cascade Cold Chain", None, 20000)):
            ids[name], _ = recovery_store.upsert_opportunity(store, user_id="U0REP1", team="west", source="typed",
                                                             opportunity={"name": name, "account": account,
                                                                          "amount": usd(amount)})
    with freeze_time("2026-11-09T10:00:00Z"):
        recovery_store.set_status(store, ids["Northwind Tacoma"], "won")
        recovery_store.set_status(store, ids["Cascade Cold Chain"], "lost")


@pytest.fixture(scope="module")
def db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("browse") / "rebound.db"
    store = open_store(path)
    seed(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def datasette(db_file):
    return browse_cli.datasette_app(db_file)


def get(datasette, path: str, **params):
    """GET ``path`` through Datasette's test client; the JSON rows (``_shape=array``)."""
    query = "&".join(f"{key}={value}" for key, value in {**params, "_shape": "array"}.items())
    response = asyncio.run(datasette.client.get(f"{path}?{query}"))
    assert response.status_code == 200, response.text
    return response.json()


def query(datasette, name: str, **params):
    return get(datasette, f"/rebound/{name}.json", **params)


# -- canned queries -------------------------------------------------------------------------------------


def test_losses_by_reason_over_a_date_range(datasette):
    assert query(datasette, "losses_by_reason", **NOVEMBER) == [
        {"reason": "competitor", "currency": "USD", "deals": 1, "lost": 120000.0, "avoidable": 1},
        {"reason": "competitor", "currency": "EUR", "deals": 1, "lost": 40000.0, "avoidable": 1},
        {"reason": "price", "currency": "USD", "deals": 1, "lost": 30000.0, "avoidable": 0},
        {"reason": "no_decision", "currency": "EUR", "deals": 1, "lost": 10000.0, "avoidable": 0},
    ]
    # The range's bounds are included: 20 Oct is in from that day on, out until the day before.
    october = query(datasette, "losses_by_reason", since="2026-10-20", until="2026-11-01", team="west")
    assert october == [{"reason": "price", "currency": "USD", "deals": 1, "lost": 50000.0, "avoidable": 1}]
    assert query(datasette, "losses_by_reason", since="2026-10-21", until="2026-11-01") == []


def test_losses_by_competitor_fold_spelling(datasette):
    assert query(datasette, "losses_by_competitor", **NOVEMBER, team="west") == [
        {"competitor": "Samsara", "currency": "USD", "deals": 1, "lost": 120000.0, "avoidable": 1},
        {"competitor": "samsara", "currency": "EUR", "deals": 1, "lost": 40000.0, "avoidable": 1},
    ]


def test_losses_by_seller(datasette):
    assert query(datasette, "losses_by_seller", **NOVEMBER) == [
        {"seller": "U0REP1", "team": "west", "currency": "USD", "deals": 2, "lost": 150000.0, "avoidable": 1,
         "reviewed": 1},
        {"seller": "U0REP2", "team": "west", "currency": "EUR", "deals": 1, "lost": 40000.0, "avoidable": 1,
         "reviewed": 0},
        {"seller": "U0REP4", "team": "emea", "currency": "EUR", "deals": 1, "lost": 10000.0, "avoidable": 0,
         "reviewed": 0},
    ]
    # Without a range, everything (r4 of October too).
    assert [r["lost"] for r in query(datasette, "losses_by_seller", team="west")] == [150000.0, 50000.0, 40000.0]


def test_avoidable_losses_biggest_first(datasette):
    rows = query(datasette, "avoidable_losses", **NOVEMBER)
    assert [(r["deal"], r["amount"], r["currency"], r["reason"]) for r in rows] == [
        ("Deal r1", 120000.0, "USD", "competitor"), ("Deal r3", 40000.0, "EUR", "competitor")]
    assert rows[0]["what_happened"] == "Story of r1." and rows[0]["do_differently"] == "Multi-thread."
    assert rows[0]["reviewed_by"] == "U0MGR1" and rows[0]["seller"] == "U0REP1"


def test_debrief_coverage_counts_each_loss_by_the_week_it_closed(datasette):
    # No deal came from the CRM in this seed: every loss is a debrief, so each is covered. By hand:
    # west's week of 2 Nov holds r1 (USD 120,000) and r2 (USD 30,000); r3 (EUR 40,000) and emea's
    # r5 (EUR 10,000) closed the week of 9 Nov; r4 closed in October, outside the range.
    rows = query(datasette, "debrief_coverage", **NOVEMBER)
    assert rows == [
        {"team": "emea", "week_of": "2026-11-09", "currency": "EUR", "closed_lost": 1, "debriefed": 1,
         "coverage_percent": 100.0, "value": 10000.0, "value_debriefed": 10000.0, "value_coverage_percent": 100.0},
        {"team": "west", "week_of": "2026-11-09", "currency": "EUR", "closed_lost": 1, "debriefed": 1,
         "coverage_percent": 100.0, "value": 40000.0, "value_debriefed": 40000.0, "value_coverage_percent": 100.0},
        {"team": "west", "week_of": "2026-11-02", "currency": "USD", "closed_lost": 2, "debriefed": 2,
         "coverage_percent": 100.0, "value": 150000.0, "value_debriefed": 150000.0, "value_coverage_percent": 100.0},
    ]


def test_pilot_conversion(datasette):
    assert query(datasette, "pilot_conversion", since="2026-11-01", until="2026-12-31", team="west") == [
        {"team": "west", "currency": "USD", "pilots": 3, "decided": 2, "converted": 1, "conversion_percent": 50.0,
         "pilot_fees": 35000, "value_at_stake": 250000, "converted_value": 120000}]
    november = query(datasette, "pilot_conversion", **NOVEMBER)  # Initech ends in December
    assert [(r["pilots"], r["decided"], r["converted"], r["value_at_stake"]) for r in november] == [(2, 2, 1, 200000)]


def test_cost_of_mistakes(datasette):
    assert query(datasette, "cost_of_mistakes", **NOVEMBER) == [
        {"closed_on": "2026-11-26", "team": "west", "seller": "U0REP2", "account": "Globex", "outcome": "not_met",
         "action": "stop", "cost_hours": 40, "cost_effort": 20000, "cost_value_lost": 80000, "cost_net": -20000,
         "cost_currency": "USD"}]


def test_recovery_progress_per_rep(datasette):
    assert query(datasette, "recovery_by_rep") == [
        {"seller": "U0REP1", "team": "west", "currency": "USD", "plans": 1, "lost": 120000, "retained": 35000,
         "unrecovered": 85000, "recovered": 40000, "gap": 45000, "recovered_percent": 47.1, "open_pipeline": 30000}]
    assert query(datasette, "recovery_by_rep", team="emea") == []


def test_recovery_progress_per_account(datasette):
    assert query(datasette, "recovery_by_account") == [
        {"seller": "U0REP1", "account": "Northwind", "currency": "USD", "opportunities": 2, "won": 1,
         "won_back": 40000, "open_pipeline": 30000, "unrecovered_loss": 85000},
        {"seller": "U0REP1", "account": "Cascade Cold Chain", "currency": "USD", "opportunities": 1, "won": 0,
         "won_back": 0, "open_pipeline": 0, "unrecovered_loss": None},
    ]


def test_the_queries_tested_here_are_the_ones_shipped(db_file):
    store = open_store(db_file)
    try:
        shipped = browse.metadata("rebound", browse.columns_by_table(store))["databases"]["rebound"]["queries"]
    finally:
        store.close()
    assert sorted(shipped) == ["avoidable_losses", "cost_of_mistakes", "debrief_coverage", "losses_by_competitor",
                               "losses_by_reason", "losses_by_seller", "pilot_conversion", "recovery_by_account",
                               "recovery_by_rep"]
    assert all(q["title"] and q["description"] for q in shipped.values())


# -- the views against the typed tables ------------------------------------------------------------------


def test_losses_view_matches_the_facts(db_file):
    store = open_store(db_file)
    try:
        view = {r["run_id"]: r for r in store.db.query("SELECT * FROM losses")}
        facts = {f["run_id"]: f for week in ("2026-W45",) for f in reports.deals(store, None, week)}
        assert set(view) == set(facts) == {"r1", "r2", "r3", "r4", "r5"}
        for run_id, f in facts.items():
            row = view[run_id]
            assert row["amount"] * 100 == f["amount_cents"] == row["amount_cents"]
            assert (row["seller"], row["team"], row["currency"], row["reason"]) == (
                f["user_id"], f["team"], f["currency"], f["primary_reason"])
            assert row["lost_on"] == (f["close_date"] or f["submitted_at"][:10])
            assert row["what_happened"] == f["detail"].get("what_happened")
            assert row["avoidable"] == (None if f["avoidable"] is None else int(f["avoidable"]))
            assert row["reviewed_by"] == f["reviewed_by"]
        reasons = list(store.db.query("SELECT run_id, reason, is_primary FROM loss_reasons WHERE run_id = 'r1'"
                                      " ORDER BY is_primary DESC"))
        assert reasons == [{"run_id": "r1", "reason": "competitor", "is_primary": 1},
                           {"run_id": "r1", "reason": "timing", "is_primary": 0}]
        statuses = dict(store.db.execute("SELECT run_id, status FROM debrief_runs WHERE run_id IN ('r6', 'r7')").fetchall())
        assert statuses == {"r6": "active", "r7": "cancelled"}
    finally:
        store.close()


def test_pilot_and_recovery_views_match_the_stores(db_file):
    store = open_store(db_file)
    try:
        view = {r["pilot_id"]: r for r in store.db.query("SELECT * FROM pilot_results")}
        pilots = pilot_store.list_pilots(store)
        assert set(view) == {p.id for p in pilots} and len(pilots) == 4
        for p in pilots:
            row = view[p.id]
            assert (row["account"], row["seller"], row["status"], row["end_date"], row["action"]) == (
                p.account, p.user_id, p.status, p.end_date, p.action)
            assert row["deal_value"] == p.deal_value["amount"] and row["currency"] == p.deal_value["currency"]
            assert row["pilot_fee"] == p.pilot_fee["amount"]
            assert row["converted"] == (None if p.action is None else int(p.action == "buy"))
            assert row["cost_value_lost"] == (p.cost["value_lost"]["amount"] if p.cost else None)
        (plan,) = recovery_store.plans(store)
        (row,) = store.db.query("SELECT * FROM recovery_plan_amounts")
        assert (row["lost"], row["retained"], row["unrecovered"], row["pipeline_to_add"]) == (
            plan.lost["amount"], plan.retained["amount"], plan.unrecovered["amount"], plan.pipeline_to_add["amount"])
        assert row["account"] == "Northwind" and row["seller"] == plan.user_id
        opportunities = {o.id: o for o in recovery_store.opportunities(store)}
        rows = {r["id"]: r for r in store.db.query("SELECT * FROM recovery_opportunity_amounts")}
        assert set(rows) == set(opportunities)
        for opp_id, o in opportunities.items():
            assert (rows[opp_id]["amount"], rows[opp_id]["currency"], rows[opp_id]["status"], rows[opp_id]["won_at"]) == (
                o.amount["amount"], o.amount["currency"], o.status, o.won_at)
    finally:
        store.close()


# -- what Datasette shows, and that it is read-only --------------------------------------------------------


def test_internal_tables_are_hidden_and_every_column_shown_is_described(datasette, db_file):
    response = asyncio.run(datasette.client.get("/rebound.json"))
    listed = {t["name"]: t for t in response.json()["tables"]}
    for name in ("outbox", "job_runs", "deliveries", "reminders", "answer_history", "schema_migrations"):
        assert listed[name]["hidden"] is True, name
    assert listed["debrief_facts"]["hidden"] is False
    store = open_store(db_file)
    try:
        columns = browse.columns_by_table(store)
    finally:
        store.close()
    shown = [name for name in columns if name not in browse.HIDDEN]
    missing = {name: [c for c in cols if c not in browse.described_columns(name, cols)]
               for name, cols in columns.items() if name in shown}
    assert {name: cols for name, cols in missing.items() if cols} == {}
    assert set(shown) <= set(browse.TABLES)  # every table and view people read has a title


def test_datasette_refuses_to_write(datasette, db_file):
    response = asyncio.run(datasette.client.get("/rebound.json?sql=DELETE+FROM+runs"))
    assert response.status_code == 400
    assert "Statement must be a SELECT" in response.text
    store = open_store(db_file)
    try:
        assert store.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 12  # 7 debriefs, 4 pilots, 1 plan
    finally:
        store.close()


def test_browse_serves_on_loopback_only(db_file, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(main, ["browse", "--port", "8123"], env={"REBOUND_DB": str(db_file)})
    assert result.exit_code == 0, result.output
    assert calls == [{"host": "127.0.0.1", "port": 8123, "log_level": "warning"}]
    assert "http://127.0.0.1:8123/" in result.stderr


def test_browse_without_the_extra_says_what_to_install(db_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasette.app", None)
    result = CliRunner().invoke(main, ["browse"], env={"REBOUND_DB": str(db_file)})
    assert result.exit_code == 1
    assert result.stderr == "Error: rebound browse needs Datasette: pip install 'rebound[browse]'\n"


def test_browse_without_a_database_says_so(tmp_path):
    result = CliRunner().invoke(main, ["browse"], env={"REBOUND_DB": str(tmp_path / "none.db")})
    assert result.exit_code == 1 and "no database at" in result.stderr
    assert not (tmp_path / "none.db").exists()
