"""The SQLite driver that makes one trip per statement behaves like a DBAPI cursor should."""

import asyncio
import threading
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


def _thread_of_each_statement(raw_connection: object) -> None:
    """`thread()` in SQL answers the thread that runs the statement."""
    sqlite_connection = raw_connection.driver_connection._conn  # type: ignore[attr-defined]
    sqlite_connection.create_function("thread", 0, threading.get_ident)


async def test_statements_after_the_first_write_run_on_the_loop_thread(
    engine: AsyncEngine,
) -> None:
    loop_thread = threading.get_ident()
    async with engine.begin() as connection:
        _thread_of_each_statement(await connection.get_raw_connection())
        before = (await connection.execute(text("SELECT thread()"))).scalar()
        await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        after = (await connection.execute(text("SELECT thread()"))).scalar()
        written = await connection.execute(
            text("INSERT INTO notes (body) VALUES (thread()) RETURNING body")
        )
        assert written.scalar() == str(loop_thread)
    async with engine.begin() as connection:
        next_transaction = (await connection.execute(text("SELECT thread()"))).scalar()
    assert before != loop_thread and next_transaction != loop_thread
    assert after == loop_thread


async def test_a_writer_waiting_for_the_lock_leaves_the_loop_free(engine: AsyncEngine) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def second_writer() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('second')"))
            await connection.execute(text("UPDATE notes SET body = body || '!'"))

    ticker = asyncio.create_task(tick())
    async with engine.begin() as first:
        await first.execute(text("INSERT INTO notes (body) VALUES ('first')"))
        waiting = asyncio.create_task(second_writer())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # it waits for the first writer's lock ...
        assert ticks > 5  # ... on the connection's thread, while the loop runs on
    await waiting
    ticker.cancel()
    async with engine.connect() as connection:
        bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).scalars()
        assert list(bodies) == ["first!", "second!"]
