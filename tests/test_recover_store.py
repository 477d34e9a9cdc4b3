"""Recovery rows in SQLite (bot/store/recovery.py): natural keys make every write a no-op on retry."""

from __future__ import annotations

from freezegun import freeze_time

from bot.store import recovery as rs
from bot.store import runs as run_store
from tests.helpers import usd


def test_migration_is_named_and_applied_once(store):
    names = [row[0] for row in store.db.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert "0005_recovery" in names
    assert store.migrate() == []


def test_opportunity_key_ignores_case_accents_and_punctuation():
    assert rs.opportunity_key("Café  Nord – Expansion!") == rs.opportunity_key("cafe nord - expansion")
    assert rs.opportunity_key("Renewal", "Acme") != rs.opportunity_key("Renewal", "Globex")


def test_upsert_updates_by_natural_key_and_keeps_progress(store):
    first, created = rs.upsert_opportunity(store, user_id="U1", team="west", source="csv",
                                           opportunity={"name": "Summit – new logo", "amount": usd(90000), "effort": 4})
    assert created
    assert rs.set_status(store, first, "won")
    again, created = rs.upsert_opportunity(store, user_id="U1", team="west", source="typed",
                                           opportunity={"name": "summit - NEW LOGO", "amount": usd(95000)})
    assert (again, created) == (first, False)
    [opp] = rs.opportunities(store, user_id="U1")
    assert opp.amount == usd(95000) and opp.status == "won" and opp.effort is None and opp.source == "typed"
    other, created = rs.upsert_opportunity(store, user_id="U2", team="west", source="typed",
                                           opportunity={"name": "Summit – new logo", "amount": usd(1)})
    assert created and other != first


def test_set_status_records_won_at_and_refuses_a_repeat(store):
    with freeze_time("2026-11-10T09:00:00Z"):
        opp_id, _ = rs.upsert_opportunity(store, user_id="U1", team=None, source="typed",
                                          opportunity={"name": "A", "amount": usd(5)})
        assert rs.set_status(store, opp_id, "won")
        assert not rs.set_status(store, opp_id, "won")
    assert rs.get_opportunity(store, opp_id).won_at == "2026-11-10T09:00:00+00:00"
    assert rs.set_status(store, opp_id, "open")
    assert rs.get_opportunity(store, opp_id).won_at is None
    assert [o.id for o in rs.opportunities(store, statuses=("open", "moved"))] == [opp_id]
    assert rs.get_opportunity(store, 999) is None


def test_plans_are_saved_once_and_listed_oldest_first(store):
    for run_id, at in (("r2", "2026-11-03T00:00:00+00:00"), ("r1", "2026-11-01T00:00:00+00:00")):
        run_store.create_run(store, playbook="recover", playbook_version=1, user_id="U1", team="west", cursor=None,
                             run_id=run_id)
        run_store.mark_submitted(store, run_id)
        plan = {"currency": "USD", "lost": usd(10), "retained": usd(0), "unrecovered": usd(10),
                "pipeline_to_add": usd(30), "multiple": 3}
        assert rs.save_plan(store, run_id=run_id, user_id="U1", team="west", plan=plan, submitted_at=at)
        assert not rs.save_plan(store, run_id=run_id, user_id="U1", team="west", plan=plan, submitted_at=at)
    assert [p.run_id for p in rs.plans(store, team="west")] == ["r1", "r2"]
    assert [p.run_id for p in rs.plans(store, user_id="U1", before="2026-11-02")] == ["r1"]
    assert rs.latest_plan(store, "U1").run_id == "r2"
    rs.set_plan_message(store, "r2", "recover-plan:r2")
    assert rs.get_plan(store, "r2").message_key == "recover-plan:r2"
    assert rs.get_plan(store, "r2").as_plan()["unrecovered"] == usd(10)


def test_member_weights_and_team_settings(store):
    rs.set_member_weights(store, "west", "U1", {"revenue": 5})
    rs.set_member_weights(store, "west", "U1", {"revenue": 7})
    rs.set_member_weights(store, "west", "U2", {"effort": 1})
    assert rs.member_weights(store, "west") == {"U1": {"revenue": 7}, "U2": {"effort": 1}}
    assert rs.clear_member_weights(store, "west", "U2") and not rs.clear_member_weights(store, "west", "U2")
    assert rs.team_settings(store, "west").locked_weights is None
    rs.lock_weights(store, "west", {"revenue": 9}, "U0MGR1")
    rs.set_threshold(store, "west", 0.4, "U0MGR1")
    settings = rs.team_settings(store, "west")
    assert (settings.locked_weights, settings.locked_by, settings.concentration_threshold) == ({"revenue": 9}, "U0MGR1", 0.4)
    rs.unlock_weights(store, "west", "U0MGR1")
    settings = rs.team_settings(store, "west")
    assert settings.locked_weights is None and settings.concentration_threshold == 0.4
