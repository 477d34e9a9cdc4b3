"""Start-up checks every playbook and prompt, and skips only the rule checks of files that
passed them unchanged (bot.files.fingerprint): a restart is quicker, and a file changed since
is checked in full again. `rebound check` always checks everything."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.config import Settings
from bot.errors import ConfigFilesInvalid, PlaybookError
from bot.files import fingerprint as fingerprints
from bot.services import build_services
from bot.store.db import open_store
from tests.support.rebound_app import write_teams

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path) -> Settings:
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    write_teams(tmp_path)
    return Settings(db_path=tmp_path / "rebound.db", teams_path=tmp_path / "teams.yml",
                    playbooks_dir=tmp_path / "playbooks", prompts_dir=tmp_path / "prompts")


def checked_rows(settings: Settings) -> list[tuple[str, str]]:
    store = open_store(settings.db_path)
    try:
        return store.db.execute("SELECT fingerprint, checked_at FROM checked_files").fetchall()
    finally:
        store.close()


def start(settings: Settings) -> None:
    build_services(settings, teams_required=True).close()


def test_files_that_passed_are_remembered_and_a_restart_with_them_unchanged_does_not_check_again(settings):
    with freeze_time("2026-12-01 09:00:00"):
        start(settings)
    (first,) = checked_rows(settings)
    assert first[0] == fingerprints.fingerprint([settings.playbooks_dir, settings.prompts_dir])
    with freeze_time("2026-12-02 09:00:00"):
        start(settings)
    assert checked_rows(settings) == [first]  # not checked (and remembered) again


def test_a_template_broken_after_a_good_start_still_stops_the_next_start(settings):
    start(settings)
    template = settings.prompts_dir / "debrief" / "summary.md.j2"
    template.write_text(template.read_text() + "\n{% if deal %}never closed\n")
    with pytest.raises(ConfigFilesInvalid) as refused:
        start(settings)
    assert any(str(template) == p.file and "does not compile" in p.message for p in refused.value.problems)
    assert len(checked_rows(settings)) == 1  # the broken set is not remembered


def test_a_rule_broken_after_a_good_start_still_stops_the_next_start(settings):
    """A mistake only the rule checks find (a condition on a step that comes later), not the schema."""
    start(settings)
    playbook = settings.playbooks_dir / "debrief.yml"
    text = playbook.read_text()
    playbook.write_text(text.replace("    when:", "    when: lessons and", 1))
    with pytest.raises(PlaybookError) as refused:
        start(settings)
    assert any("which comes later" in p.message or "not a step" in p.message for p in refused.value.problems)


def test_the_fingerprint_follows_file_contents_and_rebounds_own_code(tmp_path, monkeypatch):
    folder = tmp_path / "prompts"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "a.txt.j2").write_text("Hello {{ name }}")
    code = tmp_path / "code"
    code.mkdir()
    (code / "module.py").write_text("X = 1\n")
    monkeypatch.setattr(fingerprints, "CODE_ROOT", code)
    same = fingerprints.fingerprint([folder])
    assert fingerprints.fingerprint([folder]) == same
    (folder / "nested" / "a.txt.j2").write_text("Hello {{ name }}!")
    edited = fingerprints.fingerprint([folder])
    assert edited != same
    (folder / "nested" / "b.txt.j2").write_text("")
    added = fingerprints.fingerprint([folder])
    assert added != edited
    stat = (code / "module.py").stat()
    os.utime(code / "module.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # an upgrade
    assert fingerprints.fingerprint([folder]) != added


def test_serving_does_not_import_numpy_and_the_chart_still_can():
    """sqlite-utils imports numpy as it loads when numpy is installed (it comes with the charts
    extra); bot.store.db hides it for that one import. Run in a fresh interpreter, where no
    other test has imported numpy yet."""
    import subprocess
    import sys

    code = ("import sys, bot.cli.main, bot.services, bot.app\n"
            "print('numpy' in sys.modules, 'pandas' in sys.modules)\n"
            "import importlib.util\n"
            "if importlib.util.find_spec('numpy'):\n"
            "    import numpy; print(numpy.zeros(2).tolist())\n"
            "else:\n"
            "    print([0.0, 0.0])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.split("\n")[:2] == ["False False", "[0.0, 0.0]"]
