"""The briefing's combined reads say what the separate reads they replace say, and what the
briefing keeps across pictures is worked out again when its inputs change."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.facts import fill_store
from bot.app import Services
from bot.briefing.service import EVENTS_PER_PAGE, SUMMARY_BUCKETS
from bot.briefing.views import QuotesPage, SpeakerChoice
from store import queries


async def test_the_summary_read_is_the_lists_their_conflicts_and_the_overview(
    services: Services,
) -> None:
    await fill_store(services.sessions, 300)
    async with services.sessions() as session:
        read = await queries.summary_read(session, SUMMARY_BUCKETS)
        buckets = await queries.claim_buckets(session, SUMMARY_BUCKETS)
        ids = [c.id for claims in buckets.values() for c in claims]
        conflicts = await queries.claim_conflicts(session, ids)
        articles, outlets, newest = await queries.store_overview(session)
    assert read.buckets == buckets and (read.articles, read.newest) == (articles, newest)
    assert any(read.conflicts.values())
    for claim_id in ids:
        assert sorted(read.conflicts.get(claim_id, [])) == sorted(conflicts.get(claim_id, []))
    summary = await services.briefing.summary()
    assert (summary.articles, summary.outlets, summary.newest) == (articles, outlets, newest)


async def test_the_summary_read_of_an_empty_store_is_its_size(services: Services) -> None:
    async with services.sessions() as session:
        read = await queries.summary_read(session, SUMMARY_BUCKETS)
    assert (read.articles, read.newest, read.last_id, read.added) == (0, None, 0, 0)
    assert read.conflicts == {} and all(claims == [] for claims in read.buckets.values())
    summary = await services.briefing.summary()
    assert (summary.articles, summary.outlets) == (0, 0)


HASHES = itertools.count()


async def add_article(services: Services, group: str, *, article_id: int | None = None) -> None:
    async with services.sessions.begin() as session:
        values = {} if article_id is None else {"id": article_id}
        await queries.add_article(
            session, url=None, outlet=group, title=None, source_group=group,
            content_hash=hashlib.sha256(f"{group}:{next(HASHES)}".encode()).hexdigest(),
            body=f"A report from {group}.", **values,
        )  # fmt: skip
        await queries.bump_picture_version(session)


async def test_outlets_are_counted_from_the_new_articles(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summary's outlet count follows new articles, including one that was given a lower
    id than the newest counted (as a transaction that started first and committed later)."""
    full_counts = []
    every_group = queries.outlet_groups

    async def counting(session: AsyncSession) -> frozenset[str]:
        full_counts.append(1)
        return await every_group(session)

    monkeypatch.setattr(queries, "outlet_groups", counting)
    for group in ("one", "two", "two"):
        await add_article(services, group)
    assert (await services.briefing.summary()).outlets == 2
    await add_article(services, "two")
    assert (await services.briefing.summary()).outlets == 2
    await add_article(services, "three")
    assert (await services.briefing.summary()).outlets == 3
    assert len(full_counts) == 1  # the new articles' groups were enough
    await add_article(services, "four", article_id=1_000)
    await add_article(services, "five", article_id=900)  # below the newest counted
    summary = await services.briefing.summary()
    async with services.sessions() as session:
        assert summary.outlets == 5 == (await queries.store_overview(session))[1]
    for number in range(queries.NEW_GROUPS + 2):  # more than a summary reads beside it
        await add_article(services, f"wire {number}")
    assert (await services.briefing.summary()).outlets == 5 + queries.NEW_GROUPS + 2


async def test_a_timeline_page_comes_with_the_count_and_past_the_end_is_the_last(
    services: Services,
) -> None:
    async with services.sessions() as session:
        assert await queries.timeline_with_count(session, 3, EVENTS_PER_PAGE) == ([], 0, 1)
    await fill_store(services.sessions, 40)
    async with services.sessions() as session:
        total = await queries.count_events(session)
        pages = -(-total // EVENTS_PER_PAGE)
        first, counted, page = await queries.timeline_with_count(session, 1, EVENTS_PER_PAGE)
        expected = await queries.timeline_events(session, 0, EVENTS_PER_PAGE, with_articles=False)
        assert (first, counted, page) == (expected, total, 1)
        last, counted, page = await queries.timeline_with_count(session, 999, EVENTS_PER_PAGE)
        offset = (pages - 1) * EVENTS_PER_PAGE
        assert page == pages and counted == total
        assert last == await queries.timeline_events(
            session, offset, EVENTS_PER_PAGE, with_articles=False
        )
    assert pages > 1


async def test_speakers_come_with_all_their_aliases(services: Services) -> None:
    await fill_store(services.sessions, 200)
    async with services.sessions() as session:
        speakers = await queries.all_speakers(session)
        aliases = await queries.speaker_ids_by_alias(
            session, [a for s in speakers for a in s.aliases]
        )
    assert speakers and all(s.aliases for s in speakers)
    assert all(aliases[a] == s.id for s in speakers for a in s.aliases)
    counts = [s.quote_count for s in speakers]
    assert counts == sorted(counts, reverse=True)


async def test_a_name_is_matched_again_when_the_speakers_change(services: Services) -> None:
    first = await services.briefing.quotes("Quentin Marlowe", picture=1)
    assert isinstance(first, SpeakerChoice) and not first.candidates
    async with services.sessions.begin() as session:
        speaker = await queries.add_speaker(session, "Quentin Marlowe", "marlowe", None)
        article = await queries.add_article(
            session, url=None, outlet="Example", title="Marlowe speaks", source_group="ex",
            content_hash="m" * 64, body="Quentin Marlowe said the talks would go on.",
        )  # fmt: skip
        (quote,) = await queries.add_quotes(
            session,
            [{"speaker_id": speaker, "text": "The talks go on", "key": "the talks go on"}],
        )
        await queries.add_quote_sources(session, article, [quote])
        await queries.bump_picture_version(session)
    found = await services.briefing.quotes("Quentin Marlowe", picture=2)
    assert isinstance(found, QuotesPage) and found.speaker.name == "Quentin Marlowe"
