"""Ingestion as a whole: transactions, fetching over HTTP, limits and odd input."""

from __future__ import annotations

import httpx
import pytest

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


async def test_claim_counts_kept_as_links_are_added_match_a_full_count(
    services: Services,
) -> None:
    from sqlalchemy import text

    await ingest_all(services, str(SEEDS))
    async with services.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT c.id, c.source_count, c.outlet_count, count(*), "
                "count(DISTINCT s.source_group) FROM claims c "
                "JOIN claim_sources s ON s.claim_id = c.id GROUP BY c.id"
            )
        )
        for claim_id, sources, outlets, counted, distinct_outlets in rows:
            assert (sources, outlets) == (counted, distinct_outlets), claim_id
