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
    assert "ORDER BY id DESC LIMIT :candidates" in sql and ":window" not in sql
    assert parameters == {
        "q": "peace deal",
        "limit": 8,
        "candidates": queries.SEARCH_CANDIDATES,
        "known": [],
    }
    migration = _migration("0004_read_indexes.py")
    assert f"USING gin ({queries.SEARCH_VECTOR})" in inspect.getsource(migration)


def test_postgres_search_looks_among_the_newest_ids_through_the_index() -> None:
    statement, parameters = queries.search_query(
        "postgresql", ["peace"], 8, window=queries.SEARCH_WINDOW, known=[3, 5]
    )
    sql = str(statement)
    # An integer bound, as the id column is: the index on (vector, id) takes no bigint.
    assert "AND id > (SELECT coalesce(max(id), 0) FROM articles) - CAST(:window AS integer)" in sql
    assert "WHEN a.id = ANY(CAST(:known AS integer[])) THEN NULL" in sql
    assert parameters["window"] == queries.SEARCH_WINDOW and parameters["known"] == [3, 5]
    migration = inspect.getsource(_migration("0006_search_by_recency.py"))
    assert f"USING gin ({queries.SEARCH_VECTOR}, id)" in migration


def test_sqlite_search_uses_fts5() -> None:
    statement, parameters = queries.search_query("sqlite", ['pe"ace'], 3)
    assert "MATCH :match" in str(statement) and "bm25(" in str(statement)
    assert parameters == {"match": '"peace"', "limit": 3, "last": queries.SEARCH_CANDIDATES - 1}
    assert "snippet(" not in str(statement)  # worked out for the hits only, afterwards


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


async def test_known_snippets_are_not_worked_out_again(services: Services) -> None:
    await add_ice_reports(services)
    async with services.sessions() as session:
        every = await queries.search_articles(session, ["glacier"], limit=3)
        known = [every[0].source.article_id]
        again = await queries.search_articles(session, ["glacier"], limit=3, known=known)
    assert [r.source.article_id for r in again] == [r.source.article_id for r in every]
    assert all(r.snippet for r in every)
    assert again[0].snippet is None and all(r.snippet for r in again[1:])


async def test_a_new_picture_shows_the_same_snippets(services: Services) -> None:
    """Snippets outlive the picture: a search after an ingest shows what it showed before for
    the articles it found before, and works out the new article's."""
    await add_ice_reports(services)
    first = await services.briefing.search("glacier", picture=1)
    async with services.sessions.begin() as session:
        await queries.add_article(
            session, url=None, outlet="Example", title="Ice 10", source_group="ex",
            content_hash="f" * 64, body="The glacier glacier glacier glacier report number 10.",
        )  # fmt: skip
        await queries.bump_picture_version(session)
    second = await services.briefing.search("glacier", picture=2)
    snippets = {hit.article.title: hit.snippet for hit in first.hits}
    titles = [hit.article.title for hit in second.hits]
    assert "Ice 10" in titles and all(hit.snippet for hit in second.hits)
    for hit in second.hits:
        if hit.article.title in snippets:
            assert hit.snippet == snippets[hit.article.title]
