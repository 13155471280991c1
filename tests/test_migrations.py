from pathlib import Path

from sqlalchemy import inspect

from store import migrate
from store.db import create_engine


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_upgrade_empty_database_to_head_and_back(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    tables = await _tables(url)
    assert {"articles", "quotes", "speakers", "events", "claims", "claim_sources"} <= tables

    await migrate.downgrade(engine, "base")
    assert await _tables(url) <= {"alembic_version"}

    await migrate.upgrade(engine)
    assert "articles" in await _tables(url)
    await engine.dispose()


async def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await migrate.upgrade(engine)
    await migrate.upgrade(engine)
    await engine.dispose()
