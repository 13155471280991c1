"""Full-text search: FTS5 on SQLite, and the PostgreSQL query over its GIN index."""

from __future__ import annotations

import importlib.util
import inspect
from types import ModuleType

import pytest

from benchmarks.facts import fill_store
from bot.app import Services
from store import queries
from store.migrate import MIGRATIONS


def _migration(name: str) -> ModuleType:
    path = MIGRATIONS / "versions" / name
    spec = importlib.util.spec_from_file_location("fact_store_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_search_is_ranked_and_limited(services: Services) -> None:
    await fill_store(services.sessions, 40)
    result = await services.briefing.search("peace agreement", limit=5)
    assert 1 <= len(result.hits) <= 5
    assert all(hit.snippet for hit in result.hits)
    assert (await services.briefing.search("qwxzv")).hits == ()
    assert (
        await services.briefing.search('" OR * QWXZV( NEAR')
    ).hits == ()  # query syntax is words


async def test_a_new_article_is_found_at_once(services: Services) -> None:
    async with services.sessions.begin() as session:
        await queries.add_article(
            session, url=None, outlet="Example", title="Glacier report", source_group="ex",
            content_hash="e" * 64, body="The glacier retreated by forty metres.",
        )  # fmt: skip
    (hit,) = (await services.briefing.search("glacier metres")).hits
    assert hit.article.title == "Glacier report"


def test_postgres_search_uses_the_indexed_vector() -> None:
    statement, parameters = queries.search_query("postgresql", ["peace", "deal"], 8)
    sql = str(statement)
    assert "plainto_tsquery('english', :q)" in sql and "ts_rank(" in sql
    assert f"WHERE {queries.SEARCH_VECTOR} @@ plainto_tsquery('english', :q)" in sql
    assert "- CAST(:window AS bigint) ORDER BY id DESC LIMIT :candidates" in sql
    assert parameters == {
        "q": "peace deal",
        "limit": 8,
        "window": queries.EVERY_ID,
        "candidates": queries.SEARCH_CANDIDATES,
    }
    migration = _migration("0004_read_indexes.py")
    assert f"USING gin ({queries.SEARCH_VECTOR})" in inspect.getsource(migration)


def test_sqlite_search_uses_fts5() -> None:
    statement, parameters = queries.search_query("sqlite", ['pe"ace'], 3)
    assert "MATCH :match" in str(statement) and "bm25(" in str(statement)
    assert parameters == {"match": '"peace"', "limit": 3, "last": queries.SEARCH_CANDIDATES - 1}


async def add_ice_reports(services: Services) -> None:
    """Ten articles on one word; the oldest says it most often, so it ranks first among all."""
    async with services.sessions.begin() as session:
        for number in range(10):
            body = "glacier " * (10 - number) + f"report number {number}."
            await queries.add_article(
                session, url=None, outlet="Example", title=f"Ice {number}", source_group="ex",
                content_hash=f"{number:064d}", body=body,
            )  # fmt: skip


NEWEST_FOUR = ["Ice 6", "Ice 7", "Ice 8", "Ice 9"]


async def test_only_the_newest_matches_compete_for_the_ranking(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 4)
    await add_ice_reports(services)
    hits = (await services.briefing.search("glacier", limit=10)).hits
    assert [hit.article.title for hit in hits] == NEWEST_FOUR
