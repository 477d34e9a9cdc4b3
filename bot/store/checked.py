"""Fingerprints of file sets that passed start-up's rule checks (see bot.files.fingerprint)."""

from __future__ import annotations

from bot import clock
from bot.store.db import Store

KEEP = 5  # a few recent versions: rolling back to one of them skips the checks too


def passed(store: Store, fingerprint: str) -> bool:
    return store.db.execute("SELECT 1 FROM checked_files WHERE fingerprint = ?", [fingerprint]).fetchone() is not None


def remember(store: Store, fingerprint: str) -> None:
    with store.transaction() as db:
        db.execute("INSERT OR REPLACE INTO checked_files (fingerprint, checked_at) VALUES (?, ?)",
                   [fingerprint, clock.now_iso()])
        db.execute("DELETE FROM checked_files WHERE fingerprint NOT IN"
                   " (SELECT fingerprint FROM checked_files ORDER BY checked_at DESC LIMIT ?)", [KEEP])
