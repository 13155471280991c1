"""Ingestion as a whole: transactions, fetching over HTTP, limits and odd input."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.fetch import Fetcher, FetchError, FetchRules
from store import queries
from tests.conftest import SEEDS, ingest_all

ARTICLE = (
    "<html><body><article><h1>Envoys meet again</h1>"
    + "<p>Envoys of both governments met again in the capital on Monday to discuss the ceasefire "
    "and the exchange of prisoners, officials from both sides said after the talks ended.</p>"
    * 4
    + "</article></body></html>"
)


async def test_a_failure_mid_article_leaves_no_half_article(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(queries, "add_event_sources", broken)
    lines = await ingest_all(services, str(next(SEEDS.glob("002_*.txt"))))
    assert lines[0].startswith("error: could not store")
    async with services.sessions() as session:
        assert await queries.count_articles(session) == 0
        assert await queries.all_quotes(session) == []
        assert await queries.all_claims(session) == []


def transport(routes: dict[str, httpx.Response]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/slow":
            raise httpx.ReadTimeout("slow", request=request)
        if request.url.path == "/refused":
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/photo":
            return httpx.Response(200, content=b"\x89PNG", headers={"content-type": "image/png"})
        return routes.get(request.url.path, httpx.Response(404))

    return httpx.MockTransport(handle)


async def test_fetch_limits_and_errors() -> None:
    big = httpx.Response(200, content=b"x" * 2_000, headers={"content-type": "text/html"})
    page = httpx.Response(200, text=ARTICLE, headers={"content-type": "text/html"})
    routes = transport({"/big": big, "/a": page})
    async with Fetcher(FetchRules(max_bytes=10_000), transport=routes) as web:
        raw = await web.article("https://news.example/a")
        assert raw.url == "https://news.example/a" and b"Envoys" in raw.data
    async with Fetcher(FetchRules(max_bytes=1_000), transport=routes) as web:
        with pytest.raises(FetchError, match="over the 1,000"):
            await web.article("https://news.example/big")
        with pytest.raises(FetchError, match="HTTP 404"):
            await web.article("https://news.example/gone")
        with pytest.raises(FetchError, match="timed out"):
            await web.article("https://news.example/slow")
        with pytest.raises(FetchError, match="content type image/png is not text"):
            await web.article("https://news.example/photo")
        with pytest.raises(FetchError, match=r"could not connect to news\.example"):
            await web.article("https://news.example/refused")


async def test_a_directory_skips_other_files_and_reports_each_article(
    services: Services, tmp_path: object
) -> None:
    lines = await ingest_all(services, str(SEEDS), str(SEEDS / "nothing-here.txt"))
    assert sum(line.startswith("added") for line in lines) == 5
    assert lines[-1].startswith("error: no such file")


async def test_a_copy_under_another_name_is_a_duplicate(
    services: Services, tmp_path: object
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    original = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    (folder / "copy.txt").write_text(original.replace("\n", "\n\n") + "\nShare this article\n")
    await ingest_all(services, str(SEEDS))
    lines = await ingest_all(services, str(folder / "copy.txt"))
    assert lines[0].startswith("duplicate of")


async def test_counts_kept_as_links_are_added_match_a_full_count(
    services: Services, tmp_path: object
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    retold = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8").replace("NATO", "Nato")
    (folder / "retold.txt").write_text(retold.replace("url:", "original-url:"))
    await ingest_all(services, str(SEEDS), str(folder))
    full_counts = {
        "claims": "SELECT c.id, c.source_count, c.outlet_count, count(*), "
        "count(DISTINCT s.source_group) FROM claims c "
        "JOIN claim_sources s ON s.claim_id = c.id GROUP BY c.id",
        "quotes": "SELECT q.id, q.source_count, (SELECT count(*) FROM quote_sources s "
        "WHERE s.quote_id = q.id) FROM quotes q",
        "speakers": "SELECT p.id, p.quote_count, (SELECT count(*) FROM quotes q "
        "WHERE q.speaker_id = p.id) FROM speakers p",
        "events": "SELECT e.id, e.source_count, (SELECT count(*) FROM event_sources s "
        "WHERE s.event_id = e.id) FROM events e",
    }
    async with services.sessions() as session:
        for table, query in full_counts.items():
            rows = (await session.execute(text(query))).all()
            assert rows, table
            for row_id, *kept_and_counted in rows:
                half = len(kept_and_counted) // 2
                assert kept_and_counted[:half] == kept_and_counted[half:], (table, row_id)
            if table in ("quotes", "events"):
                assert any(row[1] > 1 for row in rows), table  # some told by several articles
        await _assert_kept_counts_are_full_counts(session)


async def _assert_kept_counts_are_full_counts(session: AsyncSession) -> None:
    kept = dict((await session.execute(text("SELECT key, value FROM store_state"))).all())
    full = (
        await session.execute(
            text(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM events), "
                "(SELECT count(*) FROM articles WHERE status != 'forced')"
            )
        )
    ).one()
    assert (kept["article_count"], kept["event_count"], kept["story_size"]) == tuple(
        str(n) for n in full
    )


async def test_the_story_size_counts_on_topic_articles_and_starts_from_a_full_count(
    services: Services, tmp_path: object
) -> None:
    from pathlib import Path

    football = Path(str(tmp_path)) / "final.txt"
    football.write_text(
        "title: Late goal wins the cup final\n---\n"
        + "The home side scored a late goal in the cup final on Saturday night, and the "
        "supporters of the club celebrated in the streets of the city until the morning. " * 4
    )
    seeds = sorted(SEEDS.glob("*.txt"))

    async def size() -> int:
        async with services.sessions.begin() as session:
            context = await queries.ingest_context(session, "no such article", [])
            return context.story_size

    await ingest_all(services, *map(str, seeds[:3]))
    await ingest_all(services, str(football), force=True)
    assert await size() == 3
    async with services.sessions.begin() as session:  # as a store filled before it was kept
        await session.execute(text("DELETE FROM store_state WHERE key = 'story_size'"))
    assert await size() == 3
    await ingest_all(services, *map(str, seeds[3:]))
    assert await size() == 5
    async with services.sessions() as session:
        await _assert_kept_counts_are_full_counts(session)
        assert await queries.count_articles(session) == 6
