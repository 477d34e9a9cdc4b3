"""The weekly maths with exact figures, written from a mutation run (docs/mutmut.md): every
field a stored fact carries into the summary, the trend's boundaries (exactly 10% is a change,
half a percent rounds up), and rows merged across currencies."""

from __future__ import annotations

import pytest

from bot.domain import weekly, weekly_report
from bot.domain.errors import CurrencyMismatch, InvalidValue, UnknownFactor

FULL_FACT = {
    "run_id": "r1", "user_id": "U1", "team": "west", "deal": "Northwind renewal", "account": "Northwind",
    "amount_cents": 12_000_050, "currency": "USD", "primary_reason": "price", "other_reasons": ["timing"],
    "competitor": "Samsara", "gap": "SSO", "avoidable": True, "stage_lost": "negotiation", "close_date": "2026-11-20",
    "retained_cents": 3_500_000, "retained_currency": "EUR", "unrecovered_cents": 8_500_050,
    "submitted_at": "2026-11-17T10:00:00Z", "reviewed_by": "U0MGR1", "one_on_one_by": "U0MGR2",
    "involved": ["se", "manager"], "team_hours": 12.5,
    "detail": {"what_happened": "They chose the cheaper tool. Then more.", "customer_words": "too dear",
               "crm_ref": "https://crm.example/1", "product_lesson": "ship SSO", "enablement_lesson": "anchor value",
               "competitor_showed": "a free pilot"},
}


def test_a_stored_fact_becomes_a_deal_field_by_field():
    assert weekly.deal_from_fact(FULL_FACT) == weekly.Deal(
        run_id="r1", user_id="U1", team="west", deal="Northwind renewal", account="Northwind",
        amount={"amount": 120000.5, "currency": "USD"}, primary_reason="price", reason_label="Price",
        other_reasons=("timing",), competitor="Samsara", gap="SSO", avoidable=True, stage_lost="negotiation",
        close_date="2026-11-20", story="They chose the cheaper tool.", customer_words="too dear",
        crm_ref="https://crm.example/1", retained={"amount": 35000, "currency": "EUR"},
        unrecovered={"amount": 85000.5, "currency": "USD"}, product_lesson="ship SSO", enablement_lesson="anchor value",
        submitted_at="2026-11-17T10:00:00Z", reviewed_by="U0MGR1", one_on_one_by="U0MGR2",
        competitor_showed="a free pilot", involved=("se", "manager"), team_hours=12.5)


def test_a_bare_fact_leaves_the_optional_fields_empty():
    deal = weekly.deal_from_fact({"run_id": "r2", "user_id": "U2", "deal": "D", "primary_reason": "unknown",
                                  "submitted_at": "2026-11-18"})
    assert deal == weekly.Deal(
        run_id="r2", user_id="U2", team=None, deal="D", account=None, amount=None, primary_reason="unknown",
        reason_label="I don't know yet", other_reasons=(), competitor=None, gap=None, avoidable=None, stage_lost=None,
        close_date=None, story="", customer_words=None, crm_ref=None, retained=None, unrecovered=None,
        product_lesson=None, enablement_lesson=None, submitted_at="2026-11-18")
    assert (deal.cents, deal.lost_alone, deal.crm_url) == (0, False, None)


def test_a_missing_reason_reads_not_given():
    assert weekly.reason_label(None) == "Not given"


def test_biggest_keeps_five_per_currency_by_default():
    deals = [weekly.deal_from_fact({"run_id": f"r{i}", "user_id": "U1", "deal": "D", "primary_reason": "price",
                                    "amount_cents": i, "currency": "USD", "submitted_at": "2026-11-17"})
             for i in range(1, 7)]
    assert [d.cents for d in weekly.biggest(deals)] == [6, 5, 4, 3, 2]


def row(key, currency, deals, cents, label=None, avoidable=None):
    return {"key": key, "label": label, "currency": currency, "deals": deals, "amount_cents": cents,
            "avoidable": avoidable}


def test_merge_rows_sums_avoidable_across_currencies_and_names_unlabelled_rows_by_key():
    merged = weekly.merge_rows([row("b", "USD", 1, 100, avoidable=1), row("b", "EUR", 2, 300, avoidable=2),
                                row("a", "USD", 1, 5)], first="USD")
    assert merged == [
        weekly.Row("b", "b", 3, [{"amount": 1, "currency": "USD"}, {"amount": 3, "currency": "EUR"}], 3),
        weekly.Row("a", "a", 1, [{"amount": 0.05, "currency": "USD"}], 0),  # fewer deals last, though "a" < "b"
    ]


def test_merge_rows_label_function_gets_the_key_and_the_sql_label():
    merged = weekly.merge_rows([row("k", "USD", 1, 1, label="Sql")], label=lambda key, sql: f"{key}/{sql}")
    assert [r.label for r in merged] == ["k/Sql"]


def test_reason_rows_use_the_taxonomy_label_and_the_teams_currency_first():
    rows = weekly.reason_rows([row("price", "EUR", 1, 100, label="x"), row("price", "USD", 1, 200, label="x")],
                              first="USD")
    assert [(r.key, r.label, r.amounts) for r in rows] == [
        ("price", "Price", [{"amount": 2, "currency": "USD"}, {"amount": 1, "currency": "EUR"}])]


def test_tally_rows_are_keyed_by_the_folded_name_without_amounts():
    assert weekly.tally(["SSO", "sso"]) == [weekly.Row("sso", "SSO", 2, [])]


def focus_deal(reason, cents, others=(), user="U1", reviewed_by=None, run_id=None):
    return weekly.deal_from_fact({
        "run_id": run_id or f"r{reason}{cents}{user}", "user_id": user, "deal": "D", "primary_reason": reason,
        "other_reasons": list(others), "amount_cents": cents, "currency": "USD", "submitted_at": "2026-11-17",
        "reviewed_by": reviewed_by})


def test_seller_focus_ties_go_to_the_reason_that_cost_the_most_in_total():
    deals = [focus_deal("price", 150, run_id="p1"), focus_deal("price", 100, run_id="p2"),
             focus_deal("competitor", 1, run_id="c1"), focus_deal("competitor", 200, run_id="c2")]
    assert weekly.seller_focus(deals).startswith("negotiating")  # 250 in all against 201, whatever came last


def test_seller_focus_orders_other_reasons_by_the_taxonomy_and_skips_unknown_ones():
    deals = [focus_deal("other", 1, others=["relationship", "timing", "retired_reason", "other"])]
    assert weekly.seller_focus(deals) == ("establishing urgency and compelling reasons; "
                                          "also multi-threading, working the wider account")


def test_seller_focus_of_nothing_is_none():
    assert weekly.seller_focus([]) is None
    assert weekly.seller_focus([focus_deal("retired_reason", 1)]) is None


def test_seller_rows_carry_each_sellers_own_deals_reviews_and_amounts():
    deals = [focus_deal("price", 100, user="U1", reviewed_by="M"), focus_deal("price", 200, user="U1", reviewed_by="M"),
             focus_deal("competitor", 50, user="U2")]
    rows = [row("U1", "EUR", 1, 300, avoidable=1), row("U1", "USD", 1, 300), row("U2", "USD", 1, 50)]
    assert weekly.seller_rows(rows, deals, first="USD") == [
        weekly.SellerRow("U1", 2, [{"amount": 3, "currency": "USD"}, {"amount": 3, "currency": "EUR"}], 1,
                         "negotiating, closing, building value before price", 2),
        weekly.SellerRow("U2", 1, [{"amount": 0.5, "currency": "USD"}], 0,
                         "presenting, communicating differentiation", 0),
    ]


def totals(counts, currency="USD", cents=None, week="2026-W47", n=4):
    weeks = [*weekly.previous_weeks(week, n), week]
    return [{"week": w, "currency": currency, "deals": c, "amount_cents": (cents or {}).get(w, c * 100)}
            for w, c in zip(weeks, counts) if c]


@pytest.mark.parametrize(("current", "change", "direction"), [
    (11, 10, "up"),      # exactly 10% more: a change
    (9, -10, "down"),    # exactly 10% fewer
    (10, 0, "flat"),
])
def test_trend_ten_percent_is_the_first_change_that_counts(current, change, direction):
    result = weekly.trend("2026-W47", totals([10, 10, 10, 10, current]))
    assert (result.average_deals, result.change_percent, result.direction) == (10.0, change, direction)


def test_trend_points_per_week_and_the_currencies_with_their_averages():
    rows = totals([1, 1, 1, 1, 1]) + totals([2, 2, 2, 2, 0], currency="EUR")
    rows += [{"week": "2026-W30", "currency": "USD", "deals": 9, "amount_cents": 999}]  # outside the window
    result = weekly.trend("2026-W47", rows, first="USD")
    assert [(p.week, p.deals, p.amounts, p.current) for p in result.points] == [
        ("2026-W43", 3, [{"amount": 1, "currency": "USD"}, {"amount": 2, "currency": "EUR"}], False),
        ("2026-W44", 3, [{"amount": 1, "currency": "USD"}, {"amount": 2, "currency": "EUR"}], False),
        ("2026-W45", 3, [{"amount": 1, "currency": "USD"}, {"amount": 2, "currency": "EUR"}], False),
        ("2026-W46", 3, [{"amount": 1, "currency": "USD"}, {"amount": 2, "currency": "EUR"}], False),
        ("2026-W47", 1, [{"amount": 1, "currency": "USD"}], True),
    ]
    assert result.by_currency == [
        weekly.CurrencyTrend("USD", {"amount": 1, "currency": "USD"}, {"amount": 1, "currency": "USD"}, 0),
        weekly.CurrencyTrend("EUR", {"amount": 0, "currency": "EUR"}, {"amount": 2, "currency": "EUR"}, -100),
    ]
    assert (result.average_deals, result.change_percent, result.direction) == (3.0, -67, "down")


def test_trend_money_change_rounds_half_up_and_averages_over_n_weeks():
    cents = {"2026-W43": 100, "2026-W44": 300, "2026-W45": 200, "2026-W46": 200, "2026-W47": 205}
    result = weekly.trend("2026-W47", totals([1, 1, 1, 1, 1], cents=cents))
    # the four weeks before average 200 cents; 205 is 2.5% more, shown as 3%
    assert result.by_currency == [weekly.CurrencyTrend("USD", {"amount": 2.05, "currency": "USD"},
                                                       {"amount": 2, "currency": "USD"}, 3)]


def test_trend_over_two_weeks():
    result = weekly.trend("2026-W47", totals([1, 3, 2], n=2), n=2)
    assert [p.week for p in result.points] == ["2026-W45", "2026-W46", "2026-W47"]
    assert (result.average_deals, result.change_percent, result.direction) == (2.0, 0, "flat")



# -- the whole week assembled (bot/domain/weekly_report.py) ------------------------------------


def fact(n, cents, currency="USD", **extra):
    return {"run_id": f"r{n}", "user_id": "U1", "deal": f"D{n}", "primary_reason": "price", "amount_cents": cents,
            "currency": currency, "unrecovered_cents": cents, "submitted_at": f"2026-11-1{n}", **extra}


def test_build_report_puts_the_teams_currency_first_everywhere_and_counts_exactly():
    facts = [fact(1, 100, avoidable=True, reviewed_by="M", one_on_one_by="M", involved=["nobody"]),
             fact(2, 300, avoidable=True, involved=["se"]), fact(3, 200), fact(4, 50), fact(5, 60), fact(6, 70),
             fact(7, 900, currency="EUR")]
    rows = [row("price", "EUR", 1, 900), row("price", "USD", 6, 780)]
    report = weekly_report.build_report(
        "2026-W47", facts, currency="USD",
        week_totals=[{"week": "2026-W47", "currency": "EUR", "deals": 1, "amount_cents": 900},
                     {"week": "2026-W47", "currency": "USD", "deals": 6, "amount_cents": 780},
                     {"week": "2026-W46", "currency": "USD", "deals": 4, "amount_cents": 400}],
        reasons=rows, competitors=[row("gong", "EUR", 1, 900), row("gong", "USD", 1, 100)],
        sellers=[row("U1", "EUR", 1, 900), row("U1", "USD", 6, 780)],
        retained=[{"currency": "EUR", "amount_cents": 5}, {"currency": "USD", "amount_cents": 7}],
        teams=[row(None, "EUR", 1, 900), row("west", "EUR", 1, 1), row("west", "USD", 4, 699), row("east", "USD", 1, 80)],
        team_names={"west": "West coast"})
    usd_first = [{"amount": 7.8, "currency": "USD"}, {"amount": 9, "currency": "EUR"}]
    assert (report.week, report.label, report.count) == ("2026-W47", "16–22 Nov 2026", 7)
    assert (report.totals, report.unrecovered) == (usd_first, usd_first)
    assert report.retained == [{"amount": 0.07, "currency": "USD"}, {"amount": 0.05, "currency": "EUR"}]
    assert [(r.label, r.amounts) for r in report.by_reason] == [("Price", usd_first)]
    assert report.by_competitor[0].amounts == [{"amount": 1, "currency": "USD"}, {"amount": 9, "currency": "EUR"}]
    assert [(s.user_id, s.amounts, s.reviewed) for s in report.by_seller] == [("U1", usd_first, 1)]
    assert [(t.label, t.deals) for t in report.by_team] == [("West coast", 5), ("east", 1), ("no team", 1)]
    assert report.by_team[0].amounts == [{"amount": 6.99, "currency": "USD"}, {"amount": 0.01, "currency": "EUR"}]
    assert [c.currency for c in report.trend.by_currency] == ["USD", "EUR"]
    assert [d.cents for d in report.biggest] == [300, 200, 100, 70, 60, 900]  # five per currency
    assert [d.run_id for d in report.avoidable] == ["r2", "r1"]  # biggest first
    assert (report.reviewed, report.one_on_one, report.lost_alone, report.involvement_said) == (1, 1, 1, 2)


# -- the errors' own words (bot/domain/errors.py) --------------------------------------------


def test_domain_errors_say_where_what_and_what_was_expected():
    assert str(InvalidValue("fee", -1, "must not be negative")) == "fee: must not be negative (got -1)"
    assert str(CurrencyMismatch("USD", "EUR", "amounts[1]")) == (
        "amounts[1]: expected an amount in USD, got EUR; amounts in different currencies cannot be added")
    assert str(CurrencyMismatch("USD", "EUR")) == (
        "expected an amount in USD, got EUR; amounts in different currencies cannot be added")
    assert str(UnknownFactor("speed", ("revenue", "effort"))) == (
        "unknown ranking factor 'speed'; expected one of: revenue, effort")
    assert UnknownFactor("speed", ()).kind == "ranking factor"


def test_losses_without_a_team_in_two_currencies_merge_into_one_no_team_row():
    # the store's by_team rows for losses with no team carry key and label None; min(None, None) raised
    rows = [row(None, "EUR", 1, 900), row(None, "USD", 2, 100), row("west", "USD", 2, 5)]
    merged = weekly.merge_rows(rows, "USD", label=lambda key, _: key or "no team")
    assert [(r.key, r.label, r.deals) for r in merged] == [(None, "no team", 3), ("west", "west", 2)]


def test_a_long_story_is_cut_at_the_last_whole_word_within_the_limit():
    assert weekly.one_line("word, " * 20, limit=40) == "word, word, word, word, word, word…"  # 35 characters
    assert weekly.one_line("x" * 50, limit=40) == "x" * 39 + "…"
    assert weekly.one_line("a b" + "c" * 50, limit=40) == "a…"
    assert weekly.one_line("y" * 40, limit=40) == "y" * 40  # exactly the limit: kept whole


def test_amounts_without_cents_are_left_out():
    assert weekly.amounts_by_currency([("USD", None), ("USD", 5), (None, 7)]) == [{"amount": 0.05, "currency": "USD"}]


@pytest.mark.parametrize(("text", "shown"), [
    ("a" * 38 + " b cc", "a" * 38 + "…"),                           # the word ending at the limit is not kept
    ("a" * 10 + " " + "b" * 27 + " cc", "a" * 10 + " " + "b" * 27 + "…"),  # a space just inside the cut
    ("x" * 38 + " yy", "x" * 38 + "…"),
    ("a" * 30 + " XX " + "b" * 20, "a" * 30 + " XX…"),
])
def test_a_story_cut_keeps_every_whole_word_that_fits(text, shown):
    assert weekly.one_line(text, limit=40) == shown


def test_rows_tied_on_deals_and_label_go_by_key_and_an_unlabelled_row_shows_nothing():
    merged = weekly.merge_rows([row("b", "USD", 1, 1, label="Same"), row("a", "USD", 1, 1, label="Same"),
                                row("A", "USD", 1, 1, label="x"), row(None, "USD", 1, 1, label="x")])
    assert [r.key for r in merged] == ["a", "b", None, "A"]
    assert [r.label for r in weekly.merge_rows([row(None, "USD", 1, 1)])] == [""]
