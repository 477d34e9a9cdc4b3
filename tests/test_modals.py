"""Form pages as modals, through the real endpoint: signed view_submission, view_closed and
block_actions in, views.open / views.update out to the stand-in (which validates every view
against Block Kit and Slack's limits), answers in SQLite."""

from __future__ import annotations

import json
import textwrap
from datetime import date

import pytest

from bot.engine import answers as answer_parsing
from bot.engine.loader import collect_playbooks
from bot.store import runs as run_store
from tests.pilot_support import EXAMPLE, REP, driver
from tests.support.modal_driver import ModalDriver
from tests.support.slack_api import view_violations
from tests.test_playbook_validation import HEADER as PLAYBOOK_HEADER


@pytest.fixture
def dm(app, slack_api):
    return driver(app, slack_api)


def to_terms(dm) -> ModalDriver:
    """/pilot-plan, the two DM questions typed, then the first form page opened."""
    dm.command(REP, "/pilot-plan")
    dm.type(REP, EXAMPLE["account"])
    dm.type(REP, EXAMPLE["deal"])
    assert dm.screen(REP).step_id == "form:pilot_terms"
    modal = ModalDriver(dm)
    modal.open(REP)
    return modal


def page_of(modal: ModalDriver) -> str:
    return json.loads(modal.view["private_metadata"])["f"]


def active_run(app):
    return run_store.find_active(app.services.store, REP, "pilot-plan")


def test_a_page_shows_one_input_per_step_derived_from_its_type(app, dm):
    modal = to_terms(dm)
    inputs = modal.inputs()
    assert list(inputs) == ["s|deal_value", "s|pilot_fee", "s|scope", "s|start_date", "s|end_date"]
    kinds = {block_id: block["element"]["type"] for block_id, block in inputs.items()}
    assert kinds == {"s|deal_value": "plain_text_input", "s|pilot_fee": "plain_text_input",
                     "s|scope": "plain_text_input", "s|start_date": "datepicker", "s|end_date": "datepicker"}
    assert inputs["s|scope"]["element"]["multiline"] is True and inputs["s|scope"]["element"]["max_length"] == 2000
    assert inputs["s|deal_value"]["label"]["text"] == "What's the full deal worth if Harbor Freight Lines buys it?"
    assert modal.view["title"]["text"] == "The pilot" and modal.view["submit"]["text"] == "Next"
    assert modal.view["notify_on_close"] is True
    # no Back on the first page: the question before it is asked in the DM
    assert not [b for b in modal.view["blocks"] if b["type"] == "actions"]


def test_errors_come_back_beside_each_wrong_field_in_the_reask_words_and_nothing_is_stored(app, dm):
    modal = to_terms(dm)
    modal.fill_answers(app.services.playbooks["pilot-plan"], EXAMPLE)
    modal.fill("s|deal_value", "a lot")
    modal.fill("s|end_date", "2026-12-01")  # before the start
    reply = modal.submit(REP)
    body = reply.json()
    assert body["response_action"] == "errors"
    assert sorted(body["errors"]) == ["s|deal_value", "s|end_date"]
    step = app.services.playbooks["pilot-plan"].step("deal_value")
    with pytest.raises(answer_parsing.AnswerRejected) as rejected:
        answer_parsing.parse_answer(step, "a lot", today=date(2026, 12, 1))
    assert body["errors"]["s|deal_value"] == rejected.value.message  # the DM's re-ask says the same
    assert "start" in body["errors"]["s|end_date"].lower()
    # the page stays open with everything typed, and nothing of the page was stored
    assert modal.view is not None and modal.values["s|scope"]["v"]["value"] == EXAMPLE["scope"]
    run = active_run(app)
    assert not {"deal_value", "pilot_fee", "scope", "start_date", "end_date"} & set(run.answers)
    # corrected, the page is stored at once and the next page follows
    modal.fill("s|deal_value", "$120k")
    modal.fill("s|end_date", "2027-02-19")
    body = modal.submit(REP).json()
    assert body["response_action"] == "update" and page_of(modal) == "people"
    run = active_run(app)
    assert run.answers["deal_value"] == {"amount": 120000, "currency": "USD"}
    assert run.answers["end_date"] == "2027-02-19" and run.meta["screen"] == "form:people"


def test_back_and_next_keep_what_was_given(app, dm, slack_api):
    modal = to_terms(dm)
    playbook = app.services.playbooks["pilot-plan"]
    modal.fill_answers(playbook, EXAMPLE)
    modal.submit(REP)
    assert page_of(modal) == "people"
    assert [b["elements"][0]["text"]["text"] for b in modal.view["blocks"] if b["type"] == "actions"] == [
        "Add another", "Add another", "Back"]
    modal.fill("l|customer_team|0|name", "Maya Chen")
    modal.fill("l|customer_team|0|role", "VP Operations")
    modal.click(REP, "Back")  # views.update through the outbox, on the same view
    (update,) = slack_api.calls_to("views.update")
    assert update.params["view_id"] == modal.view["id"] and page_of(modal) == "pilot_terms"
    assert modal.initial("s|deal_value") == "120000 USD" and modal.initial("s|start_date") == "2026-12-07"
    # what was typed on the page left with Back is kept
    assert active_run(app).answers["customer_team"] == [{"name": "Maya Chen", "role": "VP Operations"}]
    body = modal.submit(REP).json()
    assert body["response_action"] == "update" and page_of(modal) == "people"
    assert modal.initial("l|customer_team|0|name") == "Maya Chen"


def test_add_another_grows_a_list_and_keeps_the_unsaved_items(app, dm, slack_api):
    modal = to_terms(dm)
    modal.fill_answers(app.services.playbooks["pilot-plan"], EXAMPLE)
    modal.submit(REP)
    modal.fill("l|our_team|0|name", "Jordan Blake")
    modal.click(REP, "Add another")  # the first one: the customer's team
    assert [b for b in modal.inputs() if b.startswith("l|customer_team|")] == [
        "l|customer_team|0|name", "l|customer_team|0|role", "l|customer_team|1|name", "l|customer_team|1|role"]
    assert modal.labels()[:2] == ["Name (1)", "Role (1)"]
    assert modal.initial("l|our_team|0|name") == "Jordan Blake"  # typed, not yet saved, still there
    assert json.loads(modal.view["private_metadata"])["n"] == {"customer_team": 2, "our_team": 1}
    modal.fill("l|customer_team|0|name", "Maya Chen")
    modal.fill("l|customer_team|0|role", "VP Operations")
    modal.fill("l|customer_team|1|name", "Tom Okafor")  # no role: a required field of the item
    modal.fill("l|our_team|0|role", "Account executive")
    body = modal.submit(REP).json()
    assert body == {"response_action": "errors", "errors": {"l|customer_team|1|role": "Please fill this in."}}
    modal.fill("l|customer_team|1|role", "Analyst")
    assert modal.submit(REP).json()["response_action"] == "update"
    assert active_run(app).answers["customer_team"] == [{"name": "Maya Chen", "role": "VP Operations"},
                                                         {"name": "Tom Okafor", "role": "Analyst"}]


def test_a_list_stops_offering_more_items_at_its_maximum_within_the_block_limit(app, dm, slack_api):
    modal = to_terms(dm)
    playbook = app.services.playbooks["pilot-plan"]
    modal.fill_answers(playbook, EXAMPLE)
    modal.submit(REP)
    modal.fill_answers(playbook, EXAMPLE)
    modal.submit(REP)
    assert page_of(modal) == "criteria"
    for _ in range(7):
        modal.click(REP, "Add another")
    assert not [b for b in modal.view["blocks"] if b["type"] == "actions" and b["block_id"].startswith("add|")]
    # 8 criteria of 5 fields each, and the page's two other steps (the deadline, bought before)
    assert len(modal.inputs()) == 8 * 5 + 2 and len(modal.view["blocks"]) <= 100
    assert view_violations(modal.view, "modal") == []


def test_closing_halfway_loses_nothing_and_resume_opens_that_page(app, dm, slack_api):
    modal = to_terms(dm)
    modal.fill_answers(app.services.playbooks["pilot-plan"], EXAMPLE)
    modal.submit(REP)
    modal.fill("l|customer_team|0|name", "Maya Chen")
    modal.fill("l|customer_team|0|role", "VP Operations")
    modal.fill("s|decision_maker", "Maya Chen")
    assert modal.close(REP).status_code == 200  # view_closed
    run = active_run(app)
    assert run.answers["customer_team"] == [{"name": "Maya Chen", "role": "VP Operations"}]
    assert run.answers["decision_maker"] == "Maya Chen" and "our_team" not in run.answers
    screen = dm.screen(REP)
    assert screen.step_id == "form:people"
    assert [e["text"]["text"] for _, e in screen.buttons()] == ["Resume the form"]
    modal.open(REP, "Resume the form")
    assert page_of(modal) == "people" and modal.initial("l|customer_team|0|name") == "Maya Chen"
    assert modal.initial("s|decision_maker") == "Maya Chen"


def test_a_stale_trigger_falls_back_to_the_dm_button(app, dm, slack_api):
    dm.command(REP, "/pilot-plan")
    dm.type(REP, EXAMPLE["account"])
    dm.type(REP, EXAMPLE["deal"])
    slack_api.fail_next("views.open", error="expired_trigger_id")
    before = dm.screen(REP)
    dm.click(REP, "Open the form")
    (refused,) = slack_api.calls_to("views.open")
    assert refused.response == {"ok": False, "error": "expired_trigger_id"}
    after = dm.screen(REP)
    assert after.ts != before.ts and after.step_id == "form:pilot_terms"
    assert "didn't let me open the form in time" in json.dumps(slack_api.messages[(before.channel, before.ts)])
    modal = ModalDriver(dm)
    modal.open(REP)  # the fresh button works
    assert page_of(modal) == "pilot_terms"


def test_typing_in_the_dm_at_a_form_stores_nothing(app, dm):
    dm.command(REP, "/pilot-plan")
    dm.type(REP, EXAMPLE["account"])
    dm.type(REP, EXAMPLE["deal"])
    dm.type(REP, "$120k")
    assert "This part is a form" in dm.dm_texts(REP)[-1]
    assert "deal_value" not in active_run(app).answers


def test_a_page_of_a_foreign_or_finished_run_changes_nothing(app, dm):
    modal = to_terms(dm)
    modal.fill_answers(app.services.playbooks["pilot-plan"], EXAMPLE)
    reply = dm.sender.view_submission("U0REP2", "rb_form", modal.state(), private_metadata=modal.view["private_metadata"])
    assert reply.json() == {"response_action": "clear"}
    reply = dm.sender.view_submission(REP, "rb_form", modal.state(), private_metadata="not ours")
    assert reply.json() == {"response_action": "clear"}
    assert "deal_value" not in active_run(app).answers


def test_the_terminal_still_asks_the_form_steps_one_by_one(tmp_path):
    from click.testing import CliRunner

    from bot.cli.main import main

    result = CliRunner().invoke(main, ["try", "pilot-plan", "--answers", "examples/answers/pilot-plan.yml"],
                                env={"REBOUND_DB": str(tmp_path / "r.db")})
    assert result.exit_code == 0, result.output
    assert "Saved as run" in result.output and "Pilot plan: Harbor Freight Lines" in result.output
    from bot.store import open_store

    store = open_store(tmp_path / "r.db")
    (run,) = run_store.list_runs(store)
    assert run.status == "submitted" and len(run.answers["criteria"]) == 3
    assert run.answers["deal_value"] == {"amount": 120000, "currency": "USD"}
    store.close()


HEADER = PLAYBOOK_HEADER + """\
  - id: a
    ask: A?
    type: text
  - id: b
    ask: B?
    type: yes_no
  - id: c
    ask: C?
    type: text
    when: b
  - id: d
    ask: D?
    type: list
    validation: {min_items: 30}
    fields: [{id: x, label: X}, {id: y, label: Y}, {id: z, label: Z}, {id: w, label: W}]
  - id: total
    compute: "1"
"""


def form_problems(tmp_path, forms: str) -> list[str]:
    (tmp_path / "sample.yml").write_text(HEADER + textwrap.dedent(forms))
    _, problems = collect_playbooks(tmp_path)
    return [f"{p.line}: {p.message}" for p in problems]


def test_check_reports_forms_with_file_and_line(tmp_path):
    problems = form_problems(tmp_path, """\
        forms:
          - id: first
            title: First
            steps: [a, missing, total]
          - id: third
            title: Third
            steps: [b, c]
          - id: second
            title: Second
            steps: [a]
        """)
    assert problems == [
        "30: form 'first' names 'missing', which is not a step in this playbook",
        "30: form 'first' names 'total', which is a computed step, not a question",
        "33: step 'c' depends on b on the same form page; put it on a later form or in the DM",
        "36: step 'a' is already in form 'first'; a step belongs to one form",
    ]


def test_check_reports_a_modal_title_over_slacks_limit(tmp_path):
    problems = form_problems(tmp_path, """\
        forms:
          - id: big
            title: A title far too long for Slack
            steps: [a]
        """)
    assert problems == ["29: String should have at most 24 characters"]


def test_check_reports_a_form_over_the_block_limit_and_non_consecutive_steps(tmp_path):
    problems = form_problems(tmp_path, """\
        forms:
          - id: big
            title: Big
            steps: [d]
          - id: gap
            title: Gap
            steps: [a, c]
        """)
    assert problems == [
        "30: form 'big' needs 124 blocks; a Slack modal holds 100: split it into two forms",
        "33: form 'gap' must list consecutive questions in playbook order (the terminal and the DM ask them in that order)",
    ]
