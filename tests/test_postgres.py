"""The same migrations and the same facts on PostgreSQL.

Runs when TEST_POSTGRES_URL names a database the tests may wipe
(postgresql+asyncpg://user:password@host/db); skipped otherwise."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import open_services
from bot.config import Settings
from bot.export import export_store
from store import migrate, queries
from store.db import create_engine
from tests.conftest import SEEDS, ingest_all
from tests.test_search import NEWEST_FOUR, add_ice_reports

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="TEST_POSTGRES_URL is not set")


@pytest.fixture
async def postgres() -> AsyncIterator[Settings]:
    engine = create_engine(POSTGRES_URL)
    await migrate.upgrade(engine)
    await migrate.downgrade(engine, "base")  # from whatever an earlier run left, to empty
    await engine.dispose()
    yield Settings(
        database_url=POSTGRES_URL,
        seeds_dir=SEEDS,
        _env_file=None,  # type: ignore[call-arg]
    )


def _facts(export: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on the database: who said what, when, and how well supported."""
    return {
        "quotes": sorted((q["speaker"], q["text"], q["partial"]) for q in export["quotes"]),
        "events": sorted(
            (e["date"] or "", e["precision"] or "", e["text"]) for e in export["events"]
        ),
        "claims": sorted((c["text"], c["status"], c["outlets"]) for c in export["claims"]),
    }  # fmt: skip


async def test_seeds_give_the_same_facts_as_on_sqlite(
    postgres: Settings, settings: Settings
) -> None:
    exports = []
    for configured in (postgres, settings):
        async with open_services(configured) as services:
            lines = await ingest_all(services, str(SEEDS))
            assert sum(line.startswith("added") for line in lines) == 5
            again = await ingest_all(services, str(SEEDS))
            assert all(line.startswith("duplicate of") for line in again)
            async with services.sessions() as session:
                exports.append(await export_store(session))
            found = await services.briefing.search("abu dhabi")
            assert found.hits
    assert _facts(exports[0]) == _facts(exports[1])


async def test_migrations_go_down_and_up_again(postgres: Settings) -> None:
    engine = create_engine(postgres.database_url)
    await migrate.upgrade(engine)
    await migrate.downgrade(engine, "base")
    await migrate.upgrade(engine)
    await engine.dispose()


async def test_only_the_newest_matches_compete_on_postgresql(
    postgres: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 4)
    monkeypatch.setattr(queries, "SEARCH_WINDOW", 2)  # two ids, then sixteen: all ten
    async with open_services(postgres) as services:
        await add_ice_reports(services)
        hits = (await services.briefing.search("glacier", limit=10)).hits
    assert [hit.article.title for hit in hits] == NEWEST_FOUR
