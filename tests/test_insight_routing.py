"""Lessons routed to their owners: product gaps to the product channel, enablement gaps to the
enablement channel, each as one weekly digest (never a post per debrief), with compact items
carrying the deal, the amount and the seller's words."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from bot.flows.debrief.digests import InsightDigests
from bot.store import jobs, outbox
from tests.support import debriefs

WEEK = "2026-W47"
# The leadership schedule of the test teams file: Monday 09:00 in New York = 14:00 UTC.
MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)


def rows(services, prefix: str) -> list[outbox.OutboxItem]:
    keys = [r[0] for r in services.store.db.execute("SELECT key FROM outbox ORDER BY id").fetchall()]
    return [outbox.get(services.store, k) for k in keys if k.startswith(prefix)]


def to_channel(services, channel: str) -> list[outbox.OutboxItem]:
    return [item for item in rows(services, "") if item.payload.get("channel") == channel]


@pytest.fixture
def services(tmp_path):
    services = debriefs.build(tmp_path)
    with freeze_time("2026-11-10T18:00:00Z"):  # the week before: not in this week's digest
        debriefs.submit(services, "U0REP1", deal="Last week", primary_reason="product_gap",
                        gap_capability="Offline mode")
    with freeze_time("2026-11-17T18:00:00Z"):
        debriefs.submit(services, "U0REP1", deal="Northwind", amount="$120k", primary_reason="product_gap",
                        gap_capability="SSO with Okta", product_lesson="Okta SSO was a must-have for IT. " * 30)
        debriefs.submit(services, "U0REP2", deal="Globex", amount="EUR 40k", primary_reason="competitor",
                        competitor="Samsara", customer_words="One app for our drivers, please.",
                        secondary_reasons="Product gap", secondary_gap="sso with okta",
                        enablement_lesson="Our deck has no answer to Samsara's driver app.")
        debriefs.submit(services, "U0REP3", deal="Initech", primary_reason="price")  # no lesson for anyone
        debriefs.submit(services, "U0REP4", deal="EMEA", amount="EUR 10k", primary_reason="timing",
                        enablement_lesson="The pricing page confused procurement.")
    yield services
    services.close()


def test_submitting_posts_nothing_to_product_or_enablement(services):
    # the five debriefs did post, to their team channels
    assert len(to_channel(services, "C0WEST")) == 4 and len(to_channel(services, "C0EMEA")) == 1
    assert to_channel(services, "C0PROD") == [] and to_channel(services, "C0ENAB") == []


def test_one_product_digest_a_week_with_every_gap_in_compact_items(services):
    with freeze_time(MONDAY):
        assert services.tick(MONDAY) == []
        services.tick(MONDAY)
    [digest] = [item for item in to_channel(services, "C0PROD") if WEEK in item.key]
    assert digest.key == f"digest:product:{WEEK}:1"
    text = json.dumps(digest.payload["blocks"], ensure_ascii=False)
    assert "2 deals · USD 120,000 · EUR 40,000" in text
    assert "Named most: SSO with Okta (2)" in text  # one capability, however it was spelt
    assert "*Northwind* · USD 120,000 · Product gap · missing: *SSO with Okta* · <@U0REP1> (West Enterprise)" in text
    assert "> The customer: One app for our drivers, please." in text  # the seller's words when no lesson
    assert "Last week" not in text and "Initech" not in text and "EMEA" not in text
    items = [b for b in digest.payload["blocks"] if "missing:" in json.dumps(b)]
    assert len(items) == 2 and all(len(b["text"]["text"]) < 600 for b in items)  # compact: long lessons cut


def test_one_enablement_digest_a_week_across_teams(services):
    with freeze_time(MONDAY):
        services.tick(MONDAY)
    [digest] = to_channel(services, "C0ENAB")
    text = json.dumps(digest.payload["blocks"], ensure_ascii=False)
    assert "*Globex* · EUR 40,000 · Lost to a competitor (Samsara) · <@U0REP2> (West Enterprise)" in text
    assert "> Our deck has no answer to Samsara's driver app." in text
    assert "*EMEA* · EUR 10,000 · Timing · <@U0REP4> (EMEA Mid-Market)" in text
    # A price loss routes itself to enablement (negotiation), lesson or not.
    assert "*Initech* · USD 10,000 · Price · <@U0REP3> (West Enterprise)" in text
    assert "_No lesson written yet; ask <@U0REP3> what would have helped._" in text
    assert "Topics: negotiation (1), differentiation (1)" in text
    assert "Northwind" not in text


def test_digests_wait_for_the_leadership_schedule_and_post_once(services):
    before = MONDAY.replace(hour=13, minute=59)
    with freeze_time(before):
        services.tick(before)  # the first start: W46's digest was due before Rebound ran, W47's not yet
    # that tick ran the digest schedule (it recorded when the product digest started) and posted nothing
    assert jobs.get(services.store, "since:insight_digest:product").status == "done"
    assert to_channel(services, "C0PROD") == []
    for minute in range(3):
        at = MONDAY.replace(minute=minute)
        with freeze_time(at):
            services.tick(at)
    assert [item.key for item in to_channel(services, "C0PROD")] == [f"digest:product:{WEEK}:1"]
    assert [item.key for item in to_channel(services, "C0ENAB")] == [f"digest:enablement:{WEEK}:1"]


def test_a_week_without_lessons_posts_no_digest(services):
    quiet = datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc)  # covers W48: nothing routed
    with freeze_time(MONDAY):
        services.tick(MONDAY)
    with freeze_time(quiet):
        services.tick(quiet)
    assert [item.key for item in to_channel(services, "C0PROD")] == [f"digest:product:{WEEK}:1"]
    job = jobs.get(services.store, "insight_digest:product:2026-W48")
    assert job.status == "done" and job.detail["reason"] == "nothing for product this week"


def test_no_channel_configured_means_no_digest(tmp_path):
    services = debriefs.build(tmp_path, teams=debriefs.TEAMS.replace("  product_channel: C0PROD\n", ""))
    try:
        with freeze_time("2026-11-17T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="Gap", primary_reason="product_gap", gap_capability="API")
        with freeze_time(MONDAY):
            services.tick(MONDAY)
        # the tick ran the digests: enablement, which has a channel, had its week's job done
        assert jobs.get(services.store, f"insight_digest:enablement:{WEEK}").status == "done"
        assert rows(services, "digest:product") == []
        assert jobs.get(services.store, f"insight_digest:product:{WEEK}") is None
        assert InsightDigests(services.tools).build("product", WEEK, plain=True)[0].startswith("*Product gaps")
    finally:
        services.close()


def test_a_competitor_loss_reaches_product_with_what_the_competitor_showed(tmp_path):
    services = debriefs.build(tmp_path)
    try:
        with freeze_time("2026-11-17T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="Umbrella", amount="$80k", primary_reason="competitor",
                            competitor="Samsara", competitor_showed="A driver app with offline maps.")
        with freeze_time(MONDAY):
            services.tick(MONDAY)
        for channel in ("C0PROD", "C0ENAB"):
            [digest] = to_channel(services, channel)
            text = json.dumps(digest.payload["blocks"], ensure_ascii=False)
            assert "*Umbrella* · USD 80,000 · Lost to a competitor (Samsara) · <@U0REP1> (West Enterprise)" in text
            assert "> What Samsara showed: A driver app with offline maps." in text
        product = json.dumps(to_channel(services, "C0PROD")[0].payload["blocks"], ensure_ascii=False)
        assert "1 deal · USD 80,000 lost where a gap or a competitor played a part." in product
        assert "Lost to: Samsara (1)" in product
    finally:
        services.close()


COMPANY_TABLE = debriefs.TEAMS.replace("  enablement_channel: C0ENAB\n", """\
  enablement_channel: C0ENAB
  by_reason:
    price: []
    timing: [product]
""")


def test_a_companys_table_in_the_teams_file_changes_the_routing(tmp_path):
    services = debriefs.build(tmp_path, teams=COMPANY_TABLE)
    try:
        with freeze_time("2026-11-17T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deal="Priced out", primary_reason="price")
            debriefs.submit(services, "U0REP2", deal="Later maybe", primary_reason="timing")
        with freeze_time(MONDAY):
            services.tick(MONDAY)
        assert [item.key for item in to_channel(services, "C0PROD")] == [f"digest:product:{WEEK}:1"]
        product = json.dumps(to_channel(services, "C0PROD")[0].payload["blocks"], ensure_ascii=False)
        assert "*Later maybe*" in product and "Priced out" not in product
        assert to_channel(services, "C0ENAB") == []  # price no longer goes to enablement
        assert jobs.get(services.store, f"insight_digest:enablement:{WEEK}").detail["reason"] == (
            "nothing for enablement this week")
    finally:
        services.close()


def test_a_bad_routing_table_is_refused_with_file_and_line(tmp_path):
    from bot.files.teams import check_teams_file

    path = tmp_path / "teams.yml"
    path.write_text(debriefs.TEAMS.replace("  enablement_channel: C0ENAB\n", """\
  enablement_channel: C0ENAB
  by_reason:
    pricing: [enablement]
    competitor: [product, sales_ops]
"""))
    teams, problems = check_teams_file(path)
    assert teams is None
    lines = path.read_text().splitlines()
    assert [(p.line, lines[p.line - 1].strip()) for p in problems] == [
        (29, "pricing: [enablement]"), (30, "competitor: [product, sales_ops]")]
    assert problems[0].message.startswith("'pricing' is not a loss reason; use one of: price, competitor,")
    assert problems[1].message == ("'sales_ops' is not someone a loss goes to; use one of: product, enablement, "
                                   "manager")
