"""The one concentration rule (issue 16): a contract is a risk when it carries *more than* the
team's threshold of a book; exactly at the threshold is not. Through the real path: `/recover`
over signed HTTP, the plan posted to the Web API stand-in, the opportunities in SQLite. The
signed book (`rebound book import`) follows the same rule in tests/test_book_cli.py."""

from __future__ import annotations

import json

import pytest

from tests.test_recover_flow import REP, finish, plan_message

OPEN = """Opportunity Name,Account,Amount,Probability,Close Date
Dispatch analytics,Cascade Cold Chain,{largest},40,2027-01-29
Fleet expansion,Pinecrest Foods,50000,70%,2026-12-18"""


@pytest.mark.parametrize(("largest", "flagged"), [
    ("50000", False),     # 50,000 of 100,000: exactly the default 50%, not more than it
    ("50000.01", True),   # one cent above
])
def test_the_plan_flags_a_contract_only_above_the_threshold(app, dm, largest, flagged):
    reply = dm.command(REP, "/recover", "import\n" + OPEN.format(largest=largest)).json()["text"]
    assert "Imported 2 opportunities" in reply
    dm.command(REP, "/recover", "$10k")
    finish(dm, REP, {"retained_amount": "0"})
    _, message = plan_message(dm.slack_api)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert ("*Concentration risk* (above 50% in one contract)" in text) is flagged
    assert ("50% of your book sits in one contract: *Dispatch analytics* (USD 50,000.01 of USD 100,000.01)"
            in text) is flagged
    assert ("*Cascade Cold Chain*: USD 50,000.01 in a single contract" in text) is flagged
    assert "Dispatch analytics" in text and "Fleet expansion" in text  # the plan itself was posted either way


def test_the_threshold_reply_says_more_than(app, dm):
    assert "when one contract holds more than 50% of a book" in dm.command(REP, "/recover", "threshold").json()["text"]

