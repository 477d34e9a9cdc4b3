"""Opening the database, per-thread connections, transactions and migrations.

Writes inside :meth:`Store.transaction` use ``db.execute`` with explicit SQL. sqlite-utils'
write helpers (``table.insert`` ...) wrap themselves in ``with conn:``, which would commit
the surrounding transaction early, so they are only used for schema work and reads.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def _import_sqlite_utils():
    """sqlite-utils, imported without numpy and pandas.

    When they are installed (numpy comes with matplotlib, the charts extra), sqlite-utils
    imports both as it loads, only to map their number types to column types. Rebound never
    stores a numpy or pandas value, and numpy alone was a tenth of ``rebound serve``'s start-up.
    Each is hidden for that one import (``None`` in ``sys.modules`` reads as "not installed")
    and restored after it, so the chart still imports numpy when it draws; one already
    imported is left alone."""
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils


sqlite_utils = _import_sqlite_utils()

from bot import clock
from bot.errors import DatabaseUnusable

BUSY_TIMEOUT_MS = 10_000

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]  # (name kept in schema_migrations, apply)


class Store:
    """A SQLite file shared by the HTTP server's threads, the scheduler and the CLI.

    Each thread gets its own connection (sqlite3 connections are not thread-safe); WAL mode
    lets readers run beside the one writer, and the busy timeout makes writers queue rather
    than fail with "database is locked".
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # This process's writers queue here, where a release wakes the next at once, rather than
        # in SQLite's busy handler, which sleeps 1, 2, 5, 10 ... ms between tries (an ack's
        # INSERT waiting behind a worker's transaction would pay those sleeps).
        self._write_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        with self._lock:
            self._all.append(conn)
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils view of the database."""
        database = getattr(self._local, "db", None)
        if database is None:
            database = sqlite_utils.Database(self._connect())
            self._local.db = database
            self._local.depth = 0
        return database

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit of work. ``BEGIN IMMEDIATE`` takes the write lock up front, so two
        writers never deadlock upgrading a read lock. Nested calls join the outer transaction."""
        database = self.db
        if self._local.depth:
            self._local.depth += 1
            try:
                yield database
            finally:
                self._local.depth -= 1
            return
        with self._write_lock:
            database.execute("BEGIN IMMEDIATE")
            self._local.depth = 1
            try:
                yield database
            except BaseException:
                database.execute("ROLLBACK")
                raise
            else:
                database.execute("COMMIT")
            finally:
                self._local.depth = 0

    def write_alone(self, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
        """One statement as a transaction of its own (SQLite commits it as the statement ends).

        For the ack's INSERT into the inbox: the in-process write lock is held for one call into
        SQLite (which runs without the interpreter lock) rather than across BEGIN, INSERT and
        COMMIT, each a return to the interpreter lock that waits behind busy threads while the
        other acks queue on the write lock. Inside an open transaction it simply joins it."""
        database = self.db
        if self._local.depth:
            return database.execute(sql, list(params))
        with self._write_lock:
            return database.conn.execute(sql, list(params))

    def ping(self) -> bool:
        """True when the database answers a trivial query (for /healthz)."""
        try:
            self.db.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def migrate(self, migrations: Sequence[Migration] | None = None) -> list[str]:
        """Apply every migration not applied yet; return the names applied now. ``migrations``
        defaults to the main database's (the inbox file has its own, :mod:`bot.store.inbox`)."""
        if migrations is None:
            from bot.store.migrations import MIGRATIONS as migrations

        applied_now: list[str] = []
        with self.transaction() as database:
            database.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in database.execute("SELECT name FROM schema_migrations")}
            for name, apply in migrations:
                if name in done:
                    continue
                apply(database)
                database.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", [name, clock.now_iso()]
                )
                applied_now.append(name)
        return applied_now

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()


def open_store(path: str | Path, migrations: Sequence[Migration] | None = None) -> Store:
    """Open (creating the file if needed) and migrate the database at ``path``.

    Its folder must exist (``bot.config.check_db_path`` decides whether to create it). A
    file SQLite cannot use raises :class:`DatabaseUnusable` rather than a traceback.
    """
    if not Path(path).parent.is_dir():
        raise DatabaseUnusable(str(path), "its folder does not exist", "create the folder or fix the path")
    store = Store(path)
    try:
        store.migrate(migrations)
    except sqlite3.DatabaseError as exc:
        store.close()
        raise DatabaseUnusable(str(path), *_explain(exc)) from None
    return store


def _explain(error: sqlite3.DatabaseError) -> tuple[str, str]:
    """What went wrong opening the database, and what to do, from SQLite's error."""
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return ("it is not a SQLite database (" + text + ")",
                "point REBOUND_DB at Rebound's database, or at a new file name to start one")
    if "readonly" in text or "read-only" in text:
        return ("it is read-only (" + text + ")", "make the file and its folder writable for this user")
    if "unable to open" in text:
        return ("SQLite cannot open or create it here (" + text + ")",
                "choose a folder this user can write to; SQLite also writes -wal and -shm files beside it")
    return text, "check the file and its folder"
