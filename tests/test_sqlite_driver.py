"""The SQLite driver that makes one trip per statement behaves like a DBAPI cursor should."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import create_engine
from store.sqlite_driver import OneTripCursor


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
        )
    yield engine
    await engine.dispose()


async def test_the_engine_uses_one_trip_cursors(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)  # type: ignore[union-attr]


async def test_rows_counts_and_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "b"}, {"body": "c"}]
        )
        returned = await connection.execute(
            text("INSERT INTO notes (body) VALUES ('d'), ('e') RETURNING id, body")
        )
        assert returned.all() == [(4, "d"), (5, "e")]
        updated = await connection.execute(text("UPDATE notes SET body = body || '!' WHERE id > 3"))
        assert updated.rowcount == 2
        rows = await connection.execute(text("SELECT id, body FROM notes ORDER BY id"))
        assert list(rows.keys()) == ["id", "body"]
        assert rows.all() == [(1, "a"), (2, "b"), (3, "c"), (4, "d!"), (5, "e!")]
        empty = await connection.execute(text("SELECT id FROM notes WHERE id < 0"))
        assert empty.all() == []


async def test_a_failed_statement_raises_and_the_transaction_rolls_back(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar() == 0
        with pytest.raises(exc.OperationalError):
            await connection.execute(text("SELECT nothing FROM nowhere"))


async def test_streamed_results_still_work(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"),
            [{"body": f"note {n}"} for n in range(50)],
        )
    async with engine.connect() as connection:
        streamed = await connection.stream(text("SELECT body FROM notes ORDER BY id"))
        bodies = [row[0] async for row in streamed]
    assert bodies[0] == "note 0" and len(bodies) == 50
