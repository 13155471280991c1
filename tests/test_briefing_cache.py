"""Answers kept per picture of the store (the plain summary, quotes and timeline pages), and
computed afresh when the picture changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from benchmarks.facts import fill_store
from bot.app import Services
from bot.chats import ChatService
from bot.ingest import event_date_columns
from bot.pipeline.dates import FuzzyDate, Precision
from store import queries
from store.models import Claim
from tests.conftest import SEEDS, ingest_all


async def test_summary_is_reused_until_an_article_changes_the_picture(services: Services) -> None:
    first_file, second_file = sorted(SEEDS.glob("*.txt"))[:2]
    await ingest_all(services, str(first_file))
    before = await services.briefing.summary()
    assert await services.briefing.summary() is before

    await ingest_all(services, str(second_file))
    after = await services.briefing.summary()
    assert after is not before and after.articles == before.articles + 1
    assert await services.briefing.summary() is after


async def test_pages_are_kept_per_picture_and_computed_afresh_for_a_new_one(
    services: Services,
) -> None:
    first_file, second_file = sorted(SEEDS.glob("*.txt"))[:2]
    await ingest_all(services, str(first_file))
    async with services.sessions() as session:
        version = await queries.picture_version(session)
    speakers = await services.briefing.speakers()
    name = speakers.speakers[0].name
    quotes = await services.briefing.quotes(name, picture=version)
    timeline = await services.briefing.timeline(picture=version)
    assert await services.briefing.quotes(name, picture=version) is quotes
    assert await services.briefing.timeline(picture=version) is timeline
    assert await services.briefing.summary(picture=version) is await services.briefing.summary()

    await ingest_all(services, str(second_file))
    async with services.sessions() as session:
        newer = await queries.picture_version(session)
    assert newer != version
    fresh = await services.briefing.timeline(picture=newer)
    assert fresh is not timeline and fresh.total > timeline.total
    assert fresh == await services.briefing.timeline()  # the same as read without a version
    assert await services.briefing.quotes(name, picture=newer) is not quotes


async def test_a_kept_page_is_never_served_for_another_picture(services: Services) -> None:
    await ingest_all(services, str(sorted(SEEDS.glob("*.txt"))[0]))
    kept = await services.briefing.timeline(picture=1)
    async with services.sessions.begin() as session:
        await queries.add_event(
            session, ["glacier"], text="A glacier report came out.",
            **event_date_columns(FuzzyDate(1990, 1, 1, precision=Precision.DAY)),
        )  # fmt: skip
    assert await services.briefing.timeline(picture=1) is kept  # the version says nothing new
    moved = await services.briefing.timeline(picture=2)
    assert moved.total == kept.total + 1
    assert moved.events[0].text == "A glacier report came out."  # the oldest date comes first


async def test_a_chats_commands_answer_from_the_picture_its_state_was_read_with(
    services: Services,
) -> None:
    await ingest_all(services, str(sorted(SEEDS.glob("*.txt"))[0]))
    chats = ChatService(services.sessions, services.briefing)
    state = await chats.touch(5, "private")
    before = await services.briefing.timeline(picture=state.picture_version)
    async with services.sessions.begin() as session:
        await queries.add_event(
            session, ["glacier"], text="A glacier report came out.",
            **event_date_columns(FuzzyDate(1990, 1, 1, precision=Precision.DAY)),
        )  # fmt: skip
        await queries.bump_picture_version(session)
    state = await chats.touch(5, "private")
    after = await services.briefing.timeline(picture=state.picture_version)
    assert after.total == before.total + 1


@pytest.mark.parametrize("bound", [1_000, 3])
async def test_changes_since_a_look_are_ranked_alike_however_many_changed(
    services: Services, monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    """Few changes are ranked from the updated_at index, many from the rank index: the
    strongest changed claims come out the same either way."""
    monkeypatch.setattr(queries, "CHANGED_BOUND", bound)
    await fill_store(services.sessions, 30)
    looked = dt.datetime.now(dt.UTC)
    async with services.sessions.begin() as session:
        await session.execute(
            update(Claim)
            .where(Claim.id % 3 == 0)
            .values(updated_at=looked + dt.timedelta(minutes=1))
        )
    async with services.sessions() as session:
        everything = await queries.all_claims(session)
        found = await queries.claims_changed_since(session, looked)
        nothing = await queries.claims_changed_since(session, looked + dt.timedelta(hours=1))
    changed = [c for c in everything if c.id % 3 == 0]
    assert len(changed) > 3
    backed = [c for c in changed if c.outlet_count >= 1]
    assert found == sorted(backed, key=lambda c: (-c.outlet_count, -c.source_count, c.id))[:5]
    assert nothing == []


async def test_a_search_is_kept_for_its_picture_only(services: Services) -> None:
    await ingest_all(services, str(sorted(SEEDS.glob("*.txt"))[0]))
    kept = await services.briefing.search("glacier metres", picture=1)
    assert kept.hits == () and await services.briefing.search("glacier metres", picture=1) is kept
    async with services.sessions.begin() as session:
        await queries.add_article(
            session, url=None, outlet="Example", title="Glacier report", source_group="ex",
            content_hash="e" * 64, body="The glacier retreated by forty metres.",
        )  # fmt: skip
    (hit,) = (await services.briefing.search("glacier metres", picture=2)).hits
    assert hit.article.title == "Glacier report"


async def test_a_summary_since_a_look_shares_the_kept_points(services: Services) -> None:
    first_file, second_file = sorted(SEEDS.glob("*.txt"))[:2]
    await ingest_all(services, str(first_file))
    looked = dt.datetime.now(dt.UTC)
    await ingest_all(services, str(second_file))
    plain = await services.briefing.summary()
    since = await services.briefing.summary(since=looked)
    assert since.points is plain.points and since.articles == plain.articles
    assert since.changed and all(p.sources == () for p in since.changed)
    assert (await services.briefing.summary()) is plain  # the plain one is still the kept one
