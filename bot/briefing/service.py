"""The briefing services: summary, quotes, timeline, sources and search, from the fact store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections import OrderedDict
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.views import (
    ArticleView,
    EventView,
    KeyPoint,
    Overview,
    QuotesPage,
    QuoteView,
    SearchHit,
    SearchResults,
    SourceList,
    SourceRef,
    SpeakerChoice,
    SpeakerList,
    SpeakerView,
    Summary,
    TimelinePage,
)
from bot.pipeline.dates import FuzzyDate, Precision
from bot.pipeline.speakers import match_name
from bot.pipeline.text import fold
from store import queries

KEY_POINTS = 7
QUOTES_PER_PAGE = 5
EVENTS_PER_PAGE = 10
SOURCES_PER_PAGE = 15
# The summary's lists: (name, status, at least this many outlets, at most this many claims).
SUMMARY_BUCKETS = (
    ("top", None, 2, KEY_POINTS),
    ("disputed", "disputed", 1, 5),
    ("single", "single-source", 1, 3),
)
CONFIDENT_MATCH = 88.0  # a fuzzy name score at which we answer without asking "did you mean"
PAGES_KEPT = 256  # answers kept per kind for the current picture; the least recently asked go
# Snippets kept across pictures: for this many searches (the least recently asked go), this
# many articles each (the longest unshown go).
SEARCHES_KEPT = 512
SNIPPETS_PER_SEARCH = 32

T = TypeVar("T")


class PictureCache(Generic[T]):
    """Answers that hold for one picture version: asking with any other version empties it,
    and beyond `size` answers the least recently asked is forgotten."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self._size = size
        self._version: int | None = None
        self._answers: OrderedDict[object, T] = OrderedDict()

    def get(self, version: int, key: object) -> T | None:
        if version != self._version:
            self._version = version
            self._answers.clear()
            return None
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def put(self, version: int, key: object, answer: T) -> None:
        if version != self._version:
            self._version = version
            self._answers.clear()
        self._answers[key] = answer
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)


class Briefing:
    """Answers the reader's questions from the store; every method opens its own short session.

    The overview, the list of speakers, the plain summary, the pages readers turn to (a
    speaker's quotes, the timeline) and recent searches are kept in memory for as long as the
    store's picture version stays the same: every ingest bumps it, so one cheap read of the
    version tells whether they still hold.
    A caller that has just read the version (the chat's state carries it) passes it as
    `picture`, and a kept answer then costs no statement at all.
    What holds beyond one picture is kept across them, each with what it depends on: the
    source groups counted so far (brought up to date from the articles added since), a name's
    matches (while the speakers' names stay the same), and search snippets (an article's text
    never changes).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._overview: tuple[int, tuple[int, int, dt.date | None]] | None = None
        self._speakers: tuple[int, list[queries.SpeakerRow]] | None = None
        self._summary: tuple[int, Summary] | None = None  # the plain summary, per picture
        self._quotes: PictureCache[QuotesPage | SpeakerChoice | SpeakerList] = PictureCache()
        self._timeline: PictureCache[TimelinePage] = PictureCache()
        self._searches: PictureCache[SearchResults] = PictureCache()
        self._snippets = SnippetCache()
        self._matches = NameMatches()
        self._outlets = OutletTally()

    async def _store_overview(
        self, session: AsyncSession, version: int | None = None
    ) -> tuple[int, int, dt.date | None]:
        if version is None:
            version = await queries.picture_version(session)
        if self._overview is None or self._overview[0] != version:
            self._overview = (version, await queries.store_overview(session))
        return self._overview[1]

    async def _all_speakers(
        self, session: AsyncSession, version: int | None = None
    ) -> list[queries.SpeakerRow]:
        if version is None:
            version = await queries.picture_version(session)
        if self._speakers is None or self._speakers[0] != version:
            self._speakers = (version, await queries.all_speakers(session))
        return self._speakers[1]

    async def overview(self) -> Overview:
        async with self._sessions() as session:
            articles, outlets, newest = await self._store_overview(session)
            top = await queries.ranked_claims(session, limit=1)
        return Overview(articles, outlets, newest, top[0].text if top else None)

    async def summary(
        self, *, since: dt.datetime | None = None, picture: int | None = None
    ) -> Summary:
        """Key points by corroboration; `since` adds the claims that changed after it.

        Points carry no sources here (a summary shows counts); `key_point` expands one. The
        plain summary is kept per picture, so after an ingest every chat that looks again
        shares it and reads only what changed since its own last look.
        """
        kept = self._summary
        if since is None and kept is not None and picture is not None and kept[0] == picture:
            return kept[1]  # what most readers ask for: the picture they have just read
        async with self._sessions() as session:
            version = picture if picture is not None else await queries.picture_version(session)
            kept = self._summary
            if kept is not None and kept[0] == version:
                plain = kept[1]
            else:
                plain = await self._plain_summary(session, version)
                self._summary = (version, plain)
            if since is None:
                return plain
            changed = await queries.claims_changed_since(session, since)
            conflicts = await queries.claim_conflicts(session, [c.id for c in changed])
        return dataclasses.replace(plain, changed=tuple(_point(c, conflicts) for c in changed))

    async def _plain_summary(self, session: AsyncSession, version: int) -> Summary:
        tally = self._outlets
        read = await queries.summary_read(session, SUMMARY_BUCKETS, after_id=tally.last_id)
        outlets = await tally.update(session, read)
        self._overview = (version, (read.articles, outlets, read.newest))
        ranked, conflicts = read.buckets, read.conflicts
        return Summary(
            points=tuple(_point(c, conflicts) for c in ranked["top"]),
            single_source=tuple(_point(c, conflicts) for c in ranked["single"]),
            disputed=tuple(_point(c, conflicts) for c in ranked["disputed"]),
            articles=read.articles,
            outlets=outlets,
            newest=read.newest,
        )

    async def key_point(self, claim_id: int) -> KeyPoint | None:
        """One point with every article behind it."""
        async with self._sessions() as session:
            claim = await queries.get_claim(session, claim_id)
            if claim is None:
                return None
            sources = await queries.claim_sources(session, [claim_id])
            conflicts = await queries.claim_conflicts(session, [claim_id])
        return KeyPoint(
            claim.id, claim.text, claim.status, claim.outlet_count,
            tuple(_source_ref(s) for s in sources.get(claim_id, [])),
            tuple(dict.fromkeys(conflicts.get(claim_id, []))),
        )  # fmt: skip

    async def speakers(self) -> SpeakerList:
        async with self._sessions() as session:
            rows = await self._all_speakers(session)
        return SpeakerList(tuple(_speaker_view(r) for r in rows if r.quote_count))

    async def quotes(
        self, query: str, *, page: int = 1, picture: int | None = None
    ) -> QuotesPage | SpeakerChoice | SpeakerList:
        """Quotes of the speaker best matching `query`; a choice when the match is unsure."""
        key = ("query", query, page)
        if picture is not None and (kept := self._quotes.get(picture, key)) is not None:
            return kept
        async with self._sessions() as session:
            version = picture if picture is not None else await queries.picture_version(session)
            answer = await self._quotes_for(session, version, query, page)
        self._quotes.put(version, key, answer)
        return answer

    async def _quotes_for(
        self, session: AsyncSession, version: int, query: str, page: int
    ) -> QuotesPage | SpeakerChoice | SpeakerList:
        speakers = [s for s in await self._all_speakers(session, version) if s.quote_count]
        if not query.strip():
            return SpeakerList(tuple(_speaker_view(s) for s in speakers))
        ranked = self._matches.ranked(query, speakers)
        by_id = {str(s.id): s for s in speakers}
        if not ranked:
            return SpeakerChoice(query, ())
        best_id, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best_score < CONFIDENT_MATCH or best_score - runner_up < 5:
            return SpeakerChoice(query, tuple(_speaker_view(by_id[i]) for i, _ in ranked[:4]))
        speaker = by_id[best_id]
        return await self._quotes_page(session, speaker, page)

    async def quotes_of(
        self, speaker_id: int, *, page: int = 1, picture: int | None = None
    ) -> QuotesPage | None:
        key = ("speaker", speaker_id, page)
        if picture is not None and isinstance(kept := self._quotes.get(picture, key), QuotesPage):
            return kept
        async with self._sessions() as session:
            version = picture if picture is not None else await queries.picture_version(session)
            speaker = await queries.get_speaker(session, speaker_id)
            if speaker is None or not speaker.quote_count:
                return None
            answer = await self._quotes_page(session, speaker, page)
        self._quotes.put(version, key, answer)
        return answer

    async def _quotes_page(
        self, session: AsyncSession, speaker: queries.SpeakerRow, page: int
    ) -> QuotesPage:
        pages = max(1, math.ceil(speaker.quote_count / QUOTES_PER_PAGE))
        page = min(max(1, page), pages)
        rows, total = await queries.quotes_page(
            session, speaker.id, (page - 1) * QUOTES_PER_PAGE, QUOTES_PER_PAGE,
            total=speaker.quote_count,
        )  # fmt: skip
        pages = max(1, math.ceil(total / QUOTES_PER_PAGE))
        quotes = tuple(
            QuoteView(q.text, q.partial, tuple(_source_ref(s) for s in q.sources)) for q in rows
        )
        return QuotesPage(_speaker_view(speaker), quotes, page, pages)

    async def timeline(self, *, page: int = 1, picture: int | None = None) -> TimelinePage:
        if picture is not None and (kept := self._timeline.get(picture, page)) is not None:
            return kept
        async with self._sessions() as session:
            version = picture if picture is not None else await queries.picture_version(session)
            answer = await self._timeline_page(session, version, page)
        self._timeline.put(version, page, answer)
        return answer

    async def _timeline_page(self, session: AsyncSession, version: int, page: int) -> TimelinePage:
        rows, total, page = await queries.timeline_with_count(session, page, EVENTS_PER_PAGE)
        pages = max(1, math.ceil(total / EVENTS_PER_PAGE))
        events = tuple(
            EventView(
                text=e.text,
                date_label=_date_label(e),
                date=e.date,
                precision=e.precision,
                sources=e.source_count,
                inferred=e.inferred,
                disputed=e.disputed,
            )
            for e in rows
        )
        return TimelinePage(events, page, pages, total)

    async def sources(self, *, page: int = 1) -> SourceList:
        async with self._sessions() as session:
            total, outlets, _ = await self._store_overview(session)
            pages = max(1, math.ceil(total / SOURCES_PER_PAGE))
            page = min(max(1, page), pages)
            rows = await queries.source_rows(
                session, (page - 1) * SOURCES_PER_PAGE, SOURCES_PER_PAGE
            )
        articles = tuple(_article_view(s, title, status) for s, title, status in rows)
        return SourceList(articles, outlets, page, pages, total)

    async def search(
        self, text: str, *, limit: int = 8, picture: int | None = None
    ) -> SearchResults:
        terms = [w for w in fold(text).split() if len(w) > 1][:8]
        if not terms:
            return SearchResults(text, ())
        key = (text, limit)
        if picture is not None and (kept := self._searches.get(picture, key)) is not None:
            return kept
        words = tuple(terms)
        known = self._snippets.of(words)
        async with self._sessions() as session:
            version = picture if picture is not None else await queries.picture_version(session)
            rows = await queries.search_articles(session, terms, limit=limit, known=known)
        snippets = {
            r.source.article_id: known[r.source.article_id] if r.snippet is None else r.snippet
            for r in rows
        }
        self._snippets.keep(words, snippets)
        hits = tuple(
            SearchHit(_article_view(r.source, r.title, "original"), snippets[r.source.article_id])
            for r in rows
        )
        answer = SearchResults(text, hits)
        self._searches.put(version, key, answer)
        return answer


class OutletTally:
    """The source groups (independent outlets) of the articles counted so far, brought up to
    date from the articles added since, so the count costs a read of the new articles only.

    Articles are never deleted and a stored article keeps its group, so the groups can only
    grow, by the groups of new articles. All of those have an id above the highest counted
    when as many articles sit above it as the store's count has grown by (an article given a
    lower id that committed later would break the equality); otherwise, and when more were
    added than a summary reads beside it, the groups are read again in full."""

    def __init__(self) -> None:
        self._groups: frozenset[str] = frozenset()
        self._articles = -1  # none counted yet
        self.last_id = 0

    async def update(self, session: AsyncSession, read: queries.SummaryRead) -> int:
        grown = read.articles - self._articles
        if self._articles < 0 or grown < 0 or read.added != grown or grown > queries.NEW_GROUPS:
            self._groups = await queries.outlet_groups(session)
        else:
            self._groups |= read.new_groups
        self._articles, self.last_id = read.articles, read.last_id
        return len(self._groups)


class NameMatches:
    """The speakers matching a name, for as long as the speakers and their names stay the
    same: matching reads nothing else, so a new picture with the same speakers (the usual
    ingest adds quotes to known people) matches the same."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self._size = size
        self._speakers: tuple[tuple[int, str, tuple[str, ...]], ...] = ()
        self._ranked: OrderedDict[str, list[tuple[str, float]]] = OrderedDict()

    def ranked(self, query: str, speakers: list[queries.SpeakerRow]) -> list[tuple[str, float]]:
        names = tuple((s.id, s.name, s.aliases) for s in speakers)
        if names != self._speakers:
            self._speakers = names
            self._ranked.clear()
        found = self._ranked.get(query)
        if found is None:
            choices = [(str(s.id), (s.name, *s.aliases)) for s in speakers]
            found = self._ranked[query] = match_name(query, choices, cutoff=60)
            while len(self._ranked) > self._size:
                self._ranked.popitem(last=False)
        else:
            self._ranked.move_to_end(query)
        return found


class SnippetCache:
    """Snippets by search words and article, kept whatever the picture: an article's text never
    changes once stored, so neither does its snippet for the same words, and a search works
    out snippets only for the hits it has not shown for these words before."""

    def __init__(self, searches: int = SEARCHES_KEPT, per_search: int = SNIPPETS_PER_SEARCH):
        self._searches = searches
        self._per_search = per_search
        self._snippets: OrderedDict[tuple[str, ...], dict[int, str]] = OrderedDict()

    def of(self, words: tuple[str, ...]) -> dict[int, str]:
        """The snippets kept for `words`, by article id (a copy)."""
        found = self._snippets.get(words)
        if found is None:
            return {}
        self._snippets.move_to_end(words)
        return dict(found)

    def keep(self, words: tuple[str, ...], snippets: dict[int, str]) -> None:
        found = self._snippets.setdefault(words, {})
        self._snippets.move_to_end(words)
        for article_id, snippet in snippets.items():
            found.pop(article_id, None)
            found[article_id] = snippet  # the latest shown last
        while len(found) > self._per_search:
            del found[next(iter(found))]
        while len(self._snippets) > self._searches:
            self._snippets.popitem(last=False)


def _point(claim: queries.ClaimView, conflicts: dict[int, list[str]]) -> KeyPoint:
    """A summary's point: counts, no sources; each reason for a conflict once."""
    reasons = tuple(dict.fromkeys(conflicts.get(claim.id, [])))
    return KeyPoint(claim.id, claim.text, claim.status, claim.outlet_count, (), reasons)


def _source_ref(row: queries.SourceRow) -> SourceRef:
    return SourceRef(
        row.article_id,
        outlet_name(row.outlet, row.url, row.article_id),
        row.published,
        row.inferred,
    )


def outlet_name(outlet: str | None, url: str | None, article_id: int) -> str:
    if outlet:
        return outlet
    if url:
        host = re.sub(r"^www\.", "", url.split("//", 1)[-1].split("/", 1)[0])
        if host:
            return host
    return f"article #{article_id}"


def _speaker_view(row: queries.SpeakerRow) -> SpeakerView:
    return SpeakerView(row.id, row.name, row.role, row.quote_count)


def _article_view(row: queries.SourceRow, title: str | None, status: str) -> ArticleView:
    return ArticleView(
        row.article_id, title, outlet_name(row.outlet, row.url, row.article_id), row.url,
        row.published, row.inferred, status,
    )  # fmt: skip


def _date_label(event: queries.EventWithSources) -> str:
    if event.date is None or event.precision is None:
        return "undated"
    date = FuzzyDate.from_iso(event.date, event.precision, approximate=event.approximate)
    if event.precision == Precision.SEASON and event.season:
        date = FuzzyDate(date.year, season=event.season, precision=Precision.SEASON,
                         approximate=event.approximate)  # fmt: skip
    return date.label()
