"""Shared fixtures: settings on a fresh store per test, and services over it.

By default each test gets its own SQLite file. With TEST_DATABASE_URL naming a PostgreSQL
database the tests may wipe (postgresql+asyncpg://user:password@host/db), every test built on
`settings` runs there instead: the schema is migrated once per run and emptied between tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Services, open_services
from bot.config import Settings
from store import migrate
from store.db import create_engine, is_sqlite

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = bool(DATABASE_URL) and not is_sqlite(DATABASE_URL)

_migrated = False


async def _fresh_postgres(url: str) -> None:
    """First call: drop whatever an earlier run left and migrate; later calls: empty every table."""
    global _migrated
    engine = create_engine(url)
    try:
        if not _migrated:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
            await migrate.upgrade(engine)
            _migrated = True
            return
        async with engine.begin() as connection:
            tables = await connection.scalars(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def settings(tmp_path: Path) -> Settings:
    if ON_POSTGRES:
        await _fresh_postgres(DATABASE_URL)
        url = DATABASE_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return Settings(
        database_url=url,
        telegram_bot_token="",
        seeds_dir=SEEDS,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings) as opened:
        yield opened


async def ingest_all(services: Services, *items: str, force: bool = False) -> list[str]:
    return [o.line() async for o in services.ingestor.ingest(list(items), force=force)]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder for the command line: its own SQLite store, no .env, quiet logs."""
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    return tmp_path
