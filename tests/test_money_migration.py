"""Migration 0007 on a database built at 0006 with rows in it: money becomes integer cents
beside a currency, exactly, and SQL can add it."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bot.store import pilots as pilot_store
from bot.store import recovery as rs
from bot.store.db import Store
from bot.store.migrations import MIGRATIONS

AT_0006 = [name for name, _ in MIGRATIONS].index("0006_outbox_lanes") + 1
NOW = "2026-11-23T09:00:00+00:00"


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def store_at_0006(path) -> Store:
    """A store migrated only up to 0006, as a deployment running the previous release has it."""
    store = Store(path)
    with store.transaction() as db:
        db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        for name, apply in MIGRATIONS[:AT_0006]:
            apply(db)
            db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", [name, NOW])
    return store


def add_run(db, run_id: str, playbook: str) -> None:
    db.execute("INSERT INTO runs (id, playbook, playbook_version, user_id, team, status, started_at, updated_at)"
               " VALUES (?, ?, 1, 'U1', 'west', 'submitted', ?, ?)", [run_id, playbook, NOW, NOW])


def add_pilot(db, pilot_id, run_id, deal_value, pilot_fee, cost):
    db.execute(
        "INSERT INTO pilots (id, team, user_id, account, status, version, current_run_id, start_date, end_date,"
        " deal_value, pilot_fee, cost, created_at, updated_at)"
        " VALUES (?, 'west', 'U1', 'Acme', 'open', 1, ?, '2026-11-01', '2026-12-01', ?, ?, ?, ?, ?)",
        [pilot_id, run_id, deal_value, pilot_fee, cost, NOW, NOW])


def add_opportunity(db, key, amount_json, currency):
    db.execute(
        "INSERT INTO recovery_opportunities (user_id, team, key, name, amount, currency, source, created_at, updated_at)"
        " VALUES ('U1', 'west', ?, ?, ?, ?, 'csv', ?, ?)", [key, key, amount_json, currency, NOW, NOW])


@pytest.fixture
def migrated(tmp_path):
    store = store_at_0006(tmp_path / "rebound.db")
    cost = {"round": 1, "hours": 40.5, "currency": "USD", "effort_cost": usd(20250.125),
            "full_value": usd(120000), "recovered_value": usd(60000), "value_lost": usd(60000),
            "net": usd(-0.005), "by_person": [{"who": "Aisha", "hours": 40.5, "cost": usd(20250.125)}],
            "recorded_by": "U1"}
    with store.transaction() as db:
        for run_id, playbook in (("r1", "pilot-plan"), ("r2", "pilot-plan"), ("r3", "recover"), ("r4", "recover")):
            add_run(db, run_id, playbook)
        # x.xx5 rounds up, JPY is hundredths too (one rule), a pilot with no fee and no cost stays NULL
        add_pilot(db, "pr1", "r1", json.dumps(usd(1250.125)), json.dumps({"amount": 500, "currency": "JPY"}),
                  json.dumps(cost))
        add_pilot(db, "pr2", "r2", json.dumps({"amount": 0.004, "currency": "EUR"}), None, None)
        db.execute(
            "INSERT INTO recovery_plans (run_id, user_id, team, currency, lost, retained, unrecovered, pipeline_to_add,"
            " multiple, submitted_at) VALUES ('r3', 'U1', 'west', 'EUR', ?, ?, ?, ?, 3, ?)",
            [json.dumps({"amount": 120000, "currency": "EUR"}), json.dumps({"amount": 35000.5, "currency": "EUR"}),
             json.dumps({"amount": 84999.5, "currency": "EUR"}), json.dumps({"amount": 254998.5, "currency": "EUR"}),
             NOW])
        add_opportunity(db, "a", json.dumps(usd(0.015)), "USD")
        add_opportunity(db, "b", '{"amount": 999999999999999.99, "currency": "USD"}', "USD")  # a float would lose it
        add_opportunity(db, "c", json.dumps({"amount": 1250.125, "currency": "GBP"}), "GBP")
        add_opportunity(db, "d", json.dumps({"amount": 0, "currency": "GBP"}), "GBP")
    assert store.migrate()[0] == "0007_money_cents"  # then any later ones (0009_inbox ...)
    yield store
    store.close()


def columns(store, table):
    return [row[1] for row in store.db.execute(f"PRAGMA table_info({table})").fetchall()]


def test_migration_converts_pilot_amounts_to_exact_cents(migrated):
    rows = migrated.db.execute(
        "SELECT id, deal_value_cents, deal_value_currency, pilot_fee_cents, pilot_fee_currency, cost_currency,"
        " cost_effort_cents, cost_full_value_cents, cost_recovered_cents, cost_value_lost_cents, cost_net_cents"
        " FROM pilots ORDER BY id").fetchall()
    assert rows == [
        ("pr1", 125013, "USD", 50000, "JPY", "USD", 2025013, 12000000, 6000000, 6000000, -1),
        ("pr2", 0, "EUR", None, None, None, None, None, None, None, None),
    ]
    assert "deal_value" not in columns(migrated, "pilots") and "pilot_fee" not in columns(migrated, "pilots")
    detail = json.loads(migrated.db.execute("SELECT cost FROM pilots WHERE id = 'pr1'").fetchone()[0])
    assert detail == {"round": 1, "hours": 40.5, "recorded_by": "U1",
                      "by_person": [{"who": "Aisha", "hours": 40.5, "cost": usd(20250.125)}]}


def test_migrated_pilot_reads_back_as_rounded_amount_dicts(migrated):
    pilot = pilot_store.get(migrated, "pr1")
    assert pilot.deal_value == usd(1250.13)
    assert pilot.pilot_fee == {"amount": 500, "currency": "JPY"}
    assert pilot.cost["currency"] == "USD"
    assert (pilot.cost["effort_cost"], pilot.cost["net"], pilot.cost["hours"]) == (usd(20250.13), usd(-0.01), 40.5)
    assert pilot_store.get(migrated, "pr2").cost is None


def test_migration_converts_recovery_plans_and_opportunities(migrated):
    assert migrated.db.execute(
        "SELECT currency, lost_cents, retained_cents, unrecovered_cents, pipeline_to_add_cents FROM recovery_plans"
    ).fetchall() == [("EUR", 12000000, 3500050, 8499950, 25499850)]
    assert not {"lost", "retained", "unrecovered", "pipeline_to_add"} & set(columns(migrated, "recovery_plans"))
    assert migrated.db.execute("SELECT key, amount_cents, currency FROM recovery_opportunities ORDER BY key").fetchall() == [
        ("a", 2, "USD"), ("b", 99999999999999999, "USD"), ("c", 125013, "GBP"), ("d", 0, "GBP")]
    assert "amount" not in columns(migrated, "recovery_opportunities")
    plan = rs.get_plan(migrated, "r3")
    assert (plan.lost, plan.retained) == ({"amount": 120000, "currency": "EUR"}, {"amount": 35000.5, "currency": "EUR"})


def test_sql_can_add_the_lost_revenue_per_currency(migrated):
    """What someone opening the file in sqlite-utils or Datasette would type."""
    assert migrated.db.execute(
        "SELECT currency, SUM(amount_cents) FROM recovery_opportunities GROUP BY currency ORDER BY currency"
    ).fetchall() == [("GBP", 125013), ("USD", 100000000000000001)]


def test_new_rows_store_cents_and_refuse_a_second_currency_in_one_row(migrated):
    rs.upsert_opportunity(migrated, user_id="U2", team="west", source="typed",
                          opportunity={"name": "Globex", "amount": {"amount": 19.995, "currency": "EUR"}})
    assert migrated.db.execute("SELECT amount_cents, currency FROM recovery_opportunities WHERE user_id = 'U2'"
                               ).fetchone() == (2000, "EUR")
    with pytest.raises(ValueError, match="one currency"):
        pilot_store.record_cost(migrated, "pr2", {"effort_cost": usd(1), "net": {"amount": 1, "currency": "EUR"}})


def test_migration_runs_once(migrated):
    assert migrated.migrate() == []
    with pytest.raises(sqlite3.OperationalError):
        migrated.db.execute("SELECT amount FROM recovery_opportunities")
