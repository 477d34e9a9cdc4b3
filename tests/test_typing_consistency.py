"""The terminal and the Slack DM read typed input the same way: one list format (``Name | Role``
lines) checked item by item, Enter (or a button) accepting a shown suggestion, ``skip`` typed in
the DM, command words held rather than stored, a real yes/no on resume, questions (not step ids)
on the review, and a counter that counts core and optional questions apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.store import runs as run_store

REP = "U0REP1"
PROJECT_PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"

PILOT_START = ["Harbor Freight Lines", "Route planning for all 14 depots", "$120k", "$20k",
               "Two depots, 38 trucks.", "2026-12-07", "2027-02-19"]
GRACEFUL_START = ["Brightwater Health", "Dana", "The board froze all new software spend; no budget this year."]


@pytest.fixture
def env(tmp_path):
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "absent-teams.yml")}


def type_in(env, playbook, lines):
    result = CliRunner().invoke(main, ["try", playbook, "--user", REP], env=env, input="\n".join(lines) + "\n",
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def runs(env):
    result = CliRunner().invoke(main, ["export", "--format", "json"], env=env, catch_exceptions=False)
    return json.loads(result.output)


# -- the terminal -----------------------------------------------------------------------------

def test_terminal_list_is_one_item_per_line_and_a_bad_item_is_retyped_alone(env):
    output = type_in(env, "pilot-plan", PILOT_START + [
        "Maya Chen | VP Operations",
        "Tom Okafor",                    # Role missing: reported at once, item 1 kept
        "Tom Okafor | ",                 # a required part left empty
        "Tom Okafor | Operations analyst",
        "",                              # the empty line ends the list
    ])
    assert "(one item per line: Name | Role; an empty line ends the list)" in output
    assert output.count("✗ Item 2, Role: please fill this in. Separate the parts with |: Name | Role.") == 2
    assert "Item 1," not in output
    [run] = runs(env)
    assert run["answers"]["customer_team"] == [{"name": "Maya Chen", "role": "VP Operations"},
                                               {"name": "Tom Okafor", "role": "Operations analyst"}]


def test_terminal_empty_list_is_refused_without_losing_the_question(env):
    output = type_in(env, "pilot-plan", PILOT_START + ["", "Maya Chen | VP Operations", ""])
    assert "Please add at least 1 item (one item per line: Name | Role)." in output
    [run] = runs(env)
    assert run["answers"]["customer_team"] == [{"name": "Maya Chen", "role": "VP Operations"}]


def test_terminal_enter_accepts_the_suggestion_it_shows(env):
    output = type_in(env, "graceful-no", GRACEFUL_START + [""])
    assert "From their words it sounds like *budget*" in output
    assert "(one of the options, by name or number; Enter for Budget)" in output
    [run] = runs(env)
    assert run["answers"]["reason_category"] == "budget"


def test_terminal_command_word_in_an_answer_is_confirmed_not_stored(env):
    output = type_in(env, "debrief", ["edit 2", "n", "Acme renewal", "edit 3", "y"])
    assert output.count("'edit 2' looks like a command, not an answer. Store it as your answer? [y/N]") == 1
    [run] = runs(env)
    assert run["answers"] == {"deal": "Acme renewal"}  # "edit 3" was confirmed for the amount, which refused it
    assert "I couldn't read that as an amount" in output


def test_terminal_cancel_asks_first_and_says_so(env):
    output = type_in(env, "debrief", ["Acme renewal", "cancel", "n", "$50k", "cancel", "y"])
    assert "Not cancelled; carry on." in output
    assert "Cancelled. Your answers are kept, but this run won't be submitted." in output
    [run] = runs(env)
    assert run["status"] == "cancelled" and run["answers"]["amount"] == {"amount": 50000, "currency": "USD"}


def test_terminal_resume_is_a_real_yes_or_no(env):
    type_in(env, "debrief", ["Acme renewal"])
    output = type_in(env, "debrief", ["$50k", "y", "1"])
    assert output.count("Please answer y or n.") == 1  # "$50k" was not swallowed as a yes
    [run] = runs(env)
    assert run["status"] == "active"
    assert run["answers"] == {"deal": "Acme renewal", "amount": {"amount": 1, "currency": "USD"}}


def test_terminal_resume_no_starts_over_and_says_the_old_run_is_cancelled(env):
    type_in(env, "debrief", ["Acme renewal", "$50k"])
    output = type_in(env, "debrief", ["n", "Globex"])
    assert "Starting over: the earlier closed-lost debrief is cancelled (2 answers kept, never submitted)." in output
    statuses = sorted((run["status"], run["answers"].get("deal")) for run in runs(env))
    assert statuses == [("active", "Globex"), ("cancelled", "Acme renewal")]


def test_terminal_counter_counts_core_then_optional_and_review_shows_questions(env):
    output = type_in(env, "debrief", ["Acme renewal", "$130k", "1", "They picked the cheaper option.", "no",
                                      "yes", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "skip",
                                      "skip", "skip", "skip", "skip", "review"])
    counters = re.findall(r"^\[([^\]]+)\]", output, re.M)
    assert counters[:5] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    assert counters[5] == "optional 1/1"  # "add detail?" before the detail questions open
    assert counters[6] == "optional 2/13"  # then the count stays put
    assert counters[6:] == [f"optional {n}/13" for n in range(2, len(counters) - 4)]
    assert "Which deal was it? The deal name or the account is enough.\n      Acme renewal" in output
    assert "add_detail" not in output and "primary_reason:" not in output


def test_terminal_optional_question_says_skip(env):
    output = type_in(env, "debrief", ["Acme renewal", "$130k", "1", "They picked the cheaper option.", "no"])
    assert "(yes or no; 'skip' to leave it out)" in output


# -- the Slack DM -----------------------------------------------------------------------------

def _core(dm):
    dm.command(REP, "/debrief")
    for text in ("Acme renewal", "$130k", "Price", "They picked the cheaper option.", "no"):
        dm.type(REP, text)


def test_dm_typed_skip_skips_an_optional_question_and_is_refused_on_a_needed_one(app, dm):
    dm.command(REP, "/debrief")
    dm.type(REP, "skip")
    assert dm.screen(REP).step_id == "deal"
    assert "This one is needed, so it can't be skipped." in dm.dm_texts(REP)[-1]
    for text in ("Acme renewal", "$130k", "Price", "They picked the cheaper option.", "no"):
        dm.type(REP, text)
    assert dm.screen(REP).step_id == "add_detail"
    assert "*Optional 1/1*" in dm.screen(REP).text()
    dm.type(REP, "skip")
    assert dm.screen(REP).step_id == "review"
    run = run_store.list_runs(app.services.store, user_id=REP)[0]
    assert run.skipped == ["add_detail"] and "add_detail" not in run.answers


def test_dm_counter_counts_the_core_questions(app, dm):
    dm.command(REP, "/debrief")
    assert "*1/5* Which deal was it?" in dm.screen(REP).text()
    dm.type(REP, "Acme renewal")
    assert "*2/5* How much was Acme renewal worth?" in dm.screen(REP).text()


def test_dm_command_word_is_held_and_stored_only_when_sent_again(app, dm):
    dm.command(REP, "/debrief")
    dm.type(REP, "edit 2")
    assert dm.screen(REP).step_id == "deal"
    assert "“edit 2” looks like a command, not an answer, so I didn't store it" in dm.dm_texts(REP)[-1]
    dm.type(REP, "edit 2")
    assert dm.screen(REP).step_id == "amount"
    run = run_store.list_runs(app.services.store, user_id=REP)[0]
    assert run.answers == {"deal": "edit 2"}


def test_dm_typed_help_explains_and_stores_nothing(app, dm):
    dm.command(REP, "/debrief")
    dm.type(REP, "help")
    assert "/debrief — Reflect on a lost deal in 90 seconds" in dm.dm_texts(REP)[-1]
    assert dm.screen(REP).step_id == "deal"
    assert run_store.list_runs(app.services.store, user_id=REP)[0].answers == {}


def test_dm_typed_cancel_cancels_nothing_and_says_how(app, dm):
    dm.command(REP, "/debrief")
    dm.type(REP, "cancel")
    assert "“cancel” is a command word here, so I didn't store it" in dm.dm_texts(REP)[-1]
    assert "*Cancel*" in dm.dm_texts(REP)[-1]
    run = run_store.list_runs(app.services.store, user_id=REP)[0]
    assert run.status == "active" and run.answers == {}


def test_dm_suggestion_is_a_button(app, dm):
    dm.command(REP, "/graceful-no")
    for text in GRACEFUL_START:
        dm.type(REP, text)
    assert dm.screen(REP).step_id == "reason_category"
    dm.click(REP, "Use Budget")
    run = run_store.list_runs(app.services.store, user_id=REP)[0]
    assert run.answers["reason_category"] == "budget"


@pytest.fixture
def formless_dm(tmp_path, slack_api):
    """The DM with the playbooks' `forms:` taken out: the pilot plan's lists are then DM questions
    (a playbook without forms, or Slack's path before a form existed), typed as in the terminal."""
    import shutil

    import yaml

    from tests.support.dm_driver import DmDriver
    from tests.support.rebound_app import start_app

    folder = tmp_path / "playbooks"
    shutil.copytree(PROJECT_PLAYBOOKS, folder)
    for path in folder.glob("*.yml"):
        data = yaml.safe_load(path.read_text())
        data.pop("forms", None)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    running = start_app(tmp_path, slack_api, env={"REBOUND_PLAYBOOKS": str(folder)})
    yield DmDriver(running, slack_api)
    running.stop()


def test_dm_list_takes_the_same_lines_as_the_terminal(formless_dm):
    dm = formless_dm
    dm.command(REP, "/pilot-plan")
    for text in PILOT_START:
        dm.type(REP, text)
    dm.type(REP, "Maya Chen | VP Operations\nTom Okafor")
    assert "Item 2, Role: please fill this in. Separate the parts with |: Name | Role." in dm.dm_texts(REP)[-1]
    dm.type(REP, "Maya Chen | VP Operations\nTom Okafor | Operations analyst")
    run = run_store.list_runs(dm.app.services.store, user_id=REP)[0]
    assert run.answers["customer_team"] == [{"name": "Maya Chen", "role": "VP Operations"},
                                            {"name": "Tom Okafor", "role": "Operations analyst"}]
