"""SQLAlchemy's aiosqlite adapter with one trip to the connection's thread per statement.

aiosqlite runs every call on a thread of its own, and SQLAlchemy's adapter makes four calls
for each statement: open a cursor, execute, fetch the rows, close the cursor. Each trip wakes
that thread and then the event loop again, which costs far more than SQLite takes to answer
an indexed read (about 0.2 ms against a few microseconds). The cursor here does all four in
one trip. Everything else (the dialect, transactions, server-side cursors, errors) is
SQLAlchemy's and aiosqlite's own.

Once a transaction has written, it holds SQLite's write lock, and in WAL mode no statement of
it can wait for another connection: readers never block and no other writer can start. Its
later statements then run on the event loop's thread, where an indexed read or a small write
takes a few microseconds and the trip would cost about 90. The first write, which may wait
for another writer, and the commit, which may checkpoint, still go to the connection's thread.

The adapter reaches aiosqlite's queue of calls the way SQLAlchemy's own adapter does to set
the isolation level.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any, cast

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid
INLINE_MAX_PARAMETER_SETS = 1_000  # a larger batch of rows goes to the connection's thread


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """On the connection's thread: the statement, its rows and its counts, cursor closed."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _holds_write_lock(connection: aiosqlite.Connection, parameters: Any, many: bool) -> bool:
    """Whether this connection's transaction has written (the sqlite3 module opens one only
    for a write) and this statement is small enough to run without leaving the loop."""
    raw = connection._connection
    if raw is None or not raw.in_transaction:
        return False
    if not many:
        return True
    return isinstance(parameters, list) and len(parameters) <= INLINE_MAX_PARAMETER_SETS


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement, rows and counts come back in one trip."""

    __slots__ = ("_outcome",)

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._rows = collections.deque()
        self._outcome: Outcome = (None, [], -1, None)

    @property
    def description(self) -> Any:
        return self._outcome[0]

    @property
    def rowcount(self) -> int:
        return self._outcome[2]

    @property
    def lastrowid(self) -> int:
        return self._outcome[3] or 0

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        pass  # nothing is open on the other thread

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        mutex = self._adapt_connection._execute_mutex
        if not mutex.locked() and _holds_write_lock(connection, parameters, many):
            outcome = _run(connection, operation, parameters, many)
        else:
            async with mutex:
                outcome = await connection._execute(  # type: ignore[no-untyped-call]
                    _run, connection, operation, parameters, many
                )
        self._outcome = outcome
        self._rows = collections.deque(outcome[1])

    def nextset(self) -> None:
        self._rows.clear()  # SQLite statements have one result set

    def setinputsizes(self, *inputsizes: Any) -> None:
        pass


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # server-side cursors stay aiosqlite's


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module the aiosqlite dialect is given instead of importing its own."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["check_same_thread"] = False  # statements of a writing transaction run inline
        connection = aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy does: a stray connection never blocks exit
        return OneTripConnection(self, cast(Any, await_(connection)))


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
