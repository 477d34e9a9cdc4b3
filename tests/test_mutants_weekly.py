"""The weekly maths with exact figures, written from a mutation run (docs/mutmut.md): every
field a stored fact carries into the summary, the trend's boundaries (exactly 10% is a change,
half a percent rounds up), and rows merged across currencies."""

from __future__ import annotations

import pytest

from bot.domain import weekly

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

