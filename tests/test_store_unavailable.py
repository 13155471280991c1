"""A store that cannot be reached at start-up: retries with a growing pause, then one clear line."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cli
from bot.app import StoreUnavailable, open_services
from bot.config import Settings
from tests.conftest import SEEDS


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unreachable(attempts: int) -> Settings:
    return Settings(
        database_url=f"postgresql+asyncpg://bot:secret@127.0.0.1:{_closed_port()}/store",
        database_connect_attempts=attempts,
        database_retry_seconds=0.01,
        seeds_dir=SEEDS,
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_start_up_retries_then_names_the_database_without_its_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.app")
    with pytest.raises(StoreUnavailable) as raised:
        async with open_services(_unreachable(attempts=3)):
            pytest.fail("services opened on a closed port")
    message = str(raised.value)
    assert "unreachable after 3 tries" in message and "127.0.0.1" in message
    assert "secret" not in message
    retries = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(retries) == 2  # a line per try that is followed by another
    assert "again in 0.0 s" in retries[0] and "try 2 of 3" in retries[1]


def test_command_line_prints_one_error_line_and_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    settings = _unreachable(attempts=2)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DATABASE_CONNECT_ATTEMPTS", "2")
    monkeypatch.setenv("DATABASE_RETRY_SECONDS", "0.01")
    assert cli.main(["ask", "/summary"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: database ") and "unreachable after 2 tries" in err[-1]


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set")
async def test_a_database_that_comes_up_late_is_waited_for() -> None:
    """A port that refuses connections at first, then forwards them to the real server."""
    real = make_url(POSTGRES_URL)
    port = _closed_port()

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            real.host or "127.0.0.1", real.port or 5432
        )

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def open_later() -> asyncio.Server:
        await asyncio.sleep(0.3)
        return await asyncio.start_server(forward, "127.0.0.1", port)

    late = asyncio.create_task(open_later())
    settings = Settings(
        database_url=real.set(host="127.0.0.1", port=port).render_as_string(hide_password=False),
        database_connect_attempts=10,
        database_retry_seconds=0.1,
        seeds_dir=SEEDS,
        _env_file=None,  # type: ignore[call-arg]
    )
    async with open_services(settings, upgrade=False) as services:
        assert await _reachable(services.engine)
    server = await late
    server.close()
    await server.wait_closed()


async def _reachable(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT 1"))).scalar() == 1
