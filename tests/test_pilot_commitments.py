"""What the customer commits to beyond the criteria, over the real Slack endpoint: the compelling
reason, its deadline and the executive sponsor on the agreement; how the customer will handle each
known risk beside how we will; and a repeat customer warned about, never excused from the criteria."""

from __future__ import annotations

import json

from tests.pilot_support import app, dm, frozen  # noqa: F401 (fixtures: the app starts at SUBMITTED)
from tests.pilot_support import EXAMPLE, REP, plan_pilot, uploaded_files
from tests.support.dm_driver import walk_to_review

RISK_LINES = (
    "- Telematics exports from the Spokane depot arrive a week late. How we'll handle it: "
    "Aisha sets up the direct API feed in week one\n"
    "  - How Harbor Freight Lines will handle it, agreed with them: "
    "Tom asks the Spokane depot to send the export on Mondays until the feed runs\n"
    "- Planners fall back to the old tool during the January peak. How we'll handle it: "
    "Weekly check-in with Luis; we pause measurement for peak week rather than extend\n"
    "  - How Harbor Freight Lines will handle it, agreed with them: "
    "Luis keeps both Tacoma planners on the new tool through the peak\n"
)
WHY_NOW = (
    "## Why now\n\n"
    "- Compelling reason: Harbor's new delivery contract with the port authority starts on 1 April "
    "and pays on on-time deliveries.\n"
    "- Deadline behind it: 1 April 2027\n"
    "- Executive sponsor at Harbor Freight Lines: Maya Chen\n"
)
REPEAT_LINE = ("Harbor Freight Lines already works with us. We agree the same success criteria and outcomes all "
               "the same: a pilot is judged on what it shows, not on what came before.")


def test_agreement_shows_why_now_the_sponsor_and_both_sides_handling_of_each_risk(app, dm, slack_api):
    pilot = plan_pilot(dm)
    markdown, text = (f["content"] for f in uploaded_files(slack_api))
    assert WHY_NOW in markdown
    assert RISK_LINES in markdown
    assert REPEAT_LINE not in markdown  # not said of a new customer
    assert "Why now\n-------\n\n- Compelling reason: Harbor's new delivery contract" in text
    assert "  - How Harbor Freight Lines will handle it, agreed with them: Luis keeps both" in text
    assert pilot.gap_count == 2  # the example's own two gaps, none added: everything above was given


def test_repeat_customer_is_warned_on_the_review_card_and_the_agreement_and_still_needs_criteria(app, dm, slack_api):
    playbook = app.services.playbooks["pilot-plan"]
    answers = {**EXAMPLE, "bought_before": "yes"}
    assert playbook.step("criteria").required  # bought before or not, the criteria cannot be skipped
    dm.command(REP, "/pilot-plan")
    walk_to_review(dm, REP, "pilot-plan", answers)
    run_answers = app.services.conversations.load(dm.screen(REP).run_id, REP).answers
    assert run_answers["bought_before"] is True and run_answers["criteria"]
    review = json.dumps(dm.screen(REP).blocks, ensure_ascii=False)
    assert "⚠️ *Harbor Freight Lines bought from us before.* A repeat customer is no slam dunk: the success " \
           "criteria, outcomes and sign-off still apply, and the agreement says so." in review
    dm.click(REP, "Submit")
    markdown = uploaded_files(slack_api)[0]["content"]
    assert f"so that nobody is surprised when it ends.\n\n{REPEAT_LINE}\n\n## Why now" in markdown
    assert "1. Empty miles per route: target 14% or less (today: 18%). Measured by Tom Okafor:" in markdown


def test_missing_reason_sponsor_and_customer_handling_become_open_items(app, dm, slack_api):
    answers = {**EXAMPLE, "exec_sponsor": None, "compelling_reason": None, "compelling_deadline": "2027-04-01",
               "risks": [EXAMPLE["risks"][0], {k: v for k, v in EXAMPLE["risks"][1].items() if k != "customer_handling"}]}
    dm.command(REP, "/pilot-plan")
    walk_to_review(dm, REP, "pilot-plan", answers)
    run_answers = app.services.conversations.load(dm.screen(REP).run_id, REP).answers
    assert "compelling_deadline" not in run_answers  # no reason, so no deadline behind it to ask for
    review = dm.screen(REP).text()
    gaps = ("Name the executive sponsor at Harbor Freight Lines",
            "Write down why Harbor Freight Lines must act now (the compelling reason)",
            "Agree with Harbor Freight Lines how they will handle: Planners fall back to the old tool during the January peak")
    for gap in gaps:
        assert gap in review, gap
    assert "*5 open items.*" in review  # the example's two, and these three
    dm.click(REP, "Submit")
    markdown = uploaded_files(slack_api)[0]["content"]
    for gap in gaps:
        assert f"- [ ] {gap}\n" in markdown, gap
    assert ("- Compelling reason: still to agree (see open items)\n- Deadline behind it: none named\n"
            "- Executive sponsor at Harbor Freight Lines: to be named (see open items)\n") in markdown
    assert ("  - How Harbor Freight Lines will handle it, agreed with them: still to agree (see open items)\n"
            "\n## Open items") in markdown
