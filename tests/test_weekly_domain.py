"""The weekly maths on its own: cents, weeks, trend, merged rows, focus, stories."""

from __future__ import annotations

import pytest

from bot.domain import weekly


def row(key, currency, deals, cents, label=None, avoidable=0):
    return {"key": key, "label": label or key, "currency": currency, "deals": deals, "amount_cents": cents,
            "avoidable": avoidable}


def deal(reason, cents=100, others=(), user="U1", currency="USD"):
    return weekly.deal_from_fact({
        "run_id": f"r{reason}{cents}", "user_id": user, "deal": "D", "primary_reason": reason,
        "other_reasons": list(others), "amount_cents": cents, "currency": currency, "submitted_at": "2026-11-17",
    })


@pytest.mark.parametrize(("amount", "cents", "back"), [(120000, 12_000_000, 120000), (0.1, 10, 0.1),
                                                       (15000.505, 1_500_051, 15000.51), (None, None, None)])
def test_amounts_round_trip_through_integer_cents_rounding_half_up(amount, cents, back):
    assert weekly.to_cents(amount) == cents
    assert weekly.from_cents(cents) == back


def test_amounts_are_summed_per_currency_with_the_teams_first():
    pairs = [("EUR", 100), ("USD", 250), ("EUR", 50), ("GBP", 1)]
    assert weekly.amounts_by_currency(pairs, first="USD") == [
        {"amount": 2.5, "currency": "USD"}, {"amount": 1.5, "currency": "EUR"}, {"amount": 0.01, "currency": "GBP"}]


def test_previous_weeks_cross_the_year():
    assert weekly.previous_weeks("2027-W02") == ["2026-W51", "2026-W52", "2026-W53", "2027-W01"]
    assert weekly.week_label("2026-W53") == "28 Dec 2026 – 3 Jan 2027"
    assert weekly.week_label("2026-W49") == "30 Nov – 6 Dec 2026"


def test_merge_rows_counts_deals_across_currencies_and_keeps_amounts_apart():
    merged = weekly.merge_rows([row("samsara", "EUR", 1, 4_000_000, "samsara"), row("samsara", "USD", 2, 100, "Samsara"),
                                row("gong", "USD", 3, 5)], first="USD")
    assert [(r.key, r.label, r.deals) for r in merged] == [("gong", "gong", 3), ("samsara", "Samsara", 3)]
    assert merged[1].amounts == [{"amount": 1, "currency": "USD"}, {"amount": 40000, "currency": "EUR"}]


def test_trend_directions():
    def totals(*counts):
        weeks = [*weekly.previous_weeks("2026-W47"), "2026-W47"]
        return [{"week": w, "currency": "USD", "deals": n, "amount_cents": n * 100} for w, n in zip(weeks, counts) if n]

    up = weekly.trend("2026-W47", totals(1, 1, 1, 1, 3))
    assert (up.average_deals, up.change_percent, up.direction) == (1.0, 200, "up")
    flat = weekly.trend("2026-W47", totals(2, 2, 2, 2, 2))
    assert (flat.change_percent, flat.direction) == (0, "flat")
    down = weekly.trend("2026-W47", totals(4, 4, 4, 4, 1))
    assert (down.change_percent, down.direction) == (-75, "down")
    new = weekly.trend("2026-W47", totals(0, 0, 0, 0, 2))
    assert (new.change_percent, new.direction) == (None, "new")
    assert weekly.trend("2026-W47", []).direction == "flat"


def test_seller_focus_follows_the_most_frequent_then_costliest_reason():
    assert weekly.seller_focus([deal("price"), deal("price"), deal("competitor", 10_000)]).startswith("negotiating")
    assert weekly.seller_focus([deal("price", 100), deal("competitor", 10_000)]).startswith("presenting")
    assert "multi-threading" in weekly.seller_focus([deal("other", others=["relationship"])])
    assert weekly.seller_focus([deal("other")]) is None


def test_biggest_losses_are_ranked_within_each_currency():
    deals = [deal("price", 5), deal("price", 9, currency="EUR"), deal("price", 7), deal("price", 1)]
    chosen = weekly.biggest(deals, n=2, first="USD")
    assert [(d.amount["currency"], d.cents) for d in chosen] == [("USD", 7), ("USD", 5), ("EUR", 9)]


def test_one_line_story_is_the_first_sentence_within_the_limit():
    assert weekly.one_line("We lost it.\nThen more happened.") == "We lost it."
    long = "word " * 60
    cut = weekly.one_line(long, limit=40)
    assert len(cut) <= 40 and cut.endswith("…")
    assert weekly.one_line(None) == ""


def test_tally_folds_case_and_spacing():
    rows = weekly.tally(["SSO with Okta", "sso  with okta", None, "API"])
    assert [(r.label, r.deals) for r in rows] == [("SSO with Okta", 2), ("API", 1)]


def test_unknown_reason_keys_are_shown_as_they_are():
    assert weekly.reason_label("unknown") == "I don't know yet"
    assert weekly.reason_label("retired_reason") == "retired_reason"
