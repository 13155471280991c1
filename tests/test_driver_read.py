"""Reads the driver runs in one call: parameters for each backend, and a failure's connection."""

from __future__ import annotations

import pytest

from bot.app import Services
from store import queries
from store.db import DriverRead, driver_rows


def test_named_parameters_are_numbered_for_postgresql() -> None:
    read = DriverRead("SELECT :b, :a, :b FROM t WHERE y::text = :a")
    assert read.names == ("b", "a")
    assert read.postgres_sql == "SELECT $1, $2, $1 FROM t WHERE y::text = $2"


async def test_a_failed_read_leaves_the_pool_working(services: Services) -> None:
    async with services.sessions() as session:
        with pytest.raises(Exception, match="no_such_table"):
            await driver_rows(session, DriverRead("SELECT * FROM no_such_table WHERE a = :a"),
                              {"a": 1})  # fmt: skip
    async with services.sessions() as session:
        chat, version = await queries.chat_with_version(session, 42)
    assert chat is None and version == 0
