"""Small builders shared by tests (playbooks from dicts, a migrated store in tmp_path)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.engine.model import Playbook
from bot.store import open_store
from bot.store.db import Store


def playbook(steps: list[dict[str, Any]], **extra: Any) -> Playbook:
    data = {
        "id": "sample",
        "title": "Sample",
        "description": "A sample playbook for tests",
        "version": 1,
        "command": "/sample",
        "intro": "Hello",
        "steps": steps,
        "on_submit": {"summary": "sample/summary.md.j2"},
    }
    data.update(extra)
    return Playbook.model_validate(data)


def usd(amount: Any) -> dict[str, Any]:
    """An amount as a currency answer stores it."""
    return {"amount": amount, "currency": "USD"}


def race(db_path: Path, work: Callable[[Store, int], Any], n: int) -> list[Any]:
    """Run ``work(store, i)`` for i in 0..n-1 in threads released at the same moment, each on its
    own connection to the database at ``db_path``, as separate processes would be. Returns the
    results in finishing order; the first exception a thread raised is raised here."""
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        own = open_store(db_path)
        try:
            barrier.wait()
            result = work(own, index)
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
