"""The graceful_no flow's extensions (filled in by its issue)."""

from __future__ import annotations


def register(services) -> None:
    """Nothing beyond the playbook yet."""
