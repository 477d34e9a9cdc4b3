"""`rebound check` refuses playbooks that would load and then break: option values the reports
don't know, and YAML syntax errors reported at the line to fix (through the real CLI)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.config import PROJECT_ROOT


@pytest.fixture
def playbooks(tmp_path):
    folder = tmp_path / "playbooks"
    shutil.copytree(PROJECT_ROOT / "playbooks", folder)
    return folder


def check(tmp_path, playbooks):
    env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_PLAYBOOKS": str(playbooks),
           "REBOUND_TEAMS": str(PROJECT_ROOT / "teams.example.yml")}
    return CliRunner().invoke(main, ["check"], env=env)


def line_of(path, text: str, start: int = 1) -> int:
    lines = path.read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if number >= start and text in line)


def test_a_loss_reason_the_reports_do_not_know_is_refused_at_its_line(tmp_path, playbooks):
    debrief = playbooks / "debrief.yml"
    debrief.write_text(debrief.read_text().replace("      - value: timing\n", "      - value: Timing Issue\n", 1))
    result = check(tmp_path, playbooks)
    assert result.exit_code == 1
    line = line_of(debrief, "value: Timing Issue")
    expected = (f"{debrief}:{line}: steps[2] (primary_reason).options[5].value: 'Timing Issue' is not a loss "
                "reason the reports know; use one of: price, competitor")
    assert expected in result.output
    assert "1 problem(s) found" in result.output


def test_secondary_reasons_and_graceful_no_categories_are_checked_too(tmp_path, playbooks):
    debrief = playbooks / "debrief.yml"
    secondary = line_of(debrief, "id: secondary_reasons")
    lines = debrief.read_text().splitlines(keepends=True)
    target = line_of(debrief, "- value: price", start=secondary)
    lines[target - 1] = lines[target - 1].replace("value: price", "value: pricing")
    debrief.write_text("".join(lines))
    graceful = playbooks / "graceful-no.yml"
    graceful.write_text(graceful.read_text().replace("      - value: budget\n", "      - value: no_money\n", 1))
    result = check(tmp_path, playbooks)
    assert result.exit_code == 1
    assert f"{debrief}:{target}: steps[" in result.output and "(secondary_reasons)" in result.output
    assert "'pricing' is not a loss reason" in result.output
    assert f"{graceful}:{line_of(graceful, 'value: no_money')}:" in result.output
    assert "'no_money' is not a graceful-no reason the reports know; use one of: timing, budget," in result.output
    assert "2 problem(s) found" in result.output


def test_the_shipped_option_values_are_all_known(tmp_path, playbooks):
    result = check(tmp_path, playbooks)
    assert result.exit_code == 0, result.output


def test_serve_refuses_an_unknown_loss_reason_at_start_up(tmp_path, playbooks):
    debrief = playbooks / "debrief.yml"
    debrief.write_text(debrief.read_text().replace("      - value: timing\n", "      - value: Timing Issue\n", 1))
    env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_PLAYBOOKS": str(playbooks),
           "REBOUND_TEAMS": str(PROJECT_ROOT / "teams.example.yml"), "SLACK_BOT_TOKEN": "xoxb-1",
           "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    result = CliRunner().invoke(main, ["serve", "--port", "3999"], env=env)
    assert result.exit_code == 1
    assert "'Timing Issue' is not a loss reason the reports know" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path, playbooks):
    debrief = playbooks / "debrief.yml"
    opened = line_of(debrief, 'ask: "How much was {{ deal }} worth?"')
    debrief.write_text(debrief.read_text().replace('ask: "How much was {{ deal }} worth?"',
                                                   'ask: "How much was {{ deal }} worth?', 1))
    result = check(tmp_path, playbooks)
    assert result.exit_code == 1
    assert f"{debrief}:{opened}: not valid YAML: the quote opened here only closes at line " in result.output


def test_an_unclosed_quote_at_the_end_is_reported_where_it_opens(tmp_path, playbooks):
    recover = playbooks / "recover.yml"
    recover.write_text(recover.read_text() + 'extra: "never closed\n')
    opened = len(recover.read_text().splitlines())
    result = check(tmp_path, playbooks)
    assert f"{recover}:{opened}: not valid YAML: the quote opened here is never closed" in result.output


def test_other_syntax_errors_keep_their_own_line(tmp_path, playbooks):
    recover = playbooks / "recover.yml"
    lines = recover.read_text().splitlines(keepends=True)
    lines[4] = "broken: a: b\n"
    recover.write_text("".join(lines))
    result = check(tmp_path, playbooks)
    assert f"{recover}:5: not valid YAML: mapping values are not allowed here" in result.output
