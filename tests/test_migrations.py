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


async def test_quotes_stored_before_the_shingle_index_get_shingles(tmp_path: Path) -> None:
    from sqlalchemy import text

    from store.queries import quote_shingles

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await migrate.upgrade(engine, "0002")
    key = "we will stand with you for as long as it takes"
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO speakers (id, name, key, quote_count) VALUES (1, 'A B', 'b', 1)")
        )
        await connection.execute(
            text(
                "INSERT INTO quotes (id, speaker_id, text, key, partial, source_count) "
                "VALUES (7, 1, :text, :key, 0, 1)"
            ),
            {"text": key.capitalize(), "key": key},
        )
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT shingle FROM quote_shingles WHERE quote_id=7")
        )
        assert {row[0] for row in found} == quote_shingles(key)
    await engine.dispose()
