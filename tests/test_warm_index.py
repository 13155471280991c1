"""The ingest's warm copy of the lookup indexes answers as the store does, and spares reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.ingest import Ingestor
from store import queries
from store.warm_index import Overlay, WarmIndex
from tests.conftest import SEEDS, ingest_all


async def _everything_read(session: AsyncSession) -> dict[str, Any]:
    """What an ingest may ask about every word, quote, claim and article the store holds."""

    async def column(query: str) -> list[Any]:
        return list(await session.scalars(text(query)))

    claim_words = await column("SELECT DISTINCT term FROM claim_terms")
    event_words = await column("SELECT DISTINCT term FROM event_terms")
    article_words = await column("SELECT DISTINCT term FROM article_terms")
    quotes = (await session.execute(text("SELECT speaker_id, key FROM quotes"))).all()
    claim_ids = await column("SELECT id FROM claims")
    await queries.ingest_context(session, "not a stored hash", article_words)
    return {
        "claims": await queries.claim_ids_by_term(session, claim_words),
        "events": await queries.event_ids_by_term(session, event_words),
        "story": await queries.story_counts(session, article_words),
        "quotes": await queries.quotes_like_many(session, [tuple(q) for q in quotes]),
        "articles": await queries.articles_sharing_terms(session, article_words[:40], minimum=3),
        "texts": await queries.claim_texts(session, claim_ids),
    }


async def _assert_warm_reads_match_the_store(services: Services, ingestor: Ingestor) -> None:
    async with services.sessions() as session:
        direct = await _everything_read(session)
    async with services.sessions() as session:
        ingestor.warm.begin(session)
        assert await _everything_read(session) == direct
    assert direct["claims"] and direct["quotes"] and direct["events"]


@contextmanager
def _statements(services: Services) -> Iterator[list[str]]:
    run: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        run.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield run
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", count)


async def test_warm_reads_match_the_store_and_ask_it_nothing_again(services: Services) -> None:
    await ingest_all(services, str(SEEDS))
    await _assert_warm_reads_match_the_store(services, services.ingestor)
    warm = services.ingestor.warm
    claim_words = list(warm.newest[("claim_terms", queries.RECENT_PER_TERM)])
    assert claim_words
    async with services.sessions() as session:
        warm.begin(session)
        await queries.ingest_context(session, "not a stored hash", [])
        with _statements(services) as run:
            found = await queries.claim_ids_by_term(session, claim_words)
        assert run == [] and found


async def test_two_ingestors_on_one_store_each_see_what_the_other_stored(
    services: Services,
) -> None:
    other = Ingestor(services.sessions, services.settings)
    seeds = sorted(str(path) for path in SEEDS.glob("*.txt"))
    for index, seed in enumerate(seeds):
        ingestor = services.ingestor if index % 2 == 0 else other
        assert (await ingest_all_with(ingestor, seed))[0].startswith("added")
    await _assert_warm_reads_match_the_store(services, services.ingestor)
    await _assert_warm_reads_match_the_store(services, other)


async def test_an_ingest_rolled_back_leaves_nothing_in_the_warm_copy(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = sorted(str(path) for path in SEEDS.glob("*.txt"))
    await ingest_all(services, *seeds[:2])
    real = queries.add_event_sources

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(queries, "add_event_sources", broken)
    assert (await ingest_all(services, seeds[2]))[0].startswith("error: could not store")
    monkeypatch.setattr(queries, "add_event_sources", real)
    # The next rows may take the ids the failed ingest had used.
    await ingest_all(services, *seeds[3:])
    await _assert_warm_reads_match_the_store(services, services.ingestor)


async def ingest_all_with(ingestor: Ingestor, *items: str) -> list[str]:
    return [o.line() async for o in ingestor.ingest(list(items))]


def test_ids_filed_keep_the_newest_first_and_no_more_than_kept() -> None:
    warm = WarmIndex()
    overlay = Overlay(warm)
    overlay.start(0)
    key = ("claim_terms", 3)
    overlay.read_newest(key, ["peace", "troops", "none"], {"peace": [9, 5, 2], "troops": [7]})
    overlay.file("claim_terms", [("peace", 6), ("peace", 1), ("troops", 8), ("none", 4)])
    overlay.file("claim_terms", [("troops", 8), ("unread", 3)])
    known, missing = overlay.known_newest(key, ["peace", "troops", "none", "unread"])
    assert known == {"peace": [9, 6, 5], "troops": [8, 7], "none": [4]}
    assert missing == ["unread"]  # never read: the store is asked


def test_the_warm_copy_is_dropped_when_another_writer_came_in_between() -> None:
    warm = WarmIndex()
    key = ("claim_terms", 50)
    first = Overlay(warm)
    first.start(4)
    first.read_newest(key, ["peace"], {"peace": [3]})
    first.version_written = 5
    warm.commit(first)
    assert warm.newest[key]["peace"].tolist() == [3]

    second = Overlay(warm)
    second.start(5)
    second.read_newest(key, ["troops"], {"troops": [2]})
    second.version_written = 7  # someone else wrote version 6
    warm.commit(second)
    assert warm.newest == {} and warm.version is None

    third = Overlay(warm)
    third.start(7)
    assert third.known_newest(key, ["peace"]) == ({}, ["peace"])


def test_a_transaction_uses_the_warm_copy_only_once_it_has_found_the_version() -> None:
    warm = WarmIndex()
    key = ("claim_terms", 50)
    first = Overlay(warm)
    first.start(3)
    first.read_newest(key, ["peace"], {"peace": [3]})
    warm.commit(first)
    early = Overlay(warm)
    assert early.known_newest(key, ["peace"]) == ({}, ["peace"])
    early.start(3)
    assert early.known_newest(key, ["peace"]) == ({"peace": [3]}, [])
