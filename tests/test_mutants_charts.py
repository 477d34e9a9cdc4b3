"""The weekly chart's series as a pure function, exactly, written from a mutation run
(docs/mutmut.md); the PNG and the upload are in tests/test_weekly_charts.py, outside the fast
selection mutmut runs."""

from __future__ import annotations

from bot.domain.charts import LeftOut, LossChart, ReasonSeries, chart_weeks, loss_chart

WEEKS = ("2026-W45", "2026-W46", "2026-W47")


def row(week, reason, cents, deals=1, currency="USD", linked=None):
    return {"week": week, "reason": reason, "currency": currency, "deals": deals, "amount_cents": cents,
            "linked": linked}


def test_chart_weeks_end_with_the_week_and_count_n():
    assert chart_weeks("2026-W47", 3) == list(WEEKS)
    assert len(chart_weeks("2026-W47")) == 8 and chart_weeks("2026-W47")[0] == "2026-W40"


def test_every_row_adds_up_per_week_reason_and_currency():
    rows = [
        row("2026-W30", "price", 999),                        # outside the chart, first: the rest still count
        row("2026-W45", "price", 100, deals=2, linked=1), row("2026-W45", "price", 50),
        row("2026-W46", "timing", None, deals=3),             # no amount: counted, worth 0
        row("2026-W46", "zz_retired", 150),                   # a reason no longer in the taxonomy sorts last
        row("2026-W46", "aa_retired", 150),
        row("2026-W47", "competitor", 150, deals=1),
        row("2026-W47", "price", 7, currency="EUR", deals=2), row("2026-W47", "price", 3, currency="EUR"),
        row("2026-W47", "price", None, currency=None),        # no amount, no currency: nothing to leave out
    ]
    chart = loss_chart(WEEKS, rows, currency="USD", top=2)
    assert chart == LossChart(
        weeks=WEEKS, currency="USD",
        reasons=(ReasonSeries("price", "Price", (150, 0, 0)),
                 ReasonSeries("competitor", "Lost to a competitor", (0, 0, 150)),
                 ReasonSeries("other_reasons", "Other reasons", (0, 300, 0))),
        deals=(3, 5, 1), coverage=None, closed=None,
        left_out=(LeftOut("EUR", 3, 10),))
    # ties on value (150 each): more deals first (price 3), then taxonomy order, then the key
    assert [r.key for r in loss_chart(WEEKS, rows, currency="USD", top=5).reasons] == [
        "price", "competitor", "aa_retired", "zz_retired", "timing"]
    assert (chart.totals, chart.weeks_with_data, chart.drawable) == ((150, 300, 150), 3, True)


def test_coverage_per_week_from_the_crm_and_the_debriefs_without_a_crm_deal():
    rows = [row("2026-W45", "price", 100, deals=3, linked=1), row("2026-W45", "timing", 5, deals=1),
            row("2026-W46", "price", 100, deals=1, linked=1)]
    crm = [{"close_date": "2026-10-01", "status": "waiting", "deals": 5},           # outside, first
           {"close_date": "2026-11-02T09:00:00+00:00", "status": "debriefed", "deals": 2},  # W45, a timestamp
           {"close_date": "2026-11-08", "status": "waiting", "deals": 1},           # W45
           {"close_date": "2026-11-07", "status": "debriefed", "deals": 1},         # W45
           {"close_date": "2026-11-10", "status": "debriefed", "deals": 1}]         # W46
    chart = loss_chart(WEEKS, rows, currency="USD", crm_closed=crm)
    # W45: (3 debriefed + 3 own) / (4 from the CRM + 3 own) = 6/7; W46: 1/1; W47: nothing closed
    assert (chart.closed, chart.coverage) == ((7, 1, 0), (6 / 7, 1.0, None))


def test_ties_on_value_go_to_the_reason_with_more_deals_over_all_its_rows():
    rows = [row("2026-W45", "price", 150), row("2026-W45", "competitor", 75), row("2026-W46", "competitor", 75)]
    assert [r.key for r in loss_chart(WEEKS, rows, currency="USD").reasons] == ["competitor", "price"]
