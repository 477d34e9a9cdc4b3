"""The chart beside the weekly summary: its series against hand totals, the PNG, the upload
through the outbox to the Web API stand-in, and the text summary going out when drawing fails.

West (USD, Los Angeles) has a hand-built history over the eight weeks W40..W47 of 2026, with
one loss the week before (W39, outside the chart) and one in EUR (left out of a USD chart):

    week  losses (USD)                          total   deals
    W40   price 10k                             10k     1
    W42   competitor 40k, price 5k              45k     2
    W45   relationship 8k, budget_gone 1k       9k      2
    W46   timing 1k                             1k      1
    W47   product_gap 20k, timing 3k            23k     2   (+ competitor EUR 40k, left out)

By reason: competitor 40k, product_gap 20k, price 15k, relationship 8k; timing 4k and
budget_gone 1k make "Other reasons" (W45 1k, W46 1k, W47 3k).
"""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
import textwrap
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from bot.domain.charts import LeftOut, ReasonSeries, chart_weeks, loss_chart
from bot.flows.debrief import charts as debrief_charts
from bot.flows.debrief.charts import WeeklyCharts
from bot.render import chart_process
from bot.render import charts as render_charts
from bot.render.charts import HEIGHT, WIDTH, png_size
from bot.store import outbox
from tests.support import debriefs

WEEK = "2026-W47"
WEEKS = ("2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47")
K = 100_000  # cents in a thousand


def row(week, reason, cents, deals=1, currency="USD", linked=0):
    return {"week": week, "reason": reason, "currency": currency, "deals": deals, "amount_cents": cents,
            "linked": linked}


HAND_ROWS = [
    row("2026-W39", "price", 99 * K),  # the week before the chart: not drawn
    row("2026-W40", "price", 10 * K),
    row("2026-W42", "competitor", 40 * K), row("2026-W42", "price", 5 * K),
    row("2026-W45", "relationship", 8 * K), row("2026-W45", "budget_gone", 1 * K),
    row("2026-W46", "timing", 1 * K),
    row("2026-W47", "product_gap", 20 * K), row("2026-W47", "timing", 3 * K),
    row("2026-W47", "competitor", 40 * K, currency="EUR"),
]


# -- the series: a pure function, asserted exactly --------------------------------------------


def test_series_stacks_the_top_four_reasons_and_adds_the_rest_up():
    chart = loss_chart(chart_weeks(WEEK), HAND_ROWS, currency="USD")
    assert chart.weeks == WEEKS
    assert chart.reasons == (
        ReasonSeries("competitor", "Lost to a competitor", (0, 0, 40 * K, 0, 0, 0, 0, 0)),
        ReasonSeries("product_gap", "Product gap", (0, 0, 0, 0, 0, 0, 0, 20 * K)),
        ReasonSeries("price", "Price", (10 * K, 0, 5 * K, 0, 0, 0, 0, 0)),
        ReasonSeries("relationship", "Relationship", (0, 0, 0, 0, 0, 8 * K, 0, 0)),
        ReasonSeries("other_reasons", "Other reasons", (0, 0, 0, 0, 0, 1 * K, 1 * K, 3 * K)),
    )
    assert chart.totals == (10 * K, 0, 45 * K, 0, 0, 9 * K, 1 * K, 23 * K)
    assert sum(chart.totals) == 88 * K
    assert chart.deals == (1, 0, 2, 0, 0, 2, 1, 2)
    assert chart.left_out == (LeftOut("EUR", 1, 40 * K),)
    assert chart.coverage is None and chart.closed is None  # no CRM intake: no line
    assert chart.weeks_with_data == 5 and chart.drawable


def test_ties_on_value_go_to_more_deals_then_taxonomy_order():
    rows = [row("2026-W46", "timing", 5 * K), row("2026-W47", "price", 5 * K),
            row("2026-W47", "no_decision", 2 * K, deals=2), row("2026-W47", "no_decision", 3 * K)]
    chart = loss_chart(chart_weeks(WEEK), rows, currency="USD", top=2)
    assert [r.key for r in chart.reasons] == ["no_decision", "price", "other_reasons"]
    assert chart.reasons[-1].cents == (0, 0, 0, 0, 0, 0, 5 * K, 0)


@pytest.mark.parametrize(("weeks_with_losses", "drawable"), [(0, False), (1, False), (2, True), (3, True)])
def test_no_chart_with_fewer_than_two_weeks_of_data(weeks_with_losses, drawable):
    rows = [row(week, "price", K) for week in WEEKS[:weeks_with_losses]]
    chart = loss_chart(WEEKS, rows, currency="USD")
    assert chart.weeks_with_data == weeks_with_losses
    assert chart.drawable is drawable


def test_a_week_of_other_currencies_only_is_not_a_week_of_data():
    rows = [row("2026-W46", "price", K), row("2026-W47", "price", K, currency="EUR")]
    assert not loss_chart(WEEKS, rows, currency="USD").drawable


def test_coverage_counts_crm_deals_by_close_week_and_debriefs_without_one():
    rows = [row("2026-W46", "price", K, deals=2, linked=1),  # one answers a CRM deal, one was the rep's own
            row("2026-W47", "price", K, deals=1, linked=1)]
    crm = [
        {"close_date": "2026-11-09", "status": "debriefed", "deals": 1},  # Monday of W46
        {"close_date": "2026-11-15", "status": "waiting", "deals": 3},  # Sunday of W46
        {"close_date": "2026-11-16", "status": "debriefed", "deals": 1},  # Monday of W47
        {"close_date": "2026-11-22", "status": "waiting", "deals": 1},  # Sunday of W47
        {"close_date": "2026-11-23", "status": "waiting", "deals": 9},  # the week after: not in the chart
    ]
    chart = loss_chart(WEEKS, rows, currency="USD", crm_closed=crm)
    # W46: (1 debriefed + 1 own) / (4 from the CRM + 1 own) = 2/5; W47: 1/2; weeks with nothing: no point.
    assert chart.closed == (0, 0, 0, 0, 0, 0, 5, 2)
    assert chart.coverage == (None, None, None, None, None, None, 0.4, 0.5)


# -- the PNG ------------------------------------------------------------------------------------


def test_the_png_has_the_stated_size_with_and_without_the_coverage_line():
    plain = render_charts.draw_png(loss_chart(WEEKS, HAND_ROWS, currency="USD"), "West")
    crm = [{"close_date": "2026-11-17", "status": "waiting", "deals": 2}]
    lined = render_charts.draw_png(loss_chart(WEEKS, HAND_ROWS, currency="USD", crm_closed=crm), "West")
    for png in (plain, lined):
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
        assert png_size(png) == (WIDTH, HEIGHT) == (1200, 675)
    assert plain != lined


def test_the_child_process_draws_several_charts_in_one_run():
    crm = [{"close_date": "2026-11-17", "status": "waiting", "deals": 2}]
    charts = [loss_chart(WEEKS, HAND_ROWS, currency="USD"), loss_chart(WEEKS, HAND_ROWS, currency="USD", crm_closed=crm)]
    assert chart_process.chart_from_dict(chart_process.chart_to_dict(charts[1])) == charts[1]
    images = chart_process.draw_in_child([(charts[0], "West"), (charts[1], "West")])
    assert [png_size(png) for png in images] == [(1200, 675), (1200, 675)]
    assert images[0] != images[1]


def test_palette_is_okabe_ito():
    assert render_charts.PALETTE[:4] == ("#E69F00", "#56B4E9", "#009E73", "#0072B2")


@pytest.mark.parametrize(("cents", "text"), [(88 * K, "USD 88k"), (150_000_000, "USD 1.5M"), (90_000, "USD 900"),
                                             (99_999, "USD 1,000"), (100_000, "USD 1k")])
def test_axis_amounts(cents, text):
    assert render_charts.short_money(cents, "USD") == text


# -- through the real job, outbox and Web API stand-in ---------------------------------------------


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def seed_history(services) -> None:
    """The module docstring's history, submitted through the real debrief path on Wednesdays."""
    losses = [
        ("2026-09-23", "$99k", "price", {}),  # W39
        ("2026-09-30", "$10k", "price", {}),
        ("2026-10-14", "$40k", "competitor", {"competitor": "Samsara"}),
        ("2026-10-14", "$5k", "price", {}),
        ("2026-11-04", "$8k", "relationship", {}),
        ("2026-11-04", "$1k", "budget_gone", {}),
        ("2026-11-11", "$1k", "timing", {}),
        ("2026-11-18", "$20k", "product_gap", {"gap_capability": "SSO"}),
        ("2026-11-18", "$3k", "timing", {}),
        ("2026-11-18", "EUR 40k", "competitor", {"competitor": "Samsara"}),
    ]
    for number, (day, amount, reason, extra) in enumerate(losses):
        with freeze_time(f"{day}T18:00:00Z"):
            debriefs.submit(services, "U0REP1", deliver=False, deal=f"Deal {number}", amount=amount,
                            primary_reason=reason, **extra)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A database holding the hand-built history, copied for each test (submitting is the slow part)."""
    folder = tmp_path_factory.mktemp("charts")
    services = debriefs.build(folder)
    seed_history(services)
    services.close()
    return folder


@pytest.fixture
def services(history, tmp_path, slack_api):
    import shutil

    for name in ("rebound.db", "teams.yml"):
        shutil.copy(history / name, tmp_path / name)
    services = debriefs.build(tmp_path, slack_api=slack_api)
    yield services
    services.close()


def first_start(services) -> None:
    """The scheduler's first tick, Monday 23 Nov before any post is due (the roll-up is due at
    14:00 UTC, West's summary at 17:00): posts are made only for fire times after it."""
    tick_and_send(services, "2026-11-23T12:00:00")


def tick_and_send(services, at: str) -> None:
    with freeze_time(at):
        assert services.tick(utc(at)) == []
        services.drain()


def test_series_from_the_store_matches_the_hand_totals(services):
    team = services.teams.get("west")
    chart = WeeklyCharts(services.tools).series(team, WEEK)
    assert chart == loss_chart(WEEKS, [r for r in HAND_ROWS if r["week"] != "2026-W39"], currency="USD")
    assert chart.totals == (10 * K, 0, 45 * K, 0, 0, 9 * K, 1 * K, 23 * K)


def test_the_chart_is_uploaded_through_the_outbox_beside_the_summary(services, slack_api):
    tick_and_send(services, "2026-11-23T17:00:00")
    row = outbox.get(services.store, f"weekly:west:{WEEK}:chart")
    assert row is not None and row.method == "files.upload_v2" and row.status == "sent"
    assert row.team == "west" and row.payload["channel"] == "C0WEST"
    summary = outbox.get(services.store, f"weekly:west:{WEEK}:1")
    assert summary.status == "sent" and summary.payload["channel"] == "C0WEST"
    # The three Web API steps of files_upload_v2, and the bytes that arrived.
    methods = [c.method for c in slack_api.calls if c.method.startswith("files.") or c.method == "upload"]
    assert methods[-3:] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (file_id, shared), = [(f, meta) for f, meta in slack_api.files.items() if meta.get("channels") == ["C0WEST"]]
    png = slack_api.uploads[file_id]
    assert png == base64.b64decode(row.payload["file_uploads"][0]["content_base64"])
    assert png_size(png) == (1200, 675)
    assert shared["filename"] == f"rebound-west-{WEEK}.png"
    assert shared["title"] == "West Enterprise · lost value per week (USD), last 8 weeks"
    assert "West Enterprise" in shared["initial_comment"] and "16–22 Nov 2026" in shared["initial_comment"]
    alt = shared["alt_txt"]
    assert alt.startswith("Stacked bar chart: West Enterprise's lost value per week in USD, weeks 2026-W40 to 2026-W47")
    assert ("2026-W40 USD 10,000 (1 deal); 2026-W41 nothing lost; 2026-W42 USD 45,000 (2 deals);" in alt)
    assert "2026-W47 USD 23,000 (2 deals)." in alt
    assert ("By reason over the 8 weeks: Lost to a competitor USD 40,000; Product gap USD 20,000; Price USD 15,000;"
            " Relationship USD 8,000; Other reasons USD 5,000.") in alt
    assert "Not shown (another currency): 1 deal, EUR 40,000." in alt
    assert len(alt) <= 1000
    # EMEA lost nothing in these weeks: no chart, and its summary is not held up.
    assert outbox.get(services.store, f"weekly:emea:{WEEK}:chart") is None
    assert slack_api.invalid == []


def test_a_second_tick_or_restart_uploads_nothing_again(services, slack_api):
    tick_and_send(services, "2026-11-23T17:00:00")
    uploads = len(slack_api.calls_to("files.completeUploadExternal"))
    tick_and_send(services, "2026-11-23T17:00:30")
    assert len(slack_api.calls_to("files.completeUploadExternal")) == uploads


def test_the_summary_still_goes_out_when_drawing_fails(services, slack_api, monkeypatch, caplog):
    broken = [sys.executable, "-c", "import sys; sys.stderr.write('OSError: font cache is corrupt\\n'); sys.exit(1)"]
    monkeypatch.setattr(chart_process, "child_command", lambda: broken)
    first_start(services)
    with caplog.at_level(logging.WARNING, logger="rebound.jobs"):
        tick_and_send(services, "2026-11-23T17:00:00")
    assert outbox.get(services.store, f"weekly:west:{WEEK}:1").status == "sent"
    assert outbox.get(services.store, f"weekly:west:{WEEK}:chart") is None
    assert slack_api.calls_to("files.completeUploadExternal") == []
    failures = [r.getMessage() for r in caplog.records if "weekly chart" in r.getMessage()]
    assert failures == [  # once for West's summary, once for the roll-up's charts
        "weekly chart teams=west week=2026-W47 failed to draw; the posts go out without it: the chart process"
        " exited with status 1: OSError: font cache is corrupt"] * 2


def test_without_matplotlib_the_summary_goes_out_and_the_missing_extra_is_logged_once(services, slack_api,
                                                                                        monkeypatch, caplog):
    # The real child, with matplotlib's modules unimportable (what `import` sees without the extra).
    child = ("import runpy, sys\n"
             "for name in ('matplotlib', 'matplotlib.figure', 'matplotlib.backends.backend_agg', 'matplotlib.ticker'):\n"
             "    sys.modules[name] = None\n"
             "runpy.run_module('bot.render.chart_process', run_name='__main__')\n")
    monkeypatch.setattr(chart_process, "child_command", lambda: [sys.executable, "-c", child])
    monkeypatch.setattr(debrief_charts, "_missing_extra_logged", False)
    first_start(services)
    with caplog.at_level(logging.WARNING, logger="rebound.jobs"):
        tick_and_send(services, "2026-11-23T17:00:00")
    assert outbox.get(services.store, f"weekly:west:{WEEK}:1").status == "sent"
    assert outbox.get(services.store, f"rollup:{WEEK}:C0LEAD:1").status == "sent"
    assert slack_api.calls_to("files.completeUploadExternal") == []
    notes = [r.getMessage() for r in caplog.records if "charts are off" in r.getMessage()]
    assert notes == ["weekly charts are off: charts need matplotlib: pip install 'rebound[charts]'"]


def test_the_rollup_gets_one_chart_per_team_with_enough_data(services, slack_api):
    for day in ("2026-11-11", "2026-11-18"):  # EMEA's two weeks of losses
        with freeze_time(f"{day}T12:00:00Z"):
            debriefs.submit(services, "U0REP4", deliver=False, deal=f"EMEA {day}", amount="EUR 7k")
    # The roll-up is due at the leadership schedule (New York, Monday 09:00 by default).
    first_start(services)
    tick_and_send(services, "2026-11-23T17:00:00")
    keys = [r[0] for r in services.store.db.execute(
        "SELECT key FROM outbox WHERE key LIKE 'rollup:%:chart:%' ORDER BY key").fetchall()]
    assert keys == [f"rollup:{WEEK}:C0LEAD:chart:emea", f"rollup:{WEEK}:C0LEAD:chart:west"]
    lead = [meta for meta in slack_api.files.values() if meta.get("channels") == ["C0LEAD"]]
    assert sorted(m["filename"] for m in lead) == [f"rebound-emea-{WEEK}.png", f"rebound-west-{WEEK}.png"]
    assert [t.id for t in services.teams.teams] == ["west", "emea", "apac"]  # apac lost nothing: no chart


def test_a_rollup_to_heads_without_a_channel_shares_each_chart_in_their_dm(tmp_path, history, slack_api):
    import shutil

    shutil.copy(history / "rebound.db", tmp_path / "rebound.db")
    teams = debriefs.TEAMS.replace("  rollup_channel: C0LEAD\n", "")
    services = debriefs.build(tmp_path, teams=teams, slack_api=slack_api)
    try:
        first_start(services)
        tick_and_send(services, "2026-11-23T17:00:00")
        row = outbox.get(services.store, f"rollup:{WEEK}:U0HEAD:chart:west")
        assert row.status == "sent", row.last_error
        opened = [c for c in slack_api.calls_to("conversations.open") if c.params.get("users") == "U0HEAD"]
        assert opened
        (shared,) = [m for m in slack_api.files.values() if m.get("filename") == f"rebound-west-{WEEK}.png"
                     and m.get("channels") != ["C0WEST"]]
        assert shared["channels"] and shared["channels"][0].startswith("D")
    finally:
        services.close()


# -- `rebound summary --chart` --------------------------------------------------------------------


def test_summary_chart_flag_writes_the_png_locally(history, tmp_path):
    import shutil

    from bot.cli.main import main

    for name in ("rebound.db", "teams.yml"):
        shutil.copy(history / name, tmp_path / name)
    env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "teams.yml")}
    target = tmp_path / "west.png"
    result = CliRunner().invoke(main, ["summary", "--team", "west", "--week", WEEK, "--chart", str(target)], env=env)
    assert result.exit_code == 0, result.output
    assert png_size(target.read_bytes()) == (1200, 675)
    assert f"Wrote the chart (1200x675 PNG) to {target}." in result.stderr
    assert "Closed-lost review · West Enterprise" in result.stdout  # the text summary is printed as before

    result = CliRunner().invoke(main, ["summary", "--team", "emea", "--week", WEEK, "--chart",
                                       str(tmp_path / "emea.png")], env=env)
    assert result.exit_code == 1
    assert "no chart for emea in 2026-W47: losses in 0 of the last 8 weeks, and a chart needs 2" in result.stderr
    assert not (tmp_path / "emea.png").exists()


# -- start-up stays lean ------------------------------------------------------------------------------


def test_the_server_never_imports_matplotlib_even_when_it_posts_a_chart(history, tmp_path):
    # (numpy, which the charts extra brings, is imported by sqlite-utils itself whenever it is
    # installed: sqlite_utils.utils tries it for its own type mapping. That is not ours to avoid.)
    import shutil

    for name in ("rebound.db", "teams.yml"):
        shutil.copy(history / name, tmp_path / name)
    code = textwrap.dedent(f"""
        import sys
        import bot.app
        from bot.config import load_settings
        from bot.flows.debrief.reports import WeeklySummaries
        from bot.services import build_services
        settings = load_settings({{"REBOUND_DB": {str(tmp_path / "rebound.db")!r},
                                   "REBOUND_TEAMS": {str(tmp_path / "teams.yml")!r}}})
        services = build_services(settings, teams_required=True)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "PIL", "datasette", "uvicorn"))
        posting = WeeklySummaries(services.tools).post(services.teams.get("west"), {WEEK!r})
        loaded += sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "PIL"))
        services.close()
        print(loaded, posting.keys[-1])
    """)
    from bot.config import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"[] weekly:west:{WEEK}:chart"  # drawn, and in a child process


def test_alt_text_is_clipped_to_slacks_limit(services):
    team = services.teams.get("west").model_copy(update={"name": "W" * 1200})
    charts = WeeklyCharts(services.tools)
    alt = charts.alt_text(team, charts.series(team, WEEK))
    assert len(alt) == 1000 and alt.endswith("…")


def test_an_upload_whose_file_is_not_base64_fails_once_with_the_reason(services, slack_api):
    payload = {"channel": "C0WEST", "file_uploads": [{"content_base64": "not base64!", "filename": "x.png",
                                                      "title": "x"}]}
    with freeze_time("2026-11-23T17:00:00Z"):
        outbox.enqueue(services.store, "broken-upload", "files.upload_v2", payload)
        services.drain()
    row = outbox.get(services.store, "broken-upload")
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error.startswith("invalid_payload: content_base64 is not base64")
    assert slack_api.calls_to("files.getUploadURLExternal") == []
