"""A normal install works: a built wheel, installed outside the checkout, runs on its own data.

The wheel is built from a copy of the source (so the checkout stays clean and parallel runs
don't collide), installed without dependencies into a fresh virtual environment, and its
own ``rebound`` script runs from a folder that is not the checkout. The dependencies come
from the interpreter running the tests through a ``.pth`` line: a path listed there is
added to ``sys.path`` without processing that folder's own ``.pth`` files, so the editable
install of this checkout (a ``.pth`` finder) stays out of the fresh environment.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot.cli.main import main
from bot.config import PROJECT_ROOT

# What a wheel is built from (bench/ included on purpose: it must not end up installed).
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "manifest.yml",
           "bot", "playbooks", "prompts", "bench")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "bundled")


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.run(args, cwd=cwd, env={**base, **env}, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel --no-deps`` of a copy of the source, with the test environment's setuptools."""
    root = tmp_path_factory.mktemp("wheel")
    source, dist = root / "src", root / "dist"
    source.mkdir()
    for name in SOURCES:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=SKIP)
        else:
            shutil.copy2(origin, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-q", "-w", str(dist), str(source)], cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel_file,) = dist.glob("rebound-*.whl")
    return wheel_file


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; its dependencies are the test interpreter's."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    done = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                "-q", str(wheel)], cwd=env_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=env_dir)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site.stdout.strip()) / "rebound-test-deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return env_dir


def test_wheel_holds_the_package_and_its_data_but_not_bench(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}

    assert top_level == {"bot", f"rebound-{importlib.metadata.version('rebound')}.dist-info"}
    assert not any(name.startswith("bench") for name in names)
    for data in ("playbooks", "prompts"):
        shipped = {name.removeprefix(f"bot/bundled/{data}/") for name in names if name.startswith(f"bot/bundled/{data}/")}
        in_checkout = {str(path.relative_to(PROJECT_ROOT / data)) for path in (PROJECT_ROOT / data).rglob("*")
                       if path.is_file() and "__pycache__" not in path.parts}
        assert shipped == in_checkout and shipped, data
    assert "bot/bundled/manifest.yml" in names


def test_installed_rebound_checks_and_runs_from_outside_the_checkout(installed, tmp_path):
    rebound = str(installed / "bin" / "rebound")
    where = run([str(installed / "bin" / "python"), "-c", "import bot.config as c; print(c.DATA_ROOT)"], cwd=tmp_path)
    assert Path(where.stdout.strip()) == installed / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" \
        / "site-packages" / "bot" / "bundled", where.stderr

    checked = run([rebound, "check"], cwd=tmp_path, REBOUND_TEAMS=str(PROJECT_ROOT / "teams.example.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All good" in checked.stdout

    answers = PROJECT_ROOT / "examples" / "answers" / "debrief.yml"
    tried = run([rebound, "try", "debrief", "--user", "U0REP1", "--answers", str(answers)], cwd=tmp_path)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "Saved as run r" in tried.stdout
    assert (tmp_path / "rebound.db").is_file()


def test_installed_rebound_still_takes_the_data_folders_from_the_environment(installed, tmp_path):
    playbooks = tmp_path / "my-playbooks"
    playbooks.mkdir()
    (playbooks / "debrief.yml").write_text("id: debrief\ntitle: [unclosed\n")

    checked = run([str(installed / "bin" / "rebound"), "check"], cwd=tmp_path, REBOUND_PLAYBOOKS=str(playbooks))

    assert checked.returncode != 0
    assert "my-playbooks/debrief.yml:3: not valid YAML" in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stderr


def test_version_is_the_package_version(installed, tmp_path):
    expected = importlib.metadata.version("rebound")

    assert CliRunner().invoke(main, ["--version"]).output == f"rebound, version {expected}\n"
    from_module = run([sys.executable, "-m", "bot", "--version"], cwd=PROJECT_ROOT)
    assert from_module.stdout == f"rebound, version {expected}\n"
    shown = run([str(installed / "bin" / "rebound"), "--version"], cwd=tmp_path)
    assert (shown.returncode, shown.stdout) == (0, f"rebound, version {expected}\n")


# ------------------------------------------------------------------ declared versions


def pins(name: str) -> dict[str, Version]:
    lines = (PROJECT_ROOT / name).read_text().splitlines()
    found = {}
    for line in lines:
        requirement = line.split("#")[0].strip()
        if requirement:
            package, version = requirement.split("==")
            found[canonicalize_name(package)] = Version(version)
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_lower_bound_is_the_version_the_lowest_run_installs():
    lowest = pins("constraints-lowest.txt")
    bounds = {}
    for requirement in declared():
        (floor,) = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
        bounds[canonicalize_name(requirement.name)] = floor

    assert bounds == lowest


def test_constraints_pin_every_dependency_within_its_declared_range():
    pinned = pins("constraints.txt")

    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"constraints.txt does not pin {name}"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} is outside {requirement.specifier}"
