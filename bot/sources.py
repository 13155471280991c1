"""Polled sources: RSS/Atom feeds and web pages, fetched conditionally, with backoff on failure."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.feeds import parse_feed
from bot.fetch import Fetcher, FetchError, RawArticle, fetcher, is_url
from bot.ingest import Ingestor, IngestOutcome
from store import queries
from store import sources as source_queries
from store.sources import SourceRow

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=24)
ENTRIES_PER_POLL = 30
ENTRY_ATTEMPTS = 3  # an entry whose page keeps failing is given up after this many tries
MIN_INTERVAL_SECONDS = 60
# How long a poller holds the sources it took: one that stops mid-poll gives them back after this.
POLL_LEASE = dt.timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SourceStatus:
    id: int
    url: str
    kind: str
    title: str | None
    interval_seconds: int
    last_fetch_at: dt.datetime | None
    last_ok_at: dt.datetime | None
    next_fetch_at: dt.datetime | None
    failures: int
    last_error: str | None
    articles: int


@dataclass(frozen=True, slots=True)
class PollReport:
    source: SourceStatus
    result: str  # "fetched", "not-modified" or "error"
    entries: int = 0  # entries in the feed
    new_entries: int = 0  # entries not seen before
    outcomes: tuple[IngestOutcome, ...] = ()
    error: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


@dataclass(frozen=True, slots=True)
class AddResult:
    report: PollReport | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int  # 200 or 304
    data: bytes = b""
    url: str = ""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def backoff(interval_seconds: int, failures: int) -> dt.timedelta:
    """Wait after `failures` failed fetches in a row: the interval doubled each time, capped."""
    if failures <= 0:
        return dt.timedelta(seconds=interval_seconds)
    return min(dt.timedelta(seconds=interval_seconds * 2 ** min(failures, 16)), MAX_BACKOFF)


def entry_key(entry: Any) -> str:
    ident = entry.get("id") or entry.get("link") or entry.get("title") or ""
    return hashlib.sha256(str(ident).encode()).hexdigest()


def looks_like_feed(fetched: Fetched) -> bool:
    kind = (fetched.content_type or "").lower()
    if any(word in kind for word in ("rss", "atom", "xml")):
        return True
    head = fetched.data[:500].lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf"))


_BLANK_LINE = re.compile(r"\n\s*\n")


class _TextOfHTML(HTMLParser):
    """Paragraphs of an HTML fragment: block elements end a paragraph, scripts are dropped."""

    BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                        "blockquote", "section", "article", "tr", "figcaption"})  # fmt: skip
    HIDDEN = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag in self.BLOCKS:
            self.end_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCKS:
            self.end_paragraph()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._words.append(data)

    def end_paragraph(self) -> None:
        for block in _BLANK_LINE.split("".join(self._words)):  # plain text keeps its paragraphs
            if text := " ".join(block.split()):
                self.paragraphs.append(text)
        self._words = []


def html_paragraphs(fragment: str) -> list[str]:
    parser = _TextOfHTML()
    parser.feed(fragment)
    parser.close()
    parser.end_paragraph()
    return parser.paragraphs


def _one_line(value: object, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def inline_article(
    entry: Any, link: str | None, feed_url: str, feed_title: str | None
) -> RawArticle | None:
    """The article a feed entry carries itself (its content, else its summary), as a text
    article with a metadata header; None when the entry carries no text."""
    bodies = [str(c.get("value") or "") for c in entry.get("content") or []]
    bodies.append(str(entry.get("summary") or ""))
    paragraphs = html_paragraphs(max(bodies, key=len))
    if not paragraphs:
        return None
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = dt.date(*stamp[:3]).isoformat() if stamp else ""
    header = {
        "title": _one_line(entry.get("title"), 500),
        "url": link or "",
        "outlet": _one_line(feed_title, 200),
        "published": published,
        "author": _one_line(entry.get("author"), 200),
    }
    lines = [f"{key}: {value}" for key, value in header.items() if value]
    text = (
        "\n".join([*lines, "---", "", "\n\n".join(paragraphs)])
        if lines
        else "\n\n".join(paragraphs)
    )
    name = link or f"{feed_url}#{entry_key(entry)[:12]}"
    return RawArticle(text.encode(), name, link, "text/plain; charset=utf-8")


async def conditional_get(
    web: Fetcher, url: str, etag: str | None, last_modified: str | None
) -> Fetched:
    """GET with If-None-Match / If-Modified-Since: 304 when nothing changed."""
    conditions = {}
    if etag:
        conditions["If-None-Match"] = etag
    if last_modified:
        conditions["If-Modified-Since"] = last_modified
    reply = await web.get(url, conditions)
    if reply.status == 304:
        return Fetched(304, url=reply.url, etag=etag, last_modified=last_modified)
    return Fetched(
        200,
        reply.data,
        reply.url,
        reply.headers.get("content-type"),
        reply.headers.get("etag"),
        reply.headers.get("last-modified"),
        reply.headers,
    )


def _status(row: SourceRow) -> SourceStatus:
    return SourceStatus(
        row.id,
        row.url,
        row.kind,
        row.title,
        row.interval_seconds,
        row.last_fetch_at,
        row.last_ok_at,
        row.next_fetch_at,
        row.failures,
        row.last_error,
        row.articles_added,
    )


class SourceService:
    """Adds, lists, removes and polls sources; new articles go through the Ingestor."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ingestor: Ingestor,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._sessions = sessions
        self._ingestor = ingestor
        self._settings = settings
        self._transport = transport
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    async def add(self, url: str, interval_seconds: int | None = None) -> AddResult:
        """Add a feed or page and fetch it once now; a source whose first fetch fails is dropped."""
        url = url.strip()
        if not is_url(url):
            return AddResult(error="Give an http(s) address of a feed or a web page.")
        interval = max(MIN_INTERVAL_SECONDS, interval_seconds or self._settings.source_poll_seconds)
        async with self._sessions.begin() as session:
            row = await source_queries.add_source(
                session, url[:2000], "feed", interval, self._clock()
            )
        if row is None:
            return AddResult(error="That address is already a source; /feeds shows its status.")
        report = await self.poll(row.id, first=True)
        if report.result == "error":
            async with self._sessions.begin() as session:
                await source_queries.remove_source(session, row.id)
        return AddResult(report)

    async def remove(self, ident: str) -> SourceStatus | None:
        async with self._sessions.begin() as session:
            row = (
                await source_queries.get_source(session, int(ident))
                if ident.isdigit()
                else await source_queries.source_by_url(session, ident.strip())
            )
            if row is None:
                return None
            await source_queries.remove_source(session, row.id)
        return _status(row)

    async def statuses(self) -> list[SourceStatus]:
        async with self._sessions() as session:
            return [_status(r) for r in await source_queries.list_sources(session)]

    async def poll_due(self, now: dt.datetime | None = None) -> list[PollReport]:
        """Fetch the sources that are due; several pollers on one store never fetch one source at
        the same time, as each takes its sources under a lease first."""
        now = now or self._clock()
        async with self._sessions.begin() as session:
            due = await source_queries.claim_due_sources(session, now, now + POLL_LEASE)
        return [await self.poll(row.id) for row in due]

    async def poll(self, source_id: int, *, first: bool = False) -> PollReport:
        async with self._sessions() as session:
            row = await source_queries.get_source(session, source_id)
        if row is None:
            raise KeyError(source_id)
        now = self._clock()
        async with fetcher(self._settings, self._transport) as web:
            try:
                fetched = await conditional_get(web, row.url, row.etag, row.last_modified)
                if fetched.status == 304:
                    return await self._done(row, now, "not-modified")
                if row.kind == "feed" and (not first or looks_like_feed(fetched)):
                    parsed = parse_feed(fetched.data, fetched.url, fetched.content_type)
                    if parsed.get("version") or parsed.entries:
                        return await self._feed(web, row, fetched, parsed, now)
                    if not first:
                        raise FetchError("the feed could not be read")
                return await self._page(row, fetched, now)
            except FetchError as exc:
                return await self._failed(row, now, str(exc))

    async def _feed(
        self,
        web: Fetcher,
        row: SourceRow,
        fetched: Fetched,
        parsed: Any,
        now: dt.datetime,
    ) -> PollReport:
        async with self._sessions() as session:
            known = await source_queries.known_entries(session, row.id)
        entries = list(parsed.entries)[:ENTRIES_PER_POLL]
        fresh = [
            e
            for e in reversed(entries)  # oldest first, so the story unfolds in order
            if (seen := known.get(entry_key(e))) is None
            or (seen[0] == "error" and seen[1] < ENTRY_ATTEMPTS)
        ]
        title = str(parsed.feed.get("title") or "")[:500] or row.title
        outcomes: list[IngestOutcome] = []
        for entry in fresh:
            outcomes.append(await self._entry(web, row, entry, title))
        return await self._done(
            row,
            now,
            "fetched",
            fetched=fetched,
            kind="feed",
            title=title,
            entries=len(parsed.entries),
            new_entries=len(fresh),
            outcomes=outcomes,
        )

    async def _entry(
        self, web: Fetcher, source: SourceRow, entry: Any, feed_title: str | None
    ) -> IngestOutcome:
        """The entry's linked page; when there is none, or it fails or holds no article, the
        text the feed itself carries for the entry."""
        key, link = entry_key(entry), str(entry.get("link") or "")
        outcome: IngestOutcome | None = None
        if is_url(link):
            async with self._sessions() as session:
                known_id = await queries.article_id_by_url(session, link)
            if known_id is not None:
                outcome = IngestOutcome(link, "duplicate", duplicate_of=known_id)
            else:
                try:
                    raw = await web.article(link)
                except FetchError as exc:
                    outcome = IngestOutcome(link, "error", reason=str(exc))
                else:
                    outcome = await self._ingestor.ingest_raw(raw, item=link)
        if outcome is None or outcome.status in ("error", "skipped"):
            inline = inline_article(entry, link if is_url(link) else None, source.url, feed_title)
            if inline is not None:
                from_feed = await self._ingestor.ingest_raw(inline, item=inline.name)
                if outcome is None or from_feed.status in ("added", "duplicate"):
                    outcome = from_feed
        if outcome is None:
            outcome = IngestOutcome(link or "(no link)", "skipped", reason="entry has no link")
        async with self._sessions.begin() as session:
            await source_queries.remember_entry(
                session,
                source.id,
                key,
                link,
                outcome.status,
                outcome.article_id or outcome.duplicate_of,
            )
        return outcome

    async def _page(self, row: SourceRow, fetched: Fetched, now: dt.datetime) -> PollReport:
        raw = RawArticle(fetched.data, fetched.url, fetched.url, fetched.content_type)
        outcome = await self._ingestor.ingest_raw(raw, item=row.url)
        return await self._done(
            row,
            now,
            "fetched",
            fetched=fetched,
            kind="page",
            title=outcome.title or row.title,
            entries=1,
            new_entries=1,
            outcomes=[outcome],
        )

    async def _done(
        self,
        row: SourceRow,
        now: dt.datetime,
        result: str,
        *,
        fetched: Fetched | None = None,
        kind: str | None = None,
        title: str | None = None,
        entries: int = 0,
        new_entries: int = 0,
        outcomes: list[IngestOutcome] | None = None,
    ) -> PollReport:
        outcomes = outcomes or []
        added = sum(1 for o in outcomes if o.status == "added")
        errors = [o.reason for o in outcomes if o.status == "error" and o.reason]
        values: dict[str, object] = {
            "last_fetch_at": now,
            "last_ok_at": now,
            "failures": 0,
            "next_fetch_at": now + backoff(row.interval_seconds, 0),
            "articles_added": row.articles_added + added,
            "last_error": f"{len(errors)} entries failed, e.g. {errors[0]}"[:500]
            if errors
            else None,
        }
        if fetched is not None:
            values.update(etag=fetched.etag, last_modified=fetched.last_modified)
        if kind:
            values["kind"] = kind
        if title:
            values["title"] = title[:500]
        async with self._sessions.begin() as session:
            await source_queries.update_source(session, row.id, **values)
            fresh = await source_queries.get_source(session, row.id)
        assert fresh is not None
        return PollReport(_status(fresh), result, entries, new_entries, tuple(outcomes))

    async def _failed(self, row: SourceRow, now: dt.datetime, error: str) -> PollReport:
        failures = row.failures + 1
        log.warning("source %s failed (%s in a row): %s", row.url, failures, error)
        async with self._sessions.begin() as session:
            await source_queries.update_source(
                session,
                row.id,
                last_fetch_at=now,
                failures=failures,
                last_error=error[:500],
                next_fetch_at=now + backoff(row.interval_seconds, failures),
            )
            fresh = await source_queries.get_source(session, row.id)
        assert fresh is not None
        return PollReport(_status(fresh), "error", error=error)
