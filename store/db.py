"""Engine and session factory; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


@dataclass(frozen=True, slots=True)
class DriverRead:
    """One small read in plain SQL with :name parameters (and no colon inside a quoted
    literal), for the hottest path of all.

    SQLAlchemy's execution of a statement (its caches, the result's rows and processors)
    costs several times what the read itself does; the driver does the same read in one call
    (aiosqlite's execute_fetchall, asyncpg's fetch), which is most of what a cached answer
    costs. Rows come back as the driver gives them: the caller converts dates and flags.
    """

    sql: str
    names: tuple[str, ...] = field(init=False)
    postgres_sql: str = field(init=False)

    def __post_init__(self) -> None:
        names = list(dict.fromkeys(_PARAMETER.findall(self.sql)))
        numbered = _PARAMETER.sub(lambda m: f"${names.index(m.group(1)) + 1}", self.sql)
        object.__setattr__(self, "names", tuple(names))
        object.__setattr__(self, "postgres_sql", numbered)


async def driver_rows(
    session: AsyncSession, read: DriverRead, parameters: Mapping[str, object]
) -> list[Sequence[Any]]:
    """The rows of `read`, fetched by the driver in one call on the session's connection (so
    within its transaction, if it has one). SQLAlchemy does not see the driver's errors, so a
    failure discards the connection rather than hand a broken one back to the pool."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        if connection.dialect.name == "postgresql":
            values = [parameters[name] for name in read.names]
            return list(await driver.fetch(read.postgres_sql, *values))
        return list(await driver.execute_fetchall(read.sql, dict(parameters)))
    except Exception:
        await connection.invalidate()
        raise
