"""A fingerprint of what start-up's rule checks read, so a restart with nothing changed can
skip them (as Python skips compiling a module whose .pyc matches).

The checks of playbooks and prompt templates (references between steps, expressions and
templates that compile) took a fifth of ``rebound serve``'s start-up. Their verdict depends
only on the files checked and on the code that checks them, so the fingerprint covers both:
every byte of every file under the playbooks and prompts folders, and the size and
modification time of every module of Rebound itself (an upgrade, or an edit, changes it).
``rebound check`` never uses it: it always checks everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import bot

CODE_ROOT = Path(bot.__file__).resolve().parent


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(folders: Iterable[Path]) -> str:
    """sha256 over the contents of every file in ``folders`` and the identity of Rebound's code."""
    digest = hashlib.sha256()
    for folder in folders:
        folder = Path(folder).resolve()
        digest.update(f"folder {folder}\n".encode())
        for path in _files(folder) if folder.is_dir() else []:
            digest.update(f"file {path.relative_to(folder)}\n".encode())
            digest.update(path.read_bytes())
    for path in sorted(CODE_ROOT.rglob("*.py")):
        stat = path.stat()
        digest.update(f"code {path.relative_to(CODE_ROOT)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
