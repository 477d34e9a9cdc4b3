"""Never lose a deal alone: the debrief asks (optionally) who else worked the deal and roughly
how many hours the team put in; the facts keep both (migration 0016), and the weekly summary
counts the deals lost single-handed, out of those whose seller said."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from bot.flows.debrief.reports import WeeklySummaries
from bot.store import reports
from tests.support import debriefs

WEEK = "2026-W47"


@pytest.fixture
def services(tmp_path):
    services = debriefs.build(tmp_path)
    yield services
    services.close()


def seed(services) -> dict[str, str]:
    with freeze_time("2026-11-17T18:00:00Z"):
        alone = debriefs.submit(services, "U0REP1", deal="Alone", involved="Nobody (I worked it alone)",
                                team_hours="40")
        team = debriefs.submit(services, "U0REP2", deal="Together", involved="A sales engineer, My manager",
                               team_hours="12.5")
        silent = debriefs.submit(services, "U0REP3", deal="Quiet")  # no detail: neither question asked
        mixed = debriefs.submit(services, "U0REP1", deal="Mixed", involved="Nobody (I worked it alone), My manager")
    return {"alone": alone.id, "team": team.id, "silent": silent.id, "mixed": mixed.id}


def test_the_facts_keep_who_was_involved_and_the_hours(services):
    ids = seed(services)
    facts = {f["run_id"]: f for f in reports.deals(services.store, "west", WEEK)}
    assert (facts[ids["alone"]]["involved"], facts[ids["alone"]]["team_hours"]) == (["nobody"], 40.0)
    assert (facts[ids["team"]]["involved"], facts[ids["team"]]["team_hours"]) == (
        ["sales_engineer", "manager"], 12.5)
    assert (facts[ids["silent"]]["involved"], facts[ids["silent"]]["team_hours"]) == (None, None)
    assert facts[ids["mixed"]]["involved"] == ["manager"]  # "nobody" beside a role: the role happened


def test_the_weekly_summary_counts_deals_lost_single_handed(services):
    seed(services)
    text = WeeklySummaries(services.tools).build(services.teams.get("west"), WEEK, plain=True).text
    # 4 deals; 3 sellers said who was involved (Alone, Together, Mixed); 1 of them alone.
    assert "Lost single-handed (nobody else worked the deal): 1 of the 3 where the seller said who was involved" in text


def test_a_week_where_nobody_said_shows_no_single_handed_line(services):
    with freeze_time("2026-11-17T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Quiet")
    text = WeeklySummaries(services.tools).build(services.teams.get("west"), WEEK, plain=True).text
    assert "*1 deal lost*" in text and "single-handed" not in text


def test_a_deal_lost_alone_routes_to_enablement(services):
    with freeze_time("2026-11-17T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Solo timing", primary_reason="timing",
                        involved="Nobody (I worked it alone)")
        debriefs.submit(services, "U0REP2", deal="Team timing", primary_reason="timing", involved="My manager")
    monday = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)
    with freeze_time(monday):
        services.tick(monday)
    rows = services.store.db.execute("SELECT payload FROM outbox WHERE key LIKE 'digest:enablement:%'").fetchall()
    [payload] = [json.loads(row[0]) for row in rows]
    text = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "*Solo timing*" in text and "Team timing" not in text
    assert "Topics: bringing in the team (1)" in text
