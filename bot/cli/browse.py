"""`rebound browse`: the database in Datasette, read-only, on this machine only.

Datasette is an optional extra (``pip install 'rebound[browse]'``), imported here when the
command runs. The database is opened as a *mutable* read-only file rather than with
Datasette's ``--immutable``: Rebound may be serving from the same WAL-mode file, and an
immutable open would not see (or could misread) pages still in the write-ahead log. Datasette
reads mutable files through ``mode=ro`` connections and writes only for writable canned
queries, of which Rebound ships none; its SQL box takes only SELECTs.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import _settings

HOST = "127.0.0.1"  # never another interface: the data is the sales team's, unauthenticated here
INSTALL_HINT = "rebound browse needs Datasette: pip install 'rebound[browse]'"
SETTINGS = {"sql_time_limit_ms": 5000, "default_page_size": 100}


def datasette_app(db_path: str | Path):
    """A Datasette over the database at ``db_path`` (migrated first), with Rebound's metadata.

    Raises ImportError without the ``browse`` extra. Tests use its ``.client``."""
    from datasette.app import Datasette

    from bot.store import browse
    from bot.store.db import open_store

    store = open_store(db_path)  # brings an older database's views up to date (as every command does)
    try:
        columns = browse.columns_by_table(store)
    finally:
        store.close()
    name = Path(db_path).stem
    return Datasette(files=[str(db_path)], metadata=browse.metadata(name, columns), settings=SETTINGS)


@click.command()
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535), help="Port on 127.0.0.1.")
def browse(port: int) -> None:
    """Open the database in Datasette, read-only, at http://127.0.0.1:PORT.

    Tables and views have titles and described columns, the internal tables are hidden, and
    canned queries answer what managers ask (losses by reason, competitor and seller, debrief
    coverage, avoidable losses, pilot conversion, the cost of mistakes, recovery progress).
    Needs the browse extra: pip install 'rebound[browse]'.

    \b
    Example:
      rebound browse --port 8001
    """
    try:
        import uvicorn  # Datasette's own server, installed with it
        from datasette.app import Datasette  # noqa: F401 - to say what is missing before anything else
    except ImportError:
        raise click.ClickException(INSTALL_HINT) from None
    settings = _settings()
    if not Path(settings.db_path).exists():
        raise click.ClickException(f"no database at {settings.db_path} (REBOUND_DB): nothing to browse yet")
    app = datasette_app(settings.db_path)
    click.echo(f"Rebound's database, read-only, at http://{HOST}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(app.app(), host=HOST, port=port, log_level="warning")


COMMANDS = (browse,)
