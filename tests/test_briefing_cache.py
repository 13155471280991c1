"""The plain summary is computed once per picture of the store, and afresh when it changes."""

from __future__ import annotations

from bot.app import Services
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
