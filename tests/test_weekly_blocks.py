"""Every weekly post is Block Kit Slack accepts: the team summary with 60 deals (paginated,
at most 50 blocks a message), the roll-up, both digests, an empty week and a week with the
flows' sections. The Slack stand-in validates each message and fails the test otherwise."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from bot.domain.taxonomy import LOSS_REASON_KEYS
from bot.flows.debrief.digests import InsightDigests, Rollup
from bot.jobs.weekly_posts import pages
from bot.flows.debrief.reports import WeeklySummaries
from bot.render import blocks as bk
from bot.flows.hooks import SummarySection
from bot.store import reports
from tests.support import debriefs

WEEK = "2026-W47"
LATER = datetime(2030, 1, 1, tzinfo=timezone.utc)  # drain after whatever time the posts were queued at
HOSTILE = "<!channel> & <@U0BOSS> <https://evil.example|click>"
STORY = ("We lost the champion in week two, then procurement ran a bake-off. " * 40)[:2900]


def hand_built(n: int, team: str = "west") -> tuple[list[dict], list[dict]]:
    runs, facts = [], []
    for i in range(n):
        run_id = f"r{team[:2]}{i:010d}"
        submitted = f"2026-11-{17 + i % 5:02d}T18:{i % 60:02d}:00+00:00"
        currency = "USD" if i % 3 else "EUR"
        runs.append({"id": run_id, "playbook": "debrief", "user_id": f"U0REP{1 + i % 3}", "team": team,
                     "status": "submitted", "started_at": submitted, "submitted_at": submitted})
        facts.append({
            "run_id": run_id, "team": team, "user_id": f"U0REP{1 + i % 3}", "week": WEEK, "submitted_at": submitted,
            "deal": f"{HOSTILE} deal {i} " + "x" * 80, "account": f"Account {i} & sons",
            "amount_cents": (i + 1) * 1_234_567, "currency": currency,
            "retained_cents": 100_000 if i % 7 == 0 else None, "retained_currency": currency if i % 7 == 0 else None,
            "unrecovered_cents": (i + 1) * 1_234_567, "primary_reason": LOSS_REASON_KEYS[i % len(LOSS_REASON_KEYS)],
            "other_reasons": ["product_gap"], "competitor": f"Rival {i % 4} <b>", "gap": f"Gap {i % 5} > SSO",
            "avoidable": i % 2 == 0, "stage_lost": "proposal", "close_date": "2026-11-18",
            "to_product": True, "to_enablement": i % 2 == 1,
            "detail": {"what_happened": STORY + HOSTILE, "customer_words": HOSTILE * 30,
                       "product_lesson": ("Drivers need one app. " * 100) + HOSTILE,
                       "enablement_lesson": ("No one-pager. " * 100) + HOSTILE,
                       "crm_ref": f"https://crm.example/{i}" if i % 2 else "CRM-1"},
        })
    return runs, facts


@pytest.fixture
def services(tmp_path, slack_api):
    services = debriefs.build(tmp_path, slack_api=slack_api)
    yield services
    services.close()


def post_all(services, slack_api) -> list[dict]:
    """Drain the outbox to the stand-in; every row must be sent (none rejected)."""
    for _ in range(20):
        report = services.sender.drain(now=LATER, limit=200)
        if not (report.sent or report.retried or report.failed):
            break
    failed = services.store.db.execute("SELECT key, last_error FROM outbox WHERE status != 'sent'").fetchall()
    assert failed == []
    return [c.params for c in slack_api.calls_to("chat.postMessage")]


def assert_within_limits(blocks: list[dict]) -> None:
    assert 1 <= len(blocks) <= bk.MAX_MESSAGE_BLOCKS
    for block in blocks:
        text = (block.get("text") or {}).get("text") or ""
        assert len(text) <= (bk.MAX_HEADER_TEXT if block["type"] == "header" else bk.MAX_SECTION_TEXT)
        for element in block.get("elements", []):
            assert len(element.get("text", "")) <= bk.MAX_SECTION_TEXT


def test_summary_of_sixty_deals_is_paginated_within_slack_limits(services, slack_api):
    reports.bulk_load(services.store, *hand_built(60))
    summary = WeeklySummaries(services.tools).build(services.teams.get("west"), WEEK)
    assert len(summary.posts) >= 2
    for number, page in enumerate(summary.posts, 1):
        assert_within_limits(page.blocks)
        assert f"part {number} of {len(summary.posts)}" in json.dumps(page.blocks)
    with freeze_time("2026-11-23T17:00:00Z"):
        posting = WeeklySummaries(services.tools).post(services.teams.get("west"), WEEK)
    assert posting.keys == ([f"weekly:west:{WEEK}:{n}" for n in range(1, len(summary.posts) + 1)]
                            + [f"coaching:west:{WEEK}:U0MGR1:{n}" for n in range(1, len(summary.coaching_posts) + 1)])
    posted = post_all(services, slack_api)
    sent = [p for p in posted if p["channel"] == "C0WEST"]
    assert len(sent) == len(summary.posts)
    coaching = [p for p in posted if p["channel"] == "U0MGR1"]  # the managers' view, in Slack's limits too
    assert len(coaching) == len(summary.coaching_posts) >= 1
    for page in coaching:
        assert_within_limits(page["blocks"] if isinstance(page["blocks"], list) else json.loads(page["blocks"]))
    everything = json.dumps([p["blocks"] for p in sent])
    for i in range(60):  # every deal, with the reference that opens its debrief
        assert f"/debrief show r{'we'}{i:010d}" in everything
    assert "<!channel>" not in everything and "<@U0BOSS>" not in everything  # user text stays inert
    assert "&lt;!channel&gt;" in everything


def test_rollup_and_digests_of_a_busy_week_are_valid(services, slack_api):
    reports.bulk_load(services.store, *hand_built(60))
    reports.bulk_load(services.store, *hand_built(20, team="emea"))
    with freeze_time("2026-11-23T17:00:00Z"):
        rollup = Rollup(services.tools).post(WEEK)
        product = InsightDigests(services.tools).post("product", WEEK)
        enablement = InsightDigests(services.tools).post("enablement", WEEK)
    assert rollup.status == product.status == enablement.status == "queued"
    assert len(product.keys) >= 2  # 80 items: one digest, paginated
    sent = post_all(services, slack_api)
    channels = {p["channel"] for p in sent}
    assert channels == {"C0LEAD", "C0PROD", "C0ENAB"}
    for params in sent:
        assert_within_limits(params["blocks"])
    digest = json.dumps([p["blocks"] for p in sent if p["channel"] == "C0PROD"])
    assert digest.count("missing: *Gap") == 80


def test_empty_week_and_contributed_sections_are_valid(services, slack_api):
    def pilots(team, monday, next_monday):
        return SummarySection(key="pilots", title="Pilots ending <soon> & starting", order=10,
                              template="summary/section.md.j2",
                              context={"title": "Acme pilot", "body": HOSTILE})

    services.summary_sections.append(pilots)
    with freeze_time("2026-11-23T17:00:00Z"):
        WeeklySummaries(services.tools).post(services.teams.get("west"), WEEK)
        WeeklySummaries(services.tools).post(services.teams.get("emea"), WEEK)
    sent = post_all(services, slack_api)
    west = json.dumps(next(p for p in sent if p["channel"] == "C0WEST")["blocks"], ensure_ascii=False)
    assert "No losses this week" in west
    assert "*Pilots ending &lt;soon&gt; &amp; starting*" in west  # a section's title is escaped once
    assert "&lt;!channel&gt;" in west and "<!channel>" not in west


def test_pages_never_split_a_group_and_number_each_part():
    groups = [[bk.section(f"deal {i}")] for i in range(120)] + [[bk.section("a"), bk.section("b")]]
    laid_out = pages("Title", groups, "fallback")
    assert [len(p.blocks) for p in laid_out] == [50, 49, 27]
    assert laid_out[0].blocks[0]["type"] == "header"
    assert laid_out[1].text == "fallback (part 2 of 3)"
    texts = [b["text"]["text"] for p in laid_out for b in p.blocks if b["type"] == "section"]
    assert texts == [f"deal {i}" for i in range(120)] + ["a", "b"]


def test_a_single_page_has_no_part_line():
    [page] = pages("Title", [[bk.section("only")]], "fallback")
    assert [b["type"] for b in page.blocks] == ["header", "section"]


@pytest.mark.parametrize("when", [datetime(2026, 11, 23, 17, tzinfo=timezone.utc)])
def test_fallback_text_names_the_team_and_the_amounts(services, when):
    reports.bulk_load(services.store, *hand_built(3))
    summary = WeeklySummaries(services.tools).build(services.teams.get("west"), WEEK)
    assert summary.posts[0].text == "West Enterprise: 3 deals lost in 16–22 Nov 2026 (USD 61,728.35, EUR 12,345.67)"


def test_every_flows_section_renders_into_valid_summaries(services, slack_api):
    """The real providers (pilots, graceful-no check-backs, recovery) fed by the example runs."""
    with freeze_time("2026-11-18T18:00:00Z"):
        for playbook in ("debrief", "graceful-no", "pilot-plan", "recover"):
            debriefs.submit_example(services, "U0REP1", playbook)
    team = services.teams.get("west")
    summaries = WeeklySummaries(services.tools)
    shown = {}
    for week in (WEEK, "2026-W50", "2027-W12"):  # the loss; the pilot starting; a check-back coming due
        shown[week] = [s.key for s in summaries.sections(team, week)]
        assert summaries.post(team, week).status == "queued"
    assert {key for keys in shown.values() for key in keys} >= {"pilots", "recovery", "checkbacks"}
    assert len(services.summary_sections) >= 3  # every flow registered one
    sent = [p for p in post_all(services, slack_api) if p["channel"] == "C0WEST" and p["text"].startswith("West")]
    assert len(sent) == 3
    for params in sent:
        assert_within_limits(params["blocks"])
    w50 = json.dumps(sent[1]["blocks"], ensure_ascii=False)
    assert "No losses this week" in w50 and "Harbor Freight Lines" in w50
