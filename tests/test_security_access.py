"""Who sees what: a rep acts only on their own runs, a manager sees their team's, the head of
sales everyone's, and a team's summaries go only to that team's channels. Every action
handler, the flows' own buttons included, checks the acting user."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from bot import ids
from bot.store import runs as run_store
from tests.security_support import fresh_reps, walk_to_review
from tests.security_support import app, dm, shared, slack_api  # noqa: F401 (fixtures: one app per module)

WEST, EMEA = fresh_reps("west"), fresh_reps("emea")
MANAGER_WEST, MANAGER_EMEA, HEAD = "U0MGR1", "U0MGR2", "U0HEAD"


def digest(store, *, exclude=("outbox", "deliveries", "inbox", "inbox_worked")) -> dict[str, str]:
    """A fingerprint of every row of every table but ``exclude``: any change shows. (The inbox
    holds every request received, refused ones too, and ``inbox_worked`` that each was worked:
    that it was received and answered is not a change.)"""
    tables = [row[0] for row in store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    result = {}
    for table in tables:
        if table in exclude:
            continue
        rows = store.db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
        result[table] = hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()
    return result


def forged_clicks(kind: str, run_id: str, step_id: str | None) -> list[dict]:
    """Ways a click on ``kind`` can name a run: in the block id, in the value, with a value or a pick."""
    nav = ids.ActionValue(run_id, step_id, "nav").encode()
    field = ids.ActionValue(run_id, step_id, "in").encode()
    plain = ids.ActionValue(run_id).encode()
    with_step = ids.ActionValue(run_id, step_id).encode()
    picked = {"selected_option": {"value": "competitor"}, "selected_date": "2026-11-20", "selected_user": "U0REP2"}
    return [
        {"action_id": kind, "block_id": nav, "value": "yes"},
        {"action_id": kind, "block_id": field, "value": "yes", **picked},
        {"action_id": kind, "block_id": "b", "value": plain},
        {"action_id": kind, "block_id": "b", "value": with_step},
    ]


def send_forged(dm, actor: str, kinds, run_id: str, step_id: str | None) -> list[int]:
    statuses = []
    for kind in kinds:
        for action in forged_clicks(kind, run_id, step_id):
            reply = dm.sender.action(actor, kind, raw_action={**action, "type": "button", "action_ts": _ts()},
                                     channel_id="D" + actor)
            statuses.append(reply.status)
    dm.app.drain()
    return statuses


_count = iter(range(10**6))


def _ts() -> str:
    return f"1800000000.{next(_count):06d}"


def assert_untouched(app, before: dict, outbox_before: int, actors: list[str]) -> None:
    """Nothing stored changed, and the only posts queued are notes to the people who clicked."""
    assert digest(app.services.store) == before, "a forged click changed stored state"
    rows = app.services.store.db.execute("SELECT key, payload FROM outbox WHERE id > ?", [outbox_before]).fetchall()
    for key, payload in rows:
        channel = json.loads(payload).get("channel")
        assert channel in actors + ["D" + a for a in actors], f"a forged click posted {key} to {channel}"


def outbox_high_water(app) -> int:
    return app.services.store.db.execute("SELECT COALESCE(MAX(id), 0) FROM outbox").fetchone()[0]


CORE_KINDS = sorted(ids.ALL_ACTIONS - {ids.MULTI_TOGGLE})


@pytest.mark.parametrize("where", ["question", "review"])
def test_forged_clicks_of_every_kind_on_another_persons_run_are_refused(app, dm, caplog, where):
    owner = next(WEST)
    dm.command(owner, "/debrief", "Acme renewal")
    if where == "review":
        walk_to_review(dm, owner, "debrief")
    screen = dm.screen(owner)
    before, high = digest(app.services.store), outbox_high_water(app)
    kinds = CORE_KINDS + sorted(app.services.chat.actions)
    with caplog.at_level(logging.ERROR):
        # a teammate, someone from another team, their manager and the head of sales may not edit it
        actors = [next(WEST), next(EMEA), MANAGER_WEST, HEAD]
        for actor in actors:
            statuses = send_forged(dm, actor, kinds, screen.run_id, screen.step_id)
            assert set(statuses) == {200}
        assert_untouched(app, before, high, actors)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("someone else" in text for text in dm.dm_texts(MANAGER_WEST))


def test_forged_clicks_on_a_submitted_run_are_refused_for_people_outside_the_team(app, dm, caplog):
    owner = next(WEST)
    dm.command(owner, "/debrief")
    walk_to_review(dm, owner, "debrief")
    dm.click(owner, "Submit")
    run = run_store.list_runs(app.services.store, user_id=owner)[0]
    assert run.status == "submitted"
    before, high = digest(app.services.store), outbox_high_water(app)
    kinds = CORE_KINDS + sorted(app.services.chat.actions)
    with caplog.at_level(logging.ERROR):
        # the flows' own buttons (a manager's "Mark reviewed", a pilot's outcome) included
        actors = [next(WEST), next(EMEA), MANAGER_EMEA]
        for actor in actors:
            statuses = send_forged(dm, actor, kinds, run.id, None)
            assert set(statuses) == {200}
        assert_untouched(app, before, high, actors)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_app_home_shows_a_rep_their_own_a_manager_their_team_and_the_head_everyone(app, dm, slack_api):
    west_rep, other_west_rep, emea_rep = next(WEST), next(WEST), next(EMEA)
    for rep, deal in ((west_rep, "Westwind Logistics"), (emea_rep, "Emden Freight")):
        dm.command(rep, "/debrief")
        walk_to_review(dm, rep, "debrief", {**_debrief_answers(), "deal": deal})
        dm.click(rep, "Submit")
    dm.command(other_west_rep, "/debrief", "Secret Pipeline Co")  # in progress: only its owner sees it
    since = len(slack_api.calls)
    for viewer in (west_rep, other_west_rep, emea_rep, MANAGER_WEST, MANAGER_EMEA, HEAD):
        dm.sender.event({"type": "app_home_opened", "user": viewer, "tab": "home", "channel": "D" + viewer})
    app.drain()
    views = {c.params["user_id"]: json.dumps(c.params["view"]) for c in slack_api.calls[since:]
             if c.method == "views.publish"}
    sees = {viewer: {deal for deal in ("Westwind", "Emden", "Secret Pipeline") if deal in view}
            for viewer, view in views.items()}
    assert sees == {
        west_rep: {"Westwind"},
        other_west_rep: {"Secret Pipeline"},
        emea_rep: {"Emden"},
        MANAGER_WEST: {"Westwind"},
        MANAGER_EMEA: {"Emden"},
        HEAD: {"Westwind", "Emden"},
    }


def _debrief_answers():
    from tests.security_support import example_answers

    return example_answers("debrief")


def test_summaries_go_only_to_the_teams_own_channels(app, dm):
    """Everything a submit queues goes to the rep, their team's channel and managers, or the
    shared routing channels; nothing about one team reaches another team's channel or managers."""
    teams = app.services.teams
    shared_channels = {teams.routing.product_channel, teams.routing.enablement_channel}
    for team_id, rep in (("west", next(WEST)), ("emea", next(EMEA))):
        for playbook_id in ("debrief", "graceful-no"):
            dm.command(rep, app.services.playbooks[playbook_id].command)
            answers = _debrief_answers() if playbook_id == "debrief" else None
            walk_to_review(dm, rep, playbook_id, {**answers, "deal": f"Deal of {team_id}"} if answers else None)
            dm.click(rep, "Submit")
        team = teams.get(team_id)
        allowed = {rep, "D" + rep, team.summary_channel, *team.managers, *shared_channels}
        runs = run_store.list_runs(app.services.store, user_id=rep)
        assert {r.status for r in runs} == {"submitted"} and len(runs) == 2
        for run in runs:
            rows = app.services.store.db.execute("SELECT key, payload FROM outbox WHERE run_id = ?", [run.id]).fetchall()
            channels = {json.loads(payload).get("channel") for _, payload in rows} - {None}
            assert channels <= allowed, f"{run.playbook} for {team_id} posted to {channels - allowed}"
        other = teams.get("emea" if team_id == "west" else "west")
        posted = {c.params.get("channel") for c in dm.slack_api.calls_to("chat.postMessage")
                  if rep in json.dumps(c.params) or any(r.id in json.dumps(c.params) for r in runs)}
        assert other.summary_channel not in posted and not set(other.managers) & posted
    # the weekly summary of each team goes to its own channel and speaks of its own deals only
    from datetime import date

    from bot import clock
    from bot.flows.debrief.reports import WeeklySummaries

    closed = date.fromisoformat(str(_debrief_answers()["close_date"]))  # a loss counts in the week it closed
    for team in teams.teams:
        posting = WeeklySummaries(app.services.tools).post(team, clock.iso_week(closed))
        assert posting.keys, posting
        payloads = [app.services.store.db.execute("SELECT payload FROM outbox WHERE key = ?", [key]).fetchone()[0]
                    for key in posting.keys]
        # the team's channel, and its own managers' private coaching view (never another team's)
        assert {json.loads(payload)["channel"] for payload in payloads} == {team.summary_channel, *team.coaching_targets}
        other = "emea" if team.id == "west" else "west"
        assert f"Deal of {team.id}" in "".join(payloads) and f"Deal of {other}" not in "".join(payloads)
