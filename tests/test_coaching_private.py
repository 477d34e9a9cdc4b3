"""Coaching is private: the team channel's weekly summary holds the team's picture, and each
manager (in a DM, or the team's managers_channel) gets the per-seller view: the skill each
seller's losses point at and whose losses were avoidable."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from tests.support import debriefs

WEEK = "2026-W47"
# West's schedule: Monday 09:00 in Los Angeles = 17:00 UTC on 23 Nov 2026.
MONDAY = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)
LATER = datetime(2030, 1, 1, tzinfo=timezone.utc)


def seed(services) -> None:
    with freeze_time("2026-11-17T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Northwind", amount="$120k", primary_reason="price", avoidable="yes")
        debriefs.submit(services, "U0REP1", deal="Contoso", amount="$30k", primary_reason="price")
        debriefs.submit(services, "U0REP2", deal="Globex", amount="$50k", primary_reason="competitor",
                        competitor="Samsara", avoidable="yes")


def posted(services, slack_api) -> list[dict]:
    with freeze_time(MONDAY):
        assert services.tick(MONDAY) == []
    for _ in range(10):
        report = services.sender.drain(now=LATER, limit=200)
        if not (report.sent or report.retried or report.failed):
            break
    assert services.store.db.execute("SELECT key FROM outbox WHERE status != 'sent'").fetchall() == []
    return [c.params for c in slack_api.calls_to("chat.postMessage")]


def texts(message: dict) -> str:
    blocks = message["blocks"] if isinstance(message["blocks"], list) else json.loads(message["blocks"])
    return "\n".join((b.get("text") or {}).get("text", "") for b in blocks if b["type"] == "section")


@pytest.fixture
def services(tmp_path, slack_api):
    services = debriefs.build(tmp_path, slack_api=slack_api)
    yield services
    services.close()


def weekly_posts(messages: list[dict], channel: str) -> list[dict]:
    return [m for m in messages if m["channel"] == channel and "Closed-lost review" in json.dumps(m["blocks"], ensure_ascii=False)]


def coaching_posts(messages: list[dict], channel: str) -> list[dict]:
    return [m for m in messages if m["channel"] == channel and "Coaching ·" in json.dumps(m["blocks"], ensure_ascii=False)]


TEAM_OVERVIEW = """\
*3 deals lost* · USD 200,000
Avoidable, in the sellers' view: 2 of 3 · reviewed by a manager: 0 of 3"""

TEAM_BIGGEST = """\
*Biggest losses*
1. *Northwind* · USD 120,000 · Price · <@U0REP1>
      _They chose a cheaper tool._
2. *Globex* · USD 50,000 · Lost to a competitor (Samsara) · <@U0REP2>
      _They chose a cheaper tool._
3. *Contoso* · USD 30,000 · Price · <@U0REP1>
      _They chose a cheaper tool._"""

COACHING = """\
*Coaching view for managers* · West Enterprise · 3 deals lost · only you see this
*By seller*, with the skill their losses point at
██████████ <@U0REP1>: 2 · USD 150,000 · 1 avoidable · reviewed 0/2
      _Coach:_ negotiating, closing, building value before price
█████ <@U0REP2>: 1 · USD 50,000 · 1 avoidable · reviewed 0/1
      _Coach:_ presenting, communicating differentiation
*Avoidable losses* (2): where coaching pays off
• *Northwind* · USD 120,000 · Price · <@U0REP1>
• *Globex* · USD 50,000 · Lost to a competitor · <@U0REP2>"""


def test_the_team_post_holds_the_teams_picture_and_no_coaching_line(services, slack_api):
    seed(services)
    [post] = weekly_posts(posted(services, slack_api), "C0WEST")
    text = texts(post)
    assert text.startswith(TEAM_OVERVIEW + "\n*Trend*")
    assert "*By main reason*\n██████████ Price: 2 · USD 150,000\n█████ Lost to a competitor: 1 · USD 50,000" in text
    assert "*By competitor*\n██████████ Samsara: 1 · USD 50,000" in text
    assert TEAM_BIGGEST in text
    # Nothing that says which seller should practise what, or whose losses were avoidable.
    for private in ("Coach", "By seller", "avoidable ·", "· avoidable", "Avoidable losses", "negotiating", "presenting"):
        assert private not in text
    deals = [line for line in text.splitlines() if line.startswith("*Northwind*") or line.startswith("*Globex*")]
    assert sorted(deals) == ["*Globex* · USD 50,000 · Lost to a competitor (Samsara) · <@U0REP2>",
                             "*Northwind* · USD 120,000 · Price · <@U0REP1>"]  # same second: any order


def test_each_manager_gets_the_per_seller_view_in_a_dm(services, slack_api):
    seed(services)
    messages = posted(services, slack_api)
    [dm] = coaching_posts(messages, "U0MGR1")
    assert texts(dm) == COACHING
    assert dm["text"] == "West Enterprise: the week's losses by seller, for managers only"
    assert [m["channel"] for m in messages if "Coaching ·" in json.dumps(m["blocks"], ensure_ascii=False)] == ["U0MGR1"]


def test_a_managers_channel_gets_the_view_instead_of_dms(tmp_path, slack_api):
    teams = debriefs.TEAMS.replace("    managers: [U0MGR1]\n", "    managers: [U0MGR1, U0MGR9]\n    managers_channel: C0WMGR\n")
    services = debriefs.build(tmp_path, teams=teams, slack_api=slack_api)
    try:
        seed(services)
        messages = posted(services, slack_api)
        [post] = coaching_posts(messages, "C0WMGR")
        assert texts(post) == COACHING
        assert coaching_posts(messages, "U0MGR1") == [] and coaching_posts(messages, "U0MGR9") == []
    finally:
        services.close()


def test_two_managers_each_get_their_own_dm_once(tmp_path, slack_api):
    teams = debriefs.TEAMS.replace("    managers: [U0MGR1]\n", "    managers: [U0MGR1, U0MGR9]\n")
    services = debriefs.build(tmp_path, teams=teams, slack_api=slack_api)
    try:
        seed(services)
        messages = posted(services, slack_api)
        with freeze_time(MONDAY.replace(minute=5)):
            services.tick(MONDAY.replace(minute=5))  # a later tick posts nothing again
        services.sender.drain(now=LATER, limit=200)
        calls = [c.params for c in slack_api.calls_to("chat.postMessage")]
        assert [texts(m) for m in coaching_posts(calls, "U0MGR1")] == [COACHING]
        assert [texts(m) for m in coaching_posts(calls, "U0MGR9")] == [COACHING]
        assert len(calls) == len(messages)
    finally:
        services.close()


def test_a_managers_channel_that_is_not_a_channel_id_is_refused_with_its_line(tmp_path):
    from bot.files.teams import check_teams_file

    path = tmp_path / "teams.yml"
    path.write_text(debriefs.TEAMS.replace("    managers: [U0MGR1]\n", "    managers: [U0MGR1]\n    managers_channel: west-managers\n"))
    teams, problems = check_teams_file(path)
    assert teams is None
    [problem] = problems
    assert problem.line == 6 and "not a Slack channel id" in problem.message


def test_the_per_debrief_channel_post_keeps_coaching_private(services, slack_api):
    with freeze_time("2026-11-17T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Northwind", amount="$120k", primary_reason="price", avoidable="yes")
    services.sender.drain(now=LATER, limit=200)
    [post] = [c.params for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == "C0WEST"]
    text = texts(post)
    assert text.startswith("*Closed-lost: Northwind* · USD 120,000\nDebriefed by <@U0REP1>\n\n*Why we lost it:* Price"
                           "\n\n*What happened*\n> They chose a cheaper tool.")
    for private in ("Avoidable", "Skill to practise", "negotiating", "What your manager is likely to ask"):
        assert private not in text
    [review] = [c.params for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == "U0MGR1"]
    assert "*Skill worth coaching:* negotiating, closing, building value before price" in texts(review)


def _runs(services) -> dict[str, str]:
    rows = services.store.db.execute("SELECT run_id, deal FROM debrief_facts").fetchall()
    return {deal: run_id for run_id, deal in rows}


def test_the_team_post_counts_reviews_with_an_agreed_action_and_names_no_one(services, slack_api):
    from bot.store import reports

    seed(services)
    services.tick(datetime(2026, 11, 18, tzinfo=timezone.utc))  # facts recorded, nothing due yet
    runs = _runs(services)
    store = services.store
    with freeze_time("2026-11-18T10:00:00Z"):
        # Northwind: notes with an action (as the review-notes modal stores them)
        reports.add_review_notes(store, runs["Northwind"], "west", coaching_action="Anchor on value before price",
                                 loss_reason=None, one_on_one_held=True, by="U0MGR1")
        reports.record_review(store, runs["Northwind"], "west", "reviewed", "U0MGR1")
        # Globex: notes whose latest version has no action (written, then emptied)
        reports.add_review_notes(store, runs["Globex"], "west", coaching_action="Demo the routing earlier",
                                 loss_reason=None, one_on_one_held=False, by="U0MGR1")
        reports.add_review_notes(store, runs["Globex"], "west", coaching_action="  ", loss_reason=None,
                                 one_on_one_held=False, by="U0MGR1")
        reports.record_review(store, runs["Globex"], "west", "reviewed", "U0MGR1")
        # Contoso: marked reviewed, no notes at all
        reports.record_review(store, runs["Contoso"], "west", "reviewed", "U0MGR1")
    messages = posted(services, slack_api)
    [post] = weekly_posts(messages, "C0WEST")
    text = texts(post)
    assert text.startswith("*3 deals lost* · USD 200,000\nAvoidable, in the sellers' view: 2 of 3"
                           " · reviewed by a manager: 3 of 3, 1 with an agreed coaching action\n*Trend*")
    # the head of sales' roll-up counts the same
    [rollup] = [m for m in messages if m["channel"] == "C0LEAD"]
    assert "· reviewed by a manager: 3 of 3, 1 with an agreed coaching action\n*By team*" in texts(rollup)
    # the count is the team's: the action itself stays in the manager's notes
    assert "Anchor on value" not in json.dumps(messages) and "Demo the routing" not in json.dumps(messages)


def test_reviews_without_an_agreed_action_count_zero(services, slack_api):
    from bot.store import reports

    seed(services)
    services.tick(datetime(2026, 11, 18, tzinfo=timezone.utc))
    runs = _runs(services)
    with freeze_time("2026-11-18T10:00:00Z"):
        reports.add_review_notes(services.store, runs["Globex"], "west", coaching_action=None, loss_reason="price",
                                 one_on_one_held=True, by="U0MGR1")
        reports.record_review(services.store, runs["Globex"], "west", "reviewed", "U0MGR1")
    [post] = weekly_posts(posted(services, slack_api), "C0WEST")
    assert "· reviewed by a manager: 1 of 3, 0 with an agreed coaching action\n" in texts(post)
