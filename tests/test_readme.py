"""The README is documentation people follow: keep its reference and its commands true."""

import re

from bot.config import PROJECT_ROOT
from bot.engine.reference import field_reference

README = (PROJECT_ROOT / "README.md").read_text()


def test_playbook_field_reference_matches_the_schema():
    block = re.search(r"<!-- playbook-reference:start -->\n(.*)<!-- playbook-reference:end -->", README, re.S)
    assert block, "README lost its playbook reference markers"
    assert block.group(1) == field_reference(), "regenerate the README reference from bot.engine.reference"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    commands = re.findall(r"```sh\n(.+?)\n```", README)
    assert commands[0].endswith("rebound try debrief")
    assert commands[1].endswith("python -m pytest")
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.replace(" -q ", " ")


def test_every_cli_command_is_in_the_readme():
    from bot.cli.main import main

    for name in main.commands:
        assert f"rebound {name}" in README, f"`rebound {name}` is not documented in the README"


def test_readme_layout_names_every_flow_folder_and_its_modules():
    from bot.flows import FLOWS

    for name in FLOWS:
        line = re.search(rf"^  flows/{name}/ +(.+)$", README, re.M)
        assert line, f"README's layout lacks bot/flows/{name}/"
        modules = sorted(p.name for p in (PROJECT_ROOT / "bot" / "flows" / name).glob("*.py"))
        assert sorted(re.findall(r"\w+\.py", line.group(1))) == modules
