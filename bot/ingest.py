"""Ingestion: read a source, analyse the article, load its facts in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal

import httpx
from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.fetch import (
    FetchError,
    RawArticle,
    expand_paths,
    fetch_url,
    http_client,
    is_url,
    read_file,
)
from bot.pipeline import claims as claim_rules
from bot.pipeline.dates import FuzzyDate
from bot.pipeline.documents import Document, UnreadableDocument, parse_document
from bot.pipeline.events import (
    SAME_EVENT,
    EventCandidate,
    dates_compatible,
    event_similarity,
    extract_events,
    more_precise,
)
from bot.pipeline.fingerprint import (
    COPY_CONTAINMENT,
    REWRITE_SCORE,
    containment,
    content_hash,
    rewrite_score,
    shingles,
)
from bot.pipeline.quotes import ExtractedQuote, extract_quotes
from bot.pipeline.relevance import article_terms, relevance
from bot.pipeline.speakers import Person, find_people, speaker_key
from bot.pipeline.text import fold
from store import queries

log = logging.getLogger(__name__)

Status = Literal["added", "duplicate", "skipped", "error"]
BORROW_DATE_EVIDENCE = 3  # shared quotes count 3, shared claims 1: how much makes "the same event"
UNDATED_SORT_KEY = 99_999_999
CLAIM_LOOKUP_TERMS = 8
MIN_ARTICLE_CHARS = 200  # less text than this is a teaser or an error page, not an article


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What happened to one item, as reported to the person who asked."""

    item: str
    status: Status
    title: str | None = None
    article_id: int | None = None
    duplicate_of: int | None = None
    reason: str | None = None
    note: str | None = None

    def line(self) -> str:
        title = f"  {self.title}" if self.title else ""
        if self.status == "added":
            head = f"added #{self.article_id}" + (f" ({self.note})" if self.note else "")
        elif self.status == "duplicate":
            head = f"duplicate of {self.duplicate_of}"
        else:
            head = f"{self.status}: {self.reason}"
        return f"{head}{title}  [{self.item}]"


class Ingestor:
    """Turns articles into facts. One instance per process; sessions are opened per article."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

    async def ingest(
        self, items: Sequence[str], *, force: bool = False
    ) -> AsyncIterator[IngestOutcome]:
        """Ingest files, directories and URLs one by one, yielding an outcome per article."""
        expanded = list(expand_paths(list(items)))
        client: httpx.AsyncClient | None = None
        try:
            for item in expanded:
                try:
                    if is_url(item):
                        client = client or http_client(self._settings.fetch_timeout_seconds)
                        raw = await fetch_url(client, item, self._settings.fetch_max_bytes)
                    else:
                        raw = read_file(item, self._settings.fetch_max_bytes)
                except FetchError as exc:
                    yield IngestOutcome(item, "error", reason=str(exc))
                    continue
                yield await self.ingest_raw(raw, item=item, force=force)
        finally:
            if client is not None:
                await client.aclose()

    async def ingest_raw(self, raw: RawArticle, *, item: str, force: bool = False) -> IngestOutcome:
        try:
            document = parse_document(
                raw.data, source_name=raw.name, url=raw.url, content_type=raw.content_type
            )
        except UnreadableDocument as exc:
            return IngestOutcome(item, "error", reason=str(exc))
        except Exception as exc:  # a parser bug must not stop a batch
            log.exception("could not parse %s", item)
            return IngestOutcome(item, "error", reason=f"unreadable article ({type(exc).__name__})")
        return await self.ingest_document(document, item=item, force=force)

    async def ingest_document(
        self, document: Document, *, item: str, force: bool = False
    ) -> IngestOutcome:
        title = document.title
        if sum(len(p) for p in document.paragraphs) < MIN_ARTICLE_CHARS:
            return IngestOutcome(item, "skipped", title, reason="no article text found")
        if not document.english and not force:
            return IngestOutcome(item, "skipped", title, reason="not in English")
        try:
            async with self._sessions.begin() as session:
                return await ArticleLoader(session, self._settings).load(document, item, force)
        except Exception as exc:  # the transaction is rolled back: no half article
            log.exception("could not store %s", item)
            return IngestOutcome(
                item, "error", title, reason=f"could not store ({type(exc).__name__})"
            )


class ArticleLoader:
    """Loads one analysed article inside the caller's transaction."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    async def load(self, document: Document, item: str, force: bool) -> IngestOutcome:
        title = document.title
        digest = content_hash(document.paragraphs)
        if (existing := await queries.article_id_by_hash(self.session, digest)) is not None:
            return IngestOutcome(item, "duplicate", title, duplicate_of=existing)

        terms = article_terms(document.paragraphs)
        profile, story_size = await queries.story_profile(self.session, terms)
        score = relevance(terms, profile, story_size)
        off_topic = score < self.settings.relevance_threshold
        if off_topic and not force:
            return IngestOutcome(
                item, "skipped", title, reason=f"off-topic (relevance {score:.2f})"
            )

        copy_of, rewrite_of = await self._find_copy(document, terms)
        if copy_of is not None:
            return IngestOutcome(item, "duplicate", title, duplicate_of=copy_of.id)

        status = "forced" if off_topic else "rewrite" if rewrite_of else "original"
        group = rewrite_of.source_group if rewrite_of else source_group_of(document)
        article_id = await queries.add_article(
            self.session,
            url=document.url,
            outlet=document.outlet,
            title=document.title,
            author=document.author,
            published=document.published,
            published_inferred=False,
            status=status,
            rewrite_of=rewrite_of.id if rewrite_of else None,
            source_group=group or "",
            content_hash=digest,
            relevance=round(score, 4),
            body="\n".join(document.paragraphs),
            word_count=sum(len(p.split()) for p in document.paragraphs),
        )
        if not group:
            await self._set_own_group(article_id)
            group = f"#{article_id}"
        await queries.add_article_terms(self.session, article_id, terms)
        if not off_topic:
            await queries.add_to_story_profile(self.session, terms)

        await self._load_quotes(article_id, document)
        await self._load_claims(article_id, document, group)
        anchor, inferred = document.published, False
        if anchor is None:
            anchor = await self._borrow_date(article_id)
            inferred = anchor is not None
        await self._load_events(article_id, document.paragraphs, anchor, inferred)
        if document.published is not None:
            await self._date_undated_neighbours(article_id, document.published)
        await queries.bump_picture_version(self.session)

        note = (
            f"rewrite of #{rewrite_of.id}"
            if rewrite_of
            else "off-topic, forced"
            if off_topic
            else None
        )
        if inferred and anchor:
            note = ", ".join(filter(None, [note, f"date inferred {anchor.isoformat()}"]))
        return IngestOutcome(item, "added", title, article_id=article_id, note=note)

    # Copies and rewrites

    async def _find_copy(
        self, document: Document, terms: Counter[str]
    ) -> tuple[queries.ArticleRow | None, queries.ArticleRow | None]:
        """An article this one copies (syndication) or retells (a rewrite), if any."""
        candidates = await queries.articles_sharing_terms(
            self.session, list(terms), minimum=max(3, len(terms) // 3)
        )
        if not candidates:
            return None, None
        mine = shingles(" ".join(document.paragraphs))
        story = await queries.story_profile(self.session, terms)
        best_rewrite: tuple[float, queries.ArticleRow] | None = None
        for candidate in candidates:
            old_paragraphs = candidate.body.split("\n")
            if containment(mine, shingles(candidate.body)) >= COPY_CONTAINMENT:
                return candidate, None
            vocabulary = (terms, article_terms(old_paragraphs))
            score = rewrite_score(document.paragraphs, old_paragraphs, vocabulary, story)
            if score >= REWRITE_SCORE and (best_rewrite is None or score > best_rewrite[0]):
                best_rewrite = (score, candidate)
        return None, best_rewrite[1] if best_rewrite else None

    async def _set_own_group(self, article_id: int) -> None:
        await queries.set_source_group(self.session, article_id, f"#{article_id}")

    # Speakers and quotes

    async def _load_quotes(self, article_id: int, document: Document) -> None:
        quotes = [q for q in extract_quotes(document.paragraphs, title=document.title) if q.speaker]
        if not quotes:
            return
        people = {p.name: p for p in find_people(document.paragraphs)}
        speaker_ids: dict[str, int] = {}
        for quote in quotes:
            assert quote.speaker is not None
            if quote.speaker not in speaker_ids:
                speaker_ids[quote.speaker] = await self._speaker_id(
                    quote.speaker, quote.speaker_role, people.get(quote.speaker)
                )
            await self._add_quote(speaker_ids[quote.speaker], quote, article_id, document.published)

    async def _speaker_id(self, name: str, role: str | None, person: Person | None) -> int:
        aliases = {fold(name)} | {fold(a) for a in (person.aliases if person else ())}
        key = speaker_key(name)
        speaker_id = await queries.speaker_by_alias(self.session, fold(name))
        if speaker_id is None:
            same_key = await queries.speakers_by_key(self.session, key)
            if same_key:
                known = same_key[0]
                speaker_id = known.id
                # Prefer the fuller form of a name once an article gives it.
                if len(name.split()) > len(known.name.split()):
                    await queries.update_speaker(self.session, known.id, name=name)
                if role and not known.role:
                    await queries.update_speaker(self.session, known.id, role=role)
            else:
                speaker_id = await queries.add_speaker(self.session, name, key, role)
        aliases.add(key)
        await queries.add_speaker_aliases(self.session, speaker_id, aliases)
        return speaker_id

    async def _add_quote(
        self, speaker_id: int, quote: ExtractedQuote, article_id: int, published: dt.date | None
    ) -> None:
        key = fold(quote.text)
        for known in await queries.quotes_of_speaker(self.session, speaker_id):
            if not _same_quote(key, known.key):
                continue
            if len(key) > len(known.key):
                await queries.update_quote(
                    self.session, known.id, text=quote.text, key=key[:300], partial=quote.partial
                )
            await queries.add_quote_source(self.session, known.id, article_id)
            return
        quote_id = await queries.add_quote(
            self.session, speaker_id, quote.text, key[:300], quote.partial, published
        )
        await queries.add_quote_source(self.session, quote_id, article_id)

    # Claims

    async def _load_claims(self, article_id: int, document: Document, group: str) -> None:
        profile_terms: set[str] = set()
        candidates = claim_rules.claim_candidates(document.paragraphs)
        for candidate in candidates:
            profile_terms |= candidate.terms
        weights, size = await queries.story_profile(self.session, profile_terms)
        rarity = {t: _idf(weights.get(t, 0), size) for t in profile_terms}
        matched: set[int] = set()
        for candidate in candidates:
            lookup = claim_lookup_terms(candidate.terms, weights)
            best: tuple[float, int] | None = None
            conflicts: list[tuple[int, str]] = []
            for known in await queries.claims_sharing_terms(self.session, lookup):
                if known.id in matched:
                    continue
                other = claim_rules.describe_claim(known.text)
                for term in other.terms - rarity.keys():
                    rarity[term] = _idf(0, size)  # not among the story's main words: rare
                score = claim_rules.similarity(candidate, other, rarity)
                reason = claim_rules.conflict(candidate, other, rarity)
                if reason:
                    conflicts.append((known.id, reason))
                elif score >= claim_rules.SAME_CLAIM and (best is None or score > best[0]):
                    best = (score, known.id)
            if best is not None:
                claim_id = best[1]
            else:
                numbers = ";".join(f"{q.value:g} {q.unit}" for q in candidate.quantities)
                claim_id = await queries.add_claim(
                    self.session, candidate.text, numbers[:500], candidate.terms
                )
            matched.add(claim_id)
            await queries.add_claim_source(
                self.session, claim_id, article_id, candidate.text, group
            )
            for other_id, reason in conflicts:
                if other_id != claim_id:
                    await queries.add_claim_conflict(self.session, claim_id, other_id, reason)

    # Dates and events

    async def _borrow_date(self, article_id: int) -> dt.date | None:
        """The publication date of a dated article telling the same event, if one is clear."""
        related = await queries.related_article_counts(self.session, article_id)
        best: tuple[int, dt.date] | None = None
        for other_id, evidence in related.items():
            if evidence < BORROW_DATE_EVIDENCE:
                continue
            other = await queries.get_article(self.session, other_id)
            usable = other and other.published and not other.published_inferred
            if usable and other and other.published and (best is None or evidence > best[0]):
                best = (evidence, other.published)
        if best:
            await queries.set_published(self.session, article_id, best[1], inferred=True)
            return best[1]
        return None

    async def _date_undated_neighbours(self, article_id: int, published: dt.date) -> None:
        """Undated articles telling the same event as this dated one get its date, inferred."""
        related = await queries.related_article_counts(self.session, article_id)
        ids = [i for i, evidence in related.items() if evidence >= BORROW_DATE_EVIDENCE]
        for other in await queries.undated_articles(self.session, ids):
            await queries.set_published(self.session, other.id, published, inferred=True)
            await queries.detach_article_events(self.session, other.id)
            await self._load_events(other.id, other.body.split("\n"), published, inferred=True)

    async def _load_events(
        self, article_id: int, paragraphs: Sequence[str], anchor: dt.date | None, inferred: bool
    ) -> None:
        candidates = extract_events(paragraphs, anchor)
        all_terms: set[str] = set()
        for candidate in candidates:
            all_terms |= candidate.terms
        counts, size = await queries.story_profile(self.session, all_terms)
        weights = {t: _idf(counts.get(t, 0), size) for t in all_terms}
        for candidate in candidates:
            await self._add_event(article_id, candidate, weights, inferred)

    async def _add_event(
        self, article_id: int, event: EventCandidate, weights: dict[str, float], inferred: bool
    ) -> None:
        lookup = sorted(event.terms, key=lambda t: (-weights.get(t, 1.0), t))[:6]
        best: tuple[float, queries.EventRow, FuzzyDate | None] | None = None
        for known in await queries.events_sharing_terms(self.session, lookup):
            known_date = _stored_date(known)
            if not dates_compatible(known_date, event.date):
                continue
            known_terms = frozenset(claim_rules.describe_claim(known.text).terms)
            score = event_similarity(event.terms, known_terms, weights)
            if score >= SAME_EVENT and (best is None or score > best[0]):
                best = (score, known, known_date)
        date_iso = event.date.iso() if event.date else None
        if best is None:
            event_id = await queries.add_event(
                self.session,
                event.terms,
                text=event.text,
                **_date_columns(event.date),
                inferred=inferred and event.date is not None,
                source_count=0,
            )
        else:
            _, known, known_date = best
            event_id = known.id
            merged = more_precise(known_date, event.date)
            if merged is not known_date and merged is not None:
                await queries.update_event(
                    self.session, event_id, **_date_columns(merged), inferred=inferred
                )
        await queries.add_event_source(self.session, event_id, article_id, event.evidence, date_iso)


def source_group_of(document: Document) -> str | None:
    """Articles from one outlet are one voice; without an outlet each article is its own."""
    if document.outlet:
        return "outlet:" + fold(document.outlet)[:200]
    return None


def claim_lookup_terms(terms: frozenset[str], story_counts: dict[str, int]) -> list[str]:
    """The words that find earlier statements of a claim: the rarest the story has used before
    (common story words would match everything), plus two it has not used yet."""
    known = sorted((t for t in terms if story_counts.get(t)), key=lambda t: (story_counts[t], t))
    unknown = sorted(t for t in terms if not story_counts.get(t))
    return known[:CLAIM_LOOKUP_TERMS] + unknown[:2]


def _same_quote(new_key: str, known_key: str) -> bool:
    if new_key == known_key:
        return True
    if min(len(new_key), len(known_key)) < 30:
        return False
    if new_key in known_key or known_key in new_key:
        return True
    return fuzz.ratio(new_key, known_key) >= 92


def _idf(doc_count: int, size: int) -> float:
    return math.log((size + 2) / (doc_count + 1)) + 0.1


def _stored_date(event: queries.EventRow) -> FuzzyDate | None:
    if event.date is None or event.precision is None:
        return None
    date = FuzzyDate.from_iso(event.date, event.precision, approximate=event.approximate)
    if event.season:
        return FuzzyDate(date.year, season=event.season, precision=date.precision,
                         approximate=event.approximate)  # fmt: skip
    return date


def _date_columns(date: FuzzyDate | None) -> dict[str, object]:
    if date is None:
        return {"date": None, "precision": None, "season": None, "approximate": False,
                "sort_key": UNDATED_SORT_KEY}  # fmt: skip
    year, month, day = date.sort_key()
    return {
        "date": date.iso(),
        "precision": date.precision.value,
        "season": date.season,
        "approximate": date.approximate,
        "sort_key": year * 10_000 + month * 100 + day,
    }
