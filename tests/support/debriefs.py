"""Debriefs for the weekly-summary tests: real services on a tmp SQLite file, and debriefs
submitted through the real conversation and submit path (so the facts are written the way
production writes them), at whatever time freezegun says it is."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.services import Services, build_services
from bot.store.runs import Run

TEAMS = """\
teams:
  - id: west
    name: West Enterprise
    summary_channel: C0WEST
    managers: [U0MGR1]
    members: [U0REP1, U0REP2, U0REP3]
    timezone: America/Los_Angeles
    currency: USD
  - id: emea
    name: EMEA Mid-Market
    summary_channel: C0EMEA
    managers: [U0MGR2]
    members: [U0REP4]
    timezone: Europe/Berlin
    summary_schedule: "0 8 * * 1"
    currency: EUR
  - id: apac
    name: APAC
    summary_channel: C0APAC
    managers: [U0MGR3]
    members: [U0REP5]
    timezone: Australia/Sydney
    summary_schedule: friday 17:30
    post_empty_weeks: false
routing:
  product_channel: C0PROD
  enablement_channel: C0ENAB
leadership:
  heads: [U0HEAD]
  rollup_channel: C0LEAD
  timezone: America/New_York
"""

# The core answers of a quick debrief; tests override what they assert on.
CORE = {
    "deal": "Acme",
    "amount": "$10k",
    "primary_reason": "price",
    "what_happened": "They chose a cheaper tool. Procurement pushed hard on price.",
    "avoidable": "no",
    "add_detail": "no",
}


def build(tmp_path: Path, *, teams: str = TEAMS, slack_api=None, db: str = "rebound.db") -> Services:
    """Services over ``tmp_path`` (teams file written once), with a sender to the stand-in if given."""
    path = tmp_path / "teams.yml"
    if not path.exists():
        path.write_text(textwrap.dedent(teams))
    env = {"REBOUND_DB": str(tmp_path / db), "REBOUND_TEAMS": str(path)}
    if slack_api is not None:
        env.update(SLACK_BOT_TOKEN=slack_api.token, SLACK_API_URL=slack_api.url)
    services = build_services(load_settings(env), teams_required=True, slack=slack_api is not None)
    if services.sender is not None:
        from bot.outbox.pacing import Pacer

        services.sender.pacer = Pacer(limits=None)  # a frozen clock never lets a paced row fall due
    return services


def answer_and_submit(services: Services, playbook: str, user: str, given: dict[str, Any], *,
                      deliver: bool = True) -> Run:
    """Start ``playbook`` afresh as ``user``, answer each question from ``given`` (skipping
    optional ones it lacks) through the conversation service, and submit."""
    conversations = services.conversations
    turn = conversations.start(playbook, user, source="slack", start_over=True).turn
    for _ in range(len(services.playbooks[playbook].steps) * 2 + 2):
        step = turn.question
        if step is None:
            break
        raw = given.get(step.id)
        if raw is None and not step.required:
            turn = conversations.skip(turn.run.id, user)
        else:
            turn = conversations.answer(turn.run.id, user, raw, step_id=step.id)
    return services.submissions.submit(turn.run.id, user, deliver=deliver).run


def submit(services: Services, user: str, deliver: bool = True, **answers: Any) -> Run:
    """Answer a debrief as ``user`` (CORE overridden by ``answers``; unanswered optional steps
    skipped) and submit it. Returns the submitted run."""
    given = {**CORE, **answers}
    if "add_detail" not in answers and any(k not in CORE and k not in ("competitor", "competitor_showed", "gap_capability") for k in answers):
        given["add_detail"] = "yes"
    return answer_and_submit(services, "debrief", user, given, deliver=deliver)


def start(services: Services, user: str, deal: str | None = None) -> Run:
    """A debrief started and left unfinished."""
    turn = services.conversations.start("debrief", user, source="slack", start_over=True).turn
    if deal is not None:
        turn = services.conversations.answer(turn.run.id, user, deal, step_id="deal")
    return turn.run


def submit_example(services: Services, user: str, playbook: str) -> Run:
    """Submit ``examples/answers/<playbook>.yml`` through the conversation and submit path
    (delivering, so its reminders and sections exist as they would from Slack)."""
    import yaml

    from bot.config import PROJECT_ROOT

    given = yaml.safe_load((PROJECT_ROOT / "examples" / "answers" / f"{playbook}.yml").read_text())
    return answer_and_submit(services, playbook, user, given)
