"""The weekly summary over a year of data: how long building a team's summary takes, against a
plain SQL aggregate over the same rows, and how both grow when the data grows tenfold.

The data set: ``sellers`` sellers in teams of ``team_size`` (500 sellers = 50 teams), and
``debriefs`` submitted debriefs spread over the 52 weeks up to the summarised week, loaded
into a temporary SQLite file through the store layer (``bot.store.reports.bulk_load``).
Amounts are in USD, EUR and GBP; about half the losses were reviewed by a manager and one
seller in fifty has a debrief left unfinished.

Figures (milliseconds, medians over the sampled teams, after one warm-up build):

* ``summary_ms``: ``WeeklySummaries.build`` for one team and week: every aggregation query,
  the report maths, the other flows' sections, rendering and Block Kit pages. What the
  scheduler does for each team each week, minus the claim and the outbox insert.
* ``report_ms``: only the queries and the maths (``WeeklySummaries.report``).
* ``plain_sql_ms``: ``SELECT currency, COUNT(*), SUM(amount) ... GROUP BY currency`` over the
  same team and week: the floor any summary pays.
* ``rollup_ms``: the head of sales' roll-up of every team for the week.
* ``facts_check_ms``: the check for debriefs without facts that runs before each post (an
  anti-join over every debrief run).

``python -m bench.weekly_summary [--debriefs N] [--sellers N] [--grow]`` prints them as JSON;
``--grow`` also measures ten times the debriefs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bot import clock
from bot.config import load_settings
from bot.domain.taxonomy import LOSS_REASON_KEYS
from bot.flows.debrief import facts as facts_job
from bot.flows.debrief.digests import Rollup
from bot.flows.debrief.reports import WeeklySummaries
from bot.services import build_services
from bot.store import reports

WEEK = "2026-W47"  # the summarised week; the year of data ends with it
WEEKS = 52
SAMPLED_TEAMS = 12
REASON_WEIGHTS = {"price": 18, "competitor": 22, "incumbent_stayed": 6, "no_decision": 14, "budget_gone": 8,
                  "timing": 10, "product_gap": 9, "relationship": 5, "pilot_failed": 3, "other": 2, "unknown": 3}
COMPETITORS = ["Samsara", "Motive", "Verizon Connect", "Geotab", "Trimble", "Omnitracs", "Lytx", "Fleetio"]
STAGES = ["discovery", "qualification", "solution", "proposal", "pilot", "negotiation", "contract", "renewal"]
WORDS = ("the champion left procurement pushed price the bake-off ran late our demo missed the driver app "
         "security review stalled budget moved to next year they kept the incumbent we were single threaded").split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def teams_yaml(sellers: int, team_size: int) -> str:
    lines = ["teams:"]
    for t in range((sellers + team_size - 1) // team_size):
        members = [f"U{t:03d}R{m:03d}" for m in range(team_size) if t * team_size + m < sellers]
        lines += [f"  - id: t{t:03d}", f"    name: Team {t}", f"    summary_channel: C{t:03d}T",
                  f"    managers: [U{t:03d}MGR]", f"    members: [{', '.join(members)}]",
                  f"    timezone: {('America/Los_Angeles', 'Europe/Berlin', 'America/New_York')[t % 3]}",
                  f"    currency: {('USD', 'EUR', 'USD')[t % 3]}"]
    lines += ["routing:", "  product_channel: C0PROD", "  enablement_channel: C0ENAB",
              "leadership:", "  heads: [U0HEAD]", "  rollup_channel: C0LEAD"]
    return "\n".join(lines) + "\n"


def generate(debriefs: int, sellers: int, team_size: int, seed: int) -> tuple[list, list, list]:
    """Runs, facts and reviews for ``debriefs`` losses spread over the year ending with WEEK."""
    rng = random.Random(seed)
    monday, next_monday = clock.week_bounds(WEEK)
    start = datetime.combine(monday - timedelta(weeks=WEEKS - 1), datetime.min.time(), tzinfo=timezone.utc)
    span = (datetime.combine(next_monday, datetime.min.time(), tzinfo=timezone.utc) - start).total_seconds()
    reasons, weights = list(REASON_WEIGHTS), list(REASON_WEIGHTS.values())
    assert set(reasons) == set(LOSS_REASON_KEYS)
    runs, facts, reviews = [], [], []
    for i in range(debriefs):
        seller = rng.randrange(sellers)
        team, member = divmod(seller, team_size)
        user, team_id = f"U{team:03d}R{member:03d}", f"t{team:03d}"
        submitted = start + timedelta(seconds=rng.random() * span)
        at = submitted.replace(microsecond=0).isoformat()
        reason = rng.choices(reasons, weights)[0]
        currency = rng.choices(("USD", "EUR", "GBP"), (80, 15, 5))[0]
        cents = int(rng.lognormvariate(10.5, 1.0)) * 100
        renewal = rng.random() < 0.1
        retained = int(cents * rng.uniform(0.1, 0.6)) if renewal else None
        run_id = f"b{i:011d}"
        runs.append({"id": run_id, "playbook": "debrief", "user_id": user, "team": team_id, "status": "submitted",
                     "started_at": at, "submitted_at": at})
        facts.append({
            "run_id": run_id, "team": team_id, "user_id": user, "week": clock.iso_week(submitted.date()),
            "submitted_at": at, "deal": f"Account {rng.randrange(10_000)} fleet renewal",
            "account": None, "amount_cents": cents, "currency": currency,
            "retained_cents": retained, "retained_currency": currency if renewal else None,
            "unrecovered_cents": cents - (retained or 0), "primary_reason": reason,
            "other_reasons": rng.sample(reasons[:9], rng.randrange(3)),
            "competitor": rng.choice(COMPETITORS) if reason == "competitor" else None,
            "gap": f"Capability {rng.randrange(30)}" if reason == "product_gap" else None,
            "avoidable": rng.random() < 0.4, "stage_lost": rng.choice(STAGES), "close_date": submitted.date().isoformat(),
            "to_product": reason == "product_gap", "to_enablement": rng.random() < 0.2,
            "detail": {"what_happened": " ".join(_sentence(rng, 12) for _ in range(3)),
                       "customer_words": _sentence(rng, 15)},
        })
        if rng.random() < 0.5:
            reviews.append({"run_id": run_id, "team": team_id, "reviewed_by": f"U{team:03d}MGR", "reviewed_at": at})
    for seller in range(0, sellers, 50):  # one seller in fifty left a debrief unfinished
        team, member = divmod(seller, team_size)
        at = datetime.combine(monday + timedelta(days=2), datetime.min.time(), tzinfo=timezone.utc).isoformat()
        runs.append({"id": f"a{seller:011d}", "playbook": "debrief", "user_id": f"U{team:03d}R{member:03d}",
                     "team": f"t{team:03d}", "status": "active", "started_at": at, "submitted_at": None})
    return runs, facts, reviews


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def _timed(fn, repeats: int = 1) -> list[float]:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return samples


def measure(debriefs: int, sellers: int, seed: int, team_size: int = 10, teams_sampled: int = SAMPLED_TEAMS) -> dict:
    """Build the data set in a temporary database and time the summary against plain SQL."""
    with tempfile.TemporaryDirectory(prefix="rebound-bench-weekly-") as folder:
        root = Path(folder)
        (root / "teams.yml").write_text(teams_yaml(sellers, team_size))
        services = build_services(load_settings({"REBOUND_DB": str(root / "bench.db"),
                                                 "REBOUND_TEAMS": str(root / "teams.yml")}), teams_required=True)
        try:
            began = time.perf_counter()
            runs, facts, reviews = generate(debriefs, sellers, team_size, seed)
            reports.bulk_load(services.store, runs, facts, reviews)
            load_s = time.perf_counter() - began
            store = services.store
            summaries = WeeklySummaries(services.tools)
            teams = services.teams.teams[:teams_sampled]
            summaries.build(teams[0], WEEK)  # warm-up: templates compiled, pages cached
            summary, report, plain, rows, pages = [], [], [], [], []
            for team in teams:
                rows.append(len(reports.deals(store, team.id, WEEK)))
                summary += _timed(lambda team=team: summaries.build(team, WEEK), 3)
                report += _timed(lambda team=team: summaries.report(team, WEEK), 3)
                plain += _timed(lambda team=team: reports.plain_week_aggregate(store, team.id, WEEK), 3)
                pages.append(len(summaries.build(team, WEEK).posts))
            rollup = Rollup(services.tools)
            rollup.build(WEEK)
            rollup_s = _timed(lambda: rollup.build(WEEK), 3)
            facts_check = _timed(lambda: facts_job.ensure_facts(services.tools, WEEK), 3)
            summary_ms, plain_ms = _median_ms(summary), _median_ms(plain)
            return {
                "debriefs": debriefs, "sellers": sellers, "teams": len(services.teams.teams),
                "load_s": round(load_s, 2), "rows_per_team_week": statistics.median(rows),
                "pages_per_summary": max(pages), "summary_ms": summary_ms, "summary_p95_ms":
                round(sorted(summary)[int(0.95 * (len(summary) - 1))] * 1000, 3),
                "report_ms": _median_ms(report), "plain_sql_ms": plain_ms,
                "ratio": round(summary_ms / plain_ms, 1) if plain_ms else None,
                "rollup_ms": _median_ms(rollup_s), "facts_check_ms": _median_ms(facts_check),
            }
        finally:
            services.close()


def run(debriefs: int = 25_000, sellers: int = 500, seed: int = 8, *, grow: bool = False) -> dict:
    """The figures at ``debriefs`` and at a tenth of them (same org), or also at ten times
    them with ``grow``; ``growth`` says how each figure scales with ten times the data."""
    smaller = measure(max(debriefs // 10, 1), sellers, seed)
    main = measure(debriefs, sellers, seed)
    figures = {**main, "at_tenth": smaller}
    figures["growth_10x"] = {key: round(main[key] / smaller[key], 1) if smaller[key] else None
                             for key in ("summary_ms", "plain_sql_ms", "rollup_ms", "facts_check_ms")}
    if grow:
        bigger = measure(debriefs * 10, sellers, seed)
        figures["at_10x"] = bigger
        figures["growth_10x_above"] = {key: round(bigger[key] / main[key], 1) if main[key] else None
                                       for key in ("summary_ms", "plain_sql_ms", "rollup_ms", "facts_check_ms")}
    return figures


def rows(figures: dict) -> list[dict[str, Any]]:
    """Table rows for ``python -m bench`` (bench.harness.row's shape)."""
    from bench.harness import row

    n = f"{figures['debriefs']:,} debriefs, {figures['sellers']} sellers"
    out = [
        row(f"weekly summary: one team's week ({n})", f"{figures['summary_ms']:.1f} ms",
            f"{figures['plain_sql_ms']:.3f} ms plain SQL", figures["ratio"]),
        row("weekly summary: queries and maths only", f"{figures['report_ms']:.1f} ms"),
        row("weekly summary: roll-up of every team", f"{figures['rollup_ms']:.1f} ms"),
        row("weekly summary: missing-facts check", f"{figures['facts_check_ms']:.1f} ms"),
        row("weekly summary: growth with 10x debriefs", f"x{figures['growth_10x']['summary_ms']}",
            f"x{figures['growth_10x']['plain_sql_ms']} plain SQL"),
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--debriefs", type=int, default=25_000)
    parser.add_argument("--sellers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--grow", action="store_true", help="also measure ten times the debriefs")
    args = parser.parse_args()
    print(json.dumps(run(args.debriefs, args.sellers, args.seed, grow=args.grow), indent=2))


if __name__ == "__main__":
    main()
