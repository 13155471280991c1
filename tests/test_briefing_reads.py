"""The briefing's combined reads say what the separate reads they replace say, and what the
briefing keeps across pictures is worked out again when its inputs change."""

from __future__ import annotations

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
        overview = await queries.store_overview(session)
    assert read.buckets == buckets and read.overview == overview
    assert any(read.conflicts.values())
    for claim_id in ids:
        assert sorted(read.conflicts.get(claim_id, [])) == sorted(conflicts.get(claim_id, []))


async def test_the_summary_read_of_an_empty_store_is_its_overview(services: Services) -> None:
    async with services.sessions() as session:
        read = await queries.summary_read(session, SUMMARY_BUCKETS)
    assert read.overview == (0, 0, None) and read.conflicts == {}
    assert all(claims == [] for claims in read.buckets.values())


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
