"""manifest.yml is a valid Slack manifest (Slack's own JSON Schema) and the right one for
Rebound (check_manifest), and check_manifest points at each kind of mistake by line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.engine.model import Playbook
from bot.files.manifest import check_manifest
from bot.slack.scopes import BOT_EVENTS_USED, METHOD_SCOPES, OutboxCall, bot_scopes_used, outbox_calls, scopes_for

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "manifest.yml"
# Slack's official schema (MIT): the copy in shared/ beside the checkout when there is one,
# else the verbatim copy kept in tests/data so a lone clone still checks the manifest.
SHARED_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "slack" / "manifest-schema"
SCHEMA_DIR = SHARED_SCHEMA_DIR if SHARED_SCHEMA_DIR.is_dir() else Path(__file__).parent / "data" / "manifest-schema"
COMMANDS = ("/debrief", "/graceful-no", "/pilot-plan", "/recover")


def playbook(command: str) -> Playbook:
    name = command.strip("/").replace("-", "_")
    return Playbook.model_validate({
        "id": name,
        "title": name.title(),
        "description": f"The {name} conversation",
        "version": 1,
        "command": command,
        "intro": "Hello",
        "steps": [{"id": "first", "ask": "What happened?", "type": "text"}],
        "on_submit": {"summary": "x.j2"},
    })


ALL_PLAYBOOKS = [playbook(command) for command in COMMANDS]

# A manifest with every part check_manifest reads, each on a known line.
GOOD = """\
display_information:
  name: Rebound
features:
  app_home:
    home_tab_enabled: true
    messages_tab_enabled: true
    messages_tab_read_only_enabled: false
  slash_commands:
    - command: /debrief
      description: Debrief a lost deal
      url: https://example.com/slack/events
oauth_config:
  scopes:
    bot: [commands, chat:write, im:history, files:write, files:read, users:read, users:read.email]
settings:
  event_subscriptions:
    request_url: https://example.com/slack/events
    bot_events: [app_home_opened, message.im]
  interactivity:
    is_enabled: true
    request_url: https://example.com/slack/events
  socket_mode_enabled: false
"""


def check(tmp_path: Path, text: str, commands=("/debrief",)):
    path = tmp_path / "manifest.yml"
    path.write_text(text)
    return path, check_manifest(path, [playbook(command) for command in commands])


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


# ------------------------------------------------------------------ the real manifest


def load_schema() -> dict:
    schema_file = SCHEMA_DIR / "manifest.schema.1.0.0.json"
    if not schema_file.is_file():
        pytest.fail(
            f"Slack's manifest JSON Schema is not at {schema_file}. It is kept in shared/slack/manifest-schema "
            "beside the repository (see SOURCE.md there); clone or copy shared/ next to this checkout."
        )
    return json.loads(schema_file.read_text(encoding="utf-8"))


def test_manifest_matches_slack_official_schema():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))

    errors = sorted(Draft7Validator(load_schema()).iter_errors(manifest), key=lambda e: list(e.absolute_path))

    assert [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors] == []
    # The schema's colour rule uses a keyword Draft 7 ignores ("regex"), so check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", manifest["display_information"]["background_color"])


def test_manifest_fits_rebound_playbooks_scopes_and_events():
    assert check_manifest(MANIFEST, ALL_PLAYBOOKS) == []


def test_manifest_asks_only_for_scopes_the_code_uses():
    calls = outbox_calls()
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))

    # The scan sees the calls every flow makes (a broken scan would find none and pass).
    assert {"chat.postMessage", "chat.update", "views.publish", "files.upload_v2"} <= {c.method for c in calls}
    # ... plus the calls made during a request rather than through the outbox (views.open, files.info).
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == list(bot_scopes_used())
    assert set(scopes_for(calls)) < set(bot_scopes_used())
    assert sorted(manifest["settings"]["event_subscriptions"]["bot_events"]) == sorted(BOT_EVENTS_USED)


def test_readme_lists_the_manifest_scopes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"the minimum scopes: (.*?)\. `bot/slack/scopes.py`", readme, re.S)
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))

    assert listed, "README lost its sentence listing the scopes"
    assert sorted(re.findall(r"`([a-z.:]+:[a-z.]+|commands)`", listed.group(1))) == sorted(manifest["oauth_config"]["scopes"]["bot"])


# ------------------------------------------------------------------ scopes read from the code


def write_module(root: Path, name: str, body: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


def test_outbox_calls_found_by_position_keyword_and_bare_name(tmp_path):
    first = write_module(tmp_path, "flows/a.py", (
        "from bot.store import outbox\n"
        "from bot.store.outbox import enqueue\n"
        "def post(store):\n"
        "    outbox.enqueue(store, 'k', 'chat.postMessage', {})\n"
        "    enqueue(store, 'k2', method='files.upload_v2', payload={})\n"
    ))
    second = write_module(tmp_path, "b.py", "def f(store, outbox):\n    outbox.enqueue(store, 'k', 'views.publish', {})\n")
    write_module(tmp_path, "c.py", "queue.enqueue(1, 2, 'chat.delete')  # not the outbox\n")

    assert outbox_calls(tmp_path) == [
        OutboxCall(second, 2, "views.publish"),
        OutboxCall(first, 4, "chat.postMessage"),
        OutboxCall(first, 5, "files.upload_v2"),
    ]
    assert scopes_for(outbox_calls(tmp_path)) == ("chat:write", "commands", "files:write", "im:history")


def test_scopes_only_for_methods_called(tmp_path):
    write_module(tmp_path, "a.py", "outbox.enqueue(s, 'k', 'views.publish', {})\n")

    assert scopes_for(outbox_calls(tmp_path)) == ("commands", "im:history")


def test_a_method_that_is_not_a_literal_or_has_no_row_is_refused(tmp_path):
    path = write_module(tmp_path, "a.py", "def f(store, method):\n    outbox.enqueue(store, 'k', method, {})\n")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}:2: pass the Web API method to enqueue as a string literal"):
        scopes_for(outbox_calls(tmp_path))

    path.write_text("outbox.enqueue(store, 'k', 'reactions.add', {})\n")
    with pytest.raises(ValueError, match=r":1: reactions.add has no row in METHOD_SCOPES"):
        scopes_for(outbox_calls(tmp_path))


def test_looking_up_a_user_by_email_needs_both_user_scopes(tmp_path):
    write_module(tmp_path, "a.py", "outbox.enqueue(s, 'k', 'users.lookupByEmail', {'email': 'a@b.c'})\n")

    assert METHOD_SCOPES["users.lookupByEmail"] == ("users:read.email", "users:read")
    assert scopes_for(outbox_calls(tmp_path)) == ("commands", "im:history", "users:read", "users:read.email")


def test_manifest_slash_commands_as_documented():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}

    assert tuple(commands) == COMMANDS
    assert commands["/recover"]["usage_hint"] == "[amount] | weights | import | plan | help"
    assert {c["url"] for c in commands.values()} == {"https://rebound.example.com/slack/events"}
    assert not any(c["should_escape"] for c in commands.values())


# ------------------------------------------------------------------ check_manifest rules


def test_good_manifest_has_no_problems(tmp_path):
    assert check(tmp_path, GOOD)[1] == []


def test_playbook_command_missing_from_manifest(tmp_path):
    path, problems = check(tmp_path, GOOD, commands=("/debrief", "/recover"))

    (problem,) = problems
    assert (problem.file, problem.line, problem.where) == (str(path), line_of(GOOD, "slash_commands:"), "features.slash_commands")
    assert "playbook `recover`" in problem.message and "/recover" in problem.message


def test_manifest_command_without_playbook(tmp_path):
    text = GOOD.replace(
        "oauth_config:",
        "    - command: /forecast\n      description: Not a playbook\n      url: https://example.com/slack/events\noauth_config:",
    )
    path, problems = check(tmp_path, text)

    (problem,) = problems
    assert (problem.file, problem.line) == (str(path), line_of(text, "/forecast"))
    assert problem.where == "features.slash_commands[1]"
    assert "/forecast has no playbook" in problem.message


def test_missing_scope(tmp_path):
    text = GOOD.replace(" files:write,", "")
    path, problems = check(tmp_path, text)

    (problem,) = problems
    assert (problem.file, problem.line, problem.where) == (str(path), line_of(text, "bot: ["), "oauth_config.scopes.bot")
    assert "`files:write` is missing" in problem.message


@pytest.mark.parametrize(("old", "new", "line", "where", "message"), [
    pytest.param("[app_home_opened, message.im]", "[message.im]", "bot_events:",
                 "settings.event_subscriptions.bot_events", "`app_home_opened` is missing", id="missing_event"),
    pytest.param("is_enabled: true", "is_enabled: false", "is_enabled:",
                 "settings.interactivity.is_enabled", "interactivity is off", id="interactivity_disabled"),
    pytest.param("home_tab_enabled: true", "home_tab_enabled: false", "home_tab_enabled:",
                 "features.app_home.home_tab_enabled", "App Home tab is off", id="home_tab_off"),
    pytest.param("messages_tab_read_only_enabled: false", "messages_tab_read_only_enabled: true",
                 "messages_tab_read_only_enabled:", "features.app_home.messages_tab_read_only_enabled",
                 "people answer in the Messages tab", id="messages_tab_read_only"),
])
def test_a_setting_rebound_needs_is_reported_at_its_line(tmp_path, old, new, line, where, message):
    text = GOOD.replace(old, new)
    _, problems = check(tmp_path, text)

    (problem,) = problems
    assert (problem.line, problem.where) == (line_of(text, line), where)
    assert message in problem.message


def test_http_mode_needs_request_urls(tmp_path):
    text = GOOD.replace("      url: https://example.com/slack/events\n", "").replace(
        "    request_url: https://example.com/slack/events\n    bot_events", "    bot_events"
    )
    _, problems = check(tmp_path, text)

    assert [(p.where, p.line) for p in problems] == [
        ("features.slash_commands[0]", line_of(text, "- command: /debrief")),
        ("settings.event_subscriptions", line_of(text, "event_subscriptions:")),
    ]
    assert check(tmp_path, text.replace("socket_mode_enabled: false", "socket_mode_enabled: true"))[1] == []


def test_several_mistakes_reported_together(tmp_path):
    text = GOOD.replace("is_enabled: true", "is_enabled: false").replace("home_tab_enabled: true", "home_tab_enabled: false")
    _, problems = check(tmp_path, text, commands=("/debrief", "/pilot-plan"))

    assert len(problems) == 3


def test_shape_errors_and_unreadable_files_have_lines(tmp_path):
    path, problems = check(tmp_path, GOOD.replace("  name: Rebound\n", "  nam: Rebound\n"))
    assert [(p.line, p.where, p.message) for p in problems] == [(1, "display_information.name", "`name` is required")]

    _, problems = check(tmp_path, GOOD.replace("  socket_mode_enabled: false", "  socket_mode_enabled: [nope"))
    assert problems[0].message.startswith("not valid YAML") and problems[0].line is not None

    missing = check_manifest(tmp_path / "absent.yml", ALL_PLAYBOOKS)
    assert missing[0].file == str(tmp_path / "absent.yml") and "cannot read" in missing[0].message

