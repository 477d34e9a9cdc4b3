"""The `rebound` command: try (scripted and interactive), check and export, end to end on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import main
from bot.config import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "examples" / "answers"
PLAYBOOKS = ["debrief", "graceful-no", "pilot-plan", "recover"]


@pytest.fixture
def env(tmp_path):
    return {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(tmp_path / "absent-teams.yml")}


def invoke(env, *args, input=None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def export_json(env, *args):
    result = invoke(env, "export", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_try_with_answers_file_stores_the_run_and_export_returns_it(env, playbook):
    result = invoke(env, "try", playbook, "--user", "U0REP1", "--answers", str(EXAMPLES / f"{playbook}.yml"))
    assert result.exit_code == 0, result.output
    assert "Saved as run r" in result.output
    [record] = export_json(env, "--playbook", playbook)
    assert set(record) >= {"id", "playbook", "user_id", "team", "status", "started_at", "submitted_at", "answers"}
    assert record["playbook"] == playbook and record["user_id"] == "U0REP1" and record["status"] == "submitted"
    given = yaml.safe_load((EXAMPLES / f"{playbook}.yml").read_text())
    assert set(record["answers"]) <= set(given) | {"add_detail"}
    assert next(iter(given)) in record["answers"]


def test_debrief_export_has_typed_values(env):
    invoke(env, "try", "debrief", "--user", "U0REP1", "--answers", str(EXAMPLES / "debrief.yml"))
    [record] = export_json(env)
    answers = record["answers"]
    assert answers["amount"] == {"amount": 120000, "currency": "USD"}
    assert answers["primary_reason"] == "competitor"
    assert answers["avoidable"] is True
    assert answers["close_date"] == "2026-11-17"
    assert answers["secondary_reasons"] == ["product_gap", "relationship"]


def test_export_csv_has_one_row_per_run_and_one_column_per_step(env):
    for user in ("U0REP1", "U0REP2"):
        invoke(env, "try", "debrief", "--user", user, "--answers", str(EXAMPLES / "debrief.yml"))
    result = invoke(env, "export", "--format", "csv", "--playbook", "debrief")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 2
    assert {"deal", "amount", "primary_reason", "avoidable"} <= set(rows[0])
    assert rows[0]["avoidable"] == "yes"
    assert json.loads(rows[0]["amount"]) == {"amount": 120000, "currency": "USD"}


def test_export_filters_since_and_user(env):
    invoke(env, "try", "recover", "--user", "U0REP1", "--answers", str(EXAMPLES / "recover.yml"))
    assert export_json(env, "--since", "2999-01-01") == []
    assert export_json(env, "--user", "U0OTHER") == []
    assert len(export_json(env, "--user", "U0REP1")) == 1


def test_export_refuses_a_bad_date(env):
    result = CliRunner().invoke(main, ["export", "--since", "last tuesday"], env=env)
    assert result.exit_code != 0
    assert "is not a date like 2026-11-01" in result.output


def test_answers_file_with_a_bad_answer_stops_with_a_clear_error(env, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("deal: Acme\namount: lots\n")
    result = invoke(env, "try", "debrief", "--user", "U0REP1", "--answers", str(bad))
    assert result.exit_code == 1
    assert "answer for 'amount' was not accepted" in result.output
    [record] = export_json(env)
    assert record["status"] == "active" and record["answers"] == {"deal": "Acme"}


def test_unknown_playbook_is_a_friendly_error(env):
    result = CliRunner().invoke(main, ["try", "debreif"], env=env)
    assert result.exit_code != 0
    assert "no playbook 'debreif'; choose one of: debrief, graceful-no, pilot-plan, recover" in result.output


def test_interactive_try_reasks_goes_back_skips_and_submits(env):
    lines = [
        "Acme renewal",     # deal
        "lots",             # amount: rejected, asked again
        "$120k",
        "back",             # back to the amount
        "$130k",
        "1",                # primary reason: first option (price)
        "They picked the cheaper option.",
        "no",               # avoidable
        "skip",             # add detail? (optional)
        "submit",
    ]
    result = invoke(env, "try", "debrief", "--user", "U0REP1", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "✗" in result.output  # the re-ask
    assert "Saved as run" in result.output
    [record] = export_json(env)
    assert record["answers"]["amount"] == {"amount": 130000, "currency": "USD"}
    assert record["answers"]["primary_reason"] == "price"
    assert record["status"] == "submitted"


def test_interactive_try_resumes_after_closing_the_input(env):
    first = invoke(env, "try", "debrief", "--user", "U0REP1", input="Acme renewal\n")
    assert "pick up where you left off" in first.output
    second = invoke(env, "try", "debrief", "--user", "U0REP1", input="y\n$50k\n")
    assert "in progress" in second.output
    [record] = export_json(env)
    assert record["answers"] == {"deal": "Acme renewal", "amount": {"amount": 50000, "currency": "USD"}}


def test_check_passes_on_the_shipped_files(env):
    env = {**env, "REBOUND_TEAMS": str(PROJECT_ROOT / "teams.example.yml")}
    result = invoke(env, "check")
    assert result.exit_code == 0, result.output
    assert "All good" in result.output


def test_check_lists_every_problem_with_file_and_line(env, tmp_path):
    playbooks = tmp_path / "playbooks"
    shutil.copytree(PROJECT_ROOT / "playbooks", playbooks)
    text = (playbooks / "recover.yml").read_text().replace("type: currency", "type: money", 1)
    (playbooks / "recover.yml").write_text(text)
    teams = tmp_path / "teams.yml"
    teams.write_text("teams:\n  - id: west\n    name: West\n    summary_channel: C0WEST\n    timezone: Mars/Olympus\n")
    result = CliRunner().invoke(main, ["check"], env={**env, "REBOUND_PLAYBOOKS": str(playbooks),
                                                      "REBOUND_TEAMS": str(teams)})
    assert result.exit_code == 1
    assert "recover.yml:" in result.output and "'money'" in result.output
    assert f"{teams}:5:" in result.output and "unknown time zone 'Mars/Olympus'" in result.output
    assert "2 problem(s) found" in result.output


def test_missing_setting_is_one_line_naming_it(env):
    result = CliRunner().invoke(main, ["export"], env={**env, "REBOUND_DB": ""})
    assert result.exit_code != 0
    assert "REBOUND_DB: is set but empty" in result.output


def test_every_subcommand_help_ends_with_an_example():
    for name, command in main.commands.items():
        help_text = (command.help or "").strip()
        assert "Example" in help_text, f"`rebound {name} --help` has no example"
