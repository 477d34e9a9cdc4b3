"""The SQLite store. Only modules in this package write SQL."""

from bot.store.db import Store, open_store

__all__ = ["Store", "open_store"]
