"""Engine and session factory; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from store.sqlite_driver import one_trip_dbapi

CACHE_KIB = 64 * 1024  # per connection
MMAP_BYTES = 256 * 1024 * 1024


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; for a SQLite file its folder is created first."""
    parsed = make_url(url)
    if is_sqlite(url):
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        if parsed.get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", one_trip_dbapi())
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # The word indexes grow with the store; a page cache that holds their hot pages keeps each
    # statement's cost from growing with it (SQLite's default is 2 MB).
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
