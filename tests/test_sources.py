"""Feed polling against an httpx.MockTransport: RSS, article pages, ETag/304 and backoff."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from collections import Counter
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import cli
from bot.app import Services, open_services
from bot.sources import POLL_LEASE, SourceService, backoff, html_paragraphs
from store import queries
from store import sources as source_queries
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
FEED_URL = "http://news.test/feed.xml"


def rss(items: list[int]) -> str:
    entries = "".join(
        f"<item><title>Story {i}</title><link>http://news.test/story/{i}</link>"
        f"<guid>story-{i}</guid></item>"
        for i in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>'
        f"<link>http://news.test/</link>{entries}</channel></rss>"
    )


INLINE_FEED_URL = "http://news.test/inline.xml"


def as_html(path: Path) -> str:
    """A seed article as the HTML a feed embeds, escaped for the XML around it."""
    paragraphs = [p for p in path.read_text().split("\n\n") if p.strip()]
    return html.escape("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))


def inline_rss() -> str:
    """Entries whose text is in the feed: no link, a dead link, a link to an image, a teaser."""

    def item(title: str, guid: int, link: str = "", extra: str = "") -> str:
        link = f"<link>http://news.test/{link}</link>" if link else ""
        return (
            f"<item><title>{title}</title>{link}"
            f"<guid isPermaLink='false'>inline-{guid}</guid>{extra}</item>"
        )

    items = [
        item("No link", 0, extra="<pubDate>Tue, 03 Feb 2026 10:00:00 GMT</pubDate>"
             f"<description>{as_html(SEED_FILES[0])}</description>"),
        item("Dead link", 1, "gone/1", f"<content:encoded>{as_html(SEED_FILES[1])}"
             "</content:encoded><description>a teaser</description>"),
        item("Image", 2, "image/2", f"<description>{as_html(SEED_FILES[2])}</description>"),
        item("Teaser", 3, "story/3",
             "<description>Only a line: read the whole story on the site.</description>"),
        item("Nothing", 4),
    ]  # fmt: skip
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Inline Wire</title><link>http://news.test/</link>{''.join(items)}"
        "</channel></rss>"
    )


class Site:
    """A news site: a feed with an ETag and one page per seed article; counts every GET."""

    def __init__(self) -> None:
        self.items = [0, 1]
        self.etag = '"v1"'
        self.hits: Counter[str] = Counter()
        self.broken = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.hits[url] += 1
        if self.broken:
            return httpx.Response(503, text="down")
        if url == FEED_URL:
            if request.headers.get("if-none-match") == self.etag:
                return httpx.Response(304, headers={"etag": self.etag})
            return httpx.Response(
                200, text=rss(self.items),
                headers={"content-type": "application/rss+xml", "etag": self.etag},
            )  # fmt: skip
        if url == INLINE_FEED_URL:
            return httpx.Response(
                200, text=inline_rss(), headers={"content-type": "application/rss+xml"}
            )
        if url.startswith("http://news.test/image/"):
            return httpx.Response(200, content=b"\x89PNG", headers={"content-type": "image/png"})
        if url.startswith("http://news.test/story/"):
            number = int(url.rsplit("/", 1)[1])
            return httpx.Response(
                200, text=SEED_FILES[number].read_text(),
                headers={"content-type": "text/plain; charset=utf-8"},
            )  # fmt: skip
        return httpx.Response(404, text="no such page")

    def page_hits(self) -> int:
        return sum(n for url, n in self.hits.items() if "/story/" in url)


@pytest.fixture
def site() -> Site:
    return Site()


def service(services: Services, site: Site, clock: dt.datetime | None = None) -> SourceService:
    return SourceService(
        services.sessions, services.ingestor, services.settings,
        transport=httpx.MockTransport(site.handle), clock=(lambda: clock) if clock else None,
    )  # fmt: skip


async def test_a_feed_is_read_at_once_and_its_articles_ingested(
    services: Services, site: Site
) -> None:
    result = await service(services, site).add(FEED_URL)
    assert result.report is not None and result.error is None
    report = result.report
    assert (report.source.kind, report.source.title) == ("feed", "Test Wire")
    assert (report.entries, report.new_entries, report.count("added")) == (2, 2, 2)
    assert await services.article_count() == 2


async def test_unchanged_feeds_answer_304_and_no_article_is_fetched_twice(
    services: Services, site: Site
) -> None:
    sources = service(services, site)
    added = await sources.add(FEED_URL)
    assert added.report is not None
    source_id = added.report.source.id
    assert (await sources.poll(source_id)).result == "not-modified"
    assert site.page_hits() == 2

    site.items, site.etag = [2, 1, 0], '"v2"'  # a new entry on top of the two known ones
    report = await sources.poll(source_id)
    assert (report.result, report.new_entries, report.count("added")) == ("fetched", 1, 1)
    assert site.hits["http://news.test/story/2"] == 1
    assert site.page_hits() == 3  # the known entries were not fetched again


async def test_entries_without_a_readable_page_are_read_from_the_feed_itself(
    services: Services, site: Site
) -> None:
    sources = service(services, site)
    result = await sources.add(INLINE_FEED_URL)
    assert result.report is not None
    report = result.report
    statuses = [o.status for o in report.outcomes]  # oldest (last) entry first
    assert statuses == ["skipped", "added", "added", "added", "added"], report.outcomes
    assert site.hits["http://news.test/story/3"] == 1  # a teaser's page is still read
    async with services.sessions() as session:
        urls = {await queries.article_id_by_url(session, f"http://news.test/{path}")
                for path in ("gone/1", "image/2", "story/3")}  # fmt: skip
    assert None not in urls and len(urls) == 3  # the entry's link is the article's address
    assert await services.article_count() == 4
    again = await sources.poll(report.source.id)  # nothing is read twice
    assert (again.entries, again.new_entries, again.outcomes) == (5, 0, ())
    assert site.hits["http://news.test/gone/1"] == 1 and await services.article_count() == 4


def test_feed_html_becomes_paragraphs() -> None:
    text = "<p>One &amp; <b>two</b></p><script>x()</script><div>three<br>four</div>"
    assert html_paragraphs(text) == ["One & two", "three", "four"]
    assert html_paragraphs("plain first\n\nplain  second") == ["plain first", "plain second"]


@given(st.text())
def test_any_escaped_text_comes_back_as_its_words(text: str) -> None:
    paragraphs = html_paragraphs(f"<p>{html.escape(text)}</p>")
    assert " ".join(paragraphs).split() == text.split()


async def test_a_failing_source_backs_off_exponentially(services: Services, site: Site) -> None:
    start = dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC)
    sources = service(services, site, clock=start)
    added = await sources.add(FEED_URL, interval_seconds=600)
    assert added.report is not None
    site.broken = True
    waits = []
    for _ in range(3):
        report = await sources.poll(added.report.source.id)
        assert report.result == "error" and "HTTP 503" in (report.error or "")
        assert report.source.next_fetch_at is not None
        waits.append(report.source.next_fetch_at - start)
    assert waits == [backoff(600, 1), backoff(600, 2), backoff(600, 3)]
    assert waits == [dt.timedelta(minutes=20), dt.timedelta(minutes=40), dt.timedelta(minutes=80)]
    assert await sources.poll_due(start + dt.timedelta(minutes=30)) == []
    site.broken = False
    (report,) = await sources.poll_due(start + dt.timedelta(hours=2))
    assert report.source.failures == 0 and report.source.last_error is None
    assert backoff(600, 30) == dt.timedelta(hours=24)


async def test_a_first_fetch_that_fails_adds_nothing(services: Services, site: Site) -> None:
    result = await service(services, site).add("http://news.test/missing")
    assert result.report is not None and result.report.result == "error"
    async with services.sessions() as session:
        assert await source_queries.list_sources(session) == []


async def test_a_web_page_source_is_ingested_as_an_article(services: Services, site: Site) -> None:
    result = await service(services, site).add("http://news.test/story/3")
    assert result.report is not None
    assert result.report.source.kind == "page"
    assert result.report.count("added") == 1
    again = await service(services, site).add("http://news.test/story/3")
    assert again.error is not None and "already" in again.error


async def test_the_command_line_lists_and_removes_sources(
    services: Services, site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    await service(services, site).add(FEED_URL)
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert await run_cli(["sources", "list"]) == 0
    assert "Test Wire" in capsys.readouterr().out
    assert await run_cli(["sources", "remove", "1"]) == 0
    assert "Removed #1" in capsys.readouterr().out
    assert await run_cli(["sources", "remove", "1"]) == 1


async def run_cli(argv: list[str]) -> int:
    """`storybot ...` in a worker thread (it runs its own event loop)."""
    import asyncio

    return await asyncio.to_thread(cli.main, argv)


async def test_two_pollers_on_one_store_fetch_each_due_source_once(
    services: Services, site: Site
) -> None:
    start = dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC)
    pages = [f"http://news.test/story/{n}" for n in range(4)]
    for url in pages:
        assert (await service(services, site, clock=start).add(url)).error is None
    assert all(site.hits[url] == 1 for url in pages)

    later = start + dt.timedelta(hours=2)
    async with (
        open_services(services.settings) as first,
        open_services(services.settings) as second,
    ):
        pollers = [service(opened, site, clock=later) for opened in (first, second)]
        reports = await asyncio.gather(*(p.poll_due(later) for p in pollers))
    polled = sorted(r.source.url for batch in reports for r in batch)
    assert polled == sorted(pages)
    assert all(site.hits[url] == 2 for url in pages)  # the first fetch and one poll


async def test_a_poller_that_stops_gives_its_sources_back_after_the_lease(
    services: Services, site: Site
) -> None:
    start = dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC)
    assert (await service(services, site, clock=start).add(FEED_URL)).error is None
    due = start + dt.timedelta(hours=2)
    async with services.sessions.begin() as session:
        taken = await source_queries.claim_due_sources(session, due, due + POLL_LEASE)
    assert [row.url for row in taken] == [FEED_URL]  # and this poller never finishes
    async with services.sessions.begin() as session:
        assert await source_queries.claim_due_sources(session, due, due + POLL_LEASE) == []
        back = due + POLL_LEASE
        again = await source_queries.claim_due_sources(session, back, back + POLL_LEASE)
    assert [row.url for row in again] == [FEED_URL]
