"""Build hook: ship the top-level playbooks/, prompts/ and manifest.yml inside the package.

They stay at the top of the repository, where the README tells sales ops to edit them and
the tests read them. A built wheel (``pip install .``, ``pip wheel .``, ``python -m build``)
gets a copy under ``bot/bundled/``, which ``bot.config`` uses as the default when it exists,
so an installed Rebound runs without a checkout. An editable install (``pip install -e .``)
copies nothing and reads the checkout's folders directly, so edits show at once.
Everything else about the package is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Keep in step with bot/config.py (BUNDLED_DIR) and MANIFEST.in (the sdist carries them too).
BUNDLED = ("playbooks", "prompts", "manifest.yml")
SKIP = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*")


class BuildPyWithBundledData(build_py):
    """``build_py`` that also copies the data folders into ``<build>/bot/bundled/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "bot" / "bundled"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in BUNDLED:
            source = ROOT / name
            if not source.exists():
                raise FileNotFoundError(f"{source} is missing: a wheel without it cannot run")
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=SKIP)
            else:
                shutil.copy2(source, target / name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        target = Path(self.build_lib) / "bot" / "bundled"
        if target.is_dir():
            outputs += [str(path) for path in sorted(target.rglob("*")) if path.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithBundledData})
