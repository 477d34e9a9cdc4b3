"""The teams file: validated with file and line, roles looked up from it."""

import textwrap

from bot.config import PROJECT_ROOT
from bot.files.teams import check_teams_file

VALID = """\
teams:
  - id: west
    name: West Enterprise
    summary_channel: C0WEST
    managers: [U0MGR1]
    members: [U0REP1, U0REP2]
    timezone: America/Los_Angeles
routing:
  product_channel: C0PROD
  enablement_channel: C0ENAB
leadership:
  heads: [U0HEAD]
"""


def check(tmp_path, text):
    path = tmp_path / "teams.yml"
    path.write_text(textwrap.dedent(text))
    return check_teams_file(path)


def test_example_teams_file_is_valid():
    teams, problems = check_teams_file(PROJECT_ROOT / "teams.example.yml")
    assert problems == []
    assert teams.get("west").timezone == "America/Los_Angeles"


def test_roles_come_from_the_file(tmp_path):
    teams, problems = check(tmp_path, VALID)
    assert problems == []
    assert teams.team_of("U0REP1").id == "west"
    assert teams.team_of("U0MGR1").id == "west"
    assert teams.team_of("U0NOBODY") is None
    assert teams.can_see("U0MGR1", "U0REP1", "west")
    assert not teams.can_see("U0REP2", "U0REP1", "west")
    assert teams.can_see("U0HEAD", "U0REP1", "west")


def test_unknown_time_zone(tmp_path):
    _, problems = check(tmp_path, VALID.replace("America/Los_Angeles", "America/Springfield"))
    assert len(problems) == 1
    assert problems[0].line == 7
    assert "unknown time zone 'America/Springfield'" in problems[0].message


def test_member_in_two_teams(tmp_path):
    text = VALID.replace("routing:", """\
  - id: east
    name: East
    summary_channel: C0EAST
    members: [U0REP2]
routing:""")
    _, problems = check(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == 11
    assert "U0REP2 is a member of both 'west' and 'east'" in problems[0].message


def test_missing_channel(tmp_path):
    _, problems = check(tmp_path, VALID.replace("    summary_channel: C0WEST\n", ""))
    assert len(problems) == 1
    assert problems[0].line == 2
    assert problems[0].message == "`summary_channel` is required"


def test_channel_name_instead_of_id(tmp_path):
    _, problems = check(tmp_path, VALID.replace("C0WEST", "west-sales"))
    assert "is not a Slack channel id" in problems[0].message
    assert problems[0].line == 4


def test_bad_schedule(tmp_path):
    _, problems = check(tmp_path, VALID.replace("    timezone: America/Los_Angeles\n",
                                                "    timezone: America/Los_Angeles\n    summary_schedule: someday\n"))
    assert len(problems) == 1
    assert problems[0].line == 8
