"""Ingestion: read a source, analyse the article, load its facts in one transaction."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.fetch import (
    Fetcher,
    FetchError,
    RawArticle,
    expand_paths,
    fetcher,
    is_url,
    read_file,
    refuse_scheme,
)
from bot.pipeline import claims as claim_rules
from bot.pipeline.claims import ClaimCandidate
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
from bot.pipeline.quotes import ExtractedQuote, quotes_and_people
from bot.pipeline.relevance import article_terms, relevance
from bot.pipeline.speakers import Person, speaker_key
from bot.pipeline.text import fold
from store import queries
from store.warm_index import WarmIndex

log = logging.getLogger(__name__)

Status = Literal["added", "duplicate", "skipped", "error"]
BORROW_DATE_EVIDENCE = 3  # shared quotes count 3, shared claims 1: how much makes "the same event"
UNDATED_SORT_KEY = 99_999_999
CLAIM_LOOKUP_TERMS = 8
COPY_LOOKUP_TERMS = 16
REWRITE_CANDIDATES = 3  # of the copy candidates, those checked for a retelling
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
        self.warm = WarmIndex()  # what earlier ingests read of the lookup indexes

    async def ingest(
        self, items: Sequence[str], *, force: bool = False
    ) -> AsyncIterator[IngestOutcome]:
        """Ingest files, directories and URLs one by one, yielding an outcome per article."""
        expanded = list(expand_paths(list(items)))
        web: Fetcher | None = None
        try:
            for item in expanded:
                try:
                    if is_url(item):
                        web = web or fetcher(self._settings)
                        raw = await web.article(item)
                    else:
                        raw = read_file(item, self._settings.fetch_max_bytes)
                except FetchError as exc:
                    yield IngestOutcome(item, "error", reason=str(exc))
                    continue
                yield await self.ingest_raw(raw, item=item, force=force)
        finally:
            if web is not None:
                await web.aclose()

    async def ingest_web(self, url: str) -> IngestOutcome:
        """One address a person gave: only http(s) is fetched, nothing is read as a local file."""
        try:
            refuse_scheme(url)
        except FetchError as exc:
            return IngestOutcome(url[:200], "error", reason=str(exc))
        outcomes = [outcome async for outcome in self.ingest([url])]
        return outcomes[0]

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
                overlay = self.warm.begin(session)
                outcome = await ArticleLoader(session, self._settings).load(document, item, force)
            self.warm.commit(overlay)  # only once the transaction has committed
            return outcome
        except Exception as exc:  # the transaction is rolled back: no half article
            log.exception("could not store %s", item)
            return IngestOutcome(
                item, "error", title, reason=f"could not store ({type(exc).__name__})"
            )


@dataclass(frozen=True, slots=True)
class Findings:
    """What the analysis stages find in one article, before anything is stored."""

    quotes: list[ExtractedQuote]  # those with a speaker
    people: list[Person]
    claims: list[ClaimCandidate]
    events: list[EventCandidate] | None  # None until the article's date is known

    @property
    def terms(self) -> set[str]:
        """Every word the loader will ask the story about."""
        return {t for c in self.claims for t in c.terms} | {
            t for e in self.events or () for t in e.terms
        }


def analyse_article(
    paragraphs: Sequence[str], title: str | None, anchor: dt.date | None
) -> Findings:
    """Run the analysis stages once; the speakers found are shared by quotes and events."""
    quotes, people = quotes_and_people(paragraphs, title=title)
    quotes = [q for q in quotes if q.speaker]
    claims = claim_rules.claim_candidates(paragraphs)
    events = _events(paragraphs, anchor, people) if anchor is not None else None
    return Findings(quotes, people, claims, events)


def _events(
    paragraphs: Sequence[str], anchor: dt.date | None, people: Sequence[Person]
) -> list[EventCandidate]:
    return extract_events(paragraphs, anchor, [(p.name, p.aliases) for p in people])


class ArticleLoader:
    """Loads one analysed article inside the caller's transaction."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self._story_counts: dict[str, int] = {}
        self._story_size = 0

    async def story_profile(self, terms: Iterable[str]) -> tuple[dict[str, int], int]:
        """The story's document counts of `terms` and its size; each word is read once."""
        missing = set(terms) - self._story_counts.keys()
        if missing:
            counts = await queries.story_counts(self.session, missing)
            self._story_counts.update({t: counts.get(t, 0) for t in missing})
        return self._story_counts, self._story_size

    async def _add_to_story(self, terms: Iterable[str]) -> None:
        terms = set(terms)
        await queries.add_to_story_profile(self.session, terms)
        for term in terms & self._story_counts.keys():
            self._story_counts[term] += 1

    async def load(self, document: Document, item: str, force: bool) -> IngestOutcome:
        title = document.title
        digest = content_hash(document.paragraphs)
        terms = article_terms(document.paragraphs)
        context = await queries.ingest_context(self.session, digest, terms)
        if context.duplicate_of is not None:
            return IngestOutcome(item, "duplicate", title, duplicate_of=context.duplicate_of)
        self._story_counts = {t: context.story_counts.get(t, 0) for t in terms}
        self._story_size = context.story_size
        score = relevance(terms, self._story_counts, self._story_size)
        off_topic = score < self.settings.relevance_threshold
        if off_topic and not force:
            return IngestOutcome(
                item, "skipped", title, reason=f"off-topic (relevance {score:.2f})"
            )

        copy_of, rewrite_of = await self._find_copy(document, terms)
        if copy_of is not None:
            return IngestOutcome(item, "duplicate", title, duplicate_of=copy_of.id)

        # The analysis runs before the first write, so no write lock is held while it does.
        findings = analyse_article(document.paragraphs, title, document.published)
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
            await self._add_to_story(terms)
            self._story_size += 1  # the new article counts now
        await self.story_profile(findings.terms)  # one read for the claims' and events' words

        await self._load_quotes(article_id, document, findings)
        await self._load_claims(article_id, group, findings.claims)
        anchor, inferred, events = document.published, False, findings.events
        if anchor is None:
            anchor = await self._borrow_date(article_id)
            inferred = anchor is not None
            events = _events(document.paragraphs, anchor, findings.people)
        assert events is not None
        await self._load_events(article_id, events, inferred)
        if document.published is not None and context.has_undated:
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
        story = await self.story_profile(terms)
        # A copy or a rewrite shares the article's rarer words; the story's stock words would
        # match every article and cost a read of each.
        counts = story[0]
        rarest = sorted(terms, key=lambda t: (not counts.get(t), counts.get(t, 0), t))[
            :COPY_LOOKUP_TERMS
        ]
        candidates = await queries.articles_sharing_terms(
            self.session, rarest, minimum=max(3, len(rarest) // 3)
        )
        if not candidates:
            return None, None
        mine = shingles(" ".join(document.paragraphs))
        for candidate in candidates:
            if containment(mine, shingles(candidate.body)) >= COPY_CONTAINMENT:
                return candidate, None
        best_rewrite: tuple[float, queries.ArticleRow] | None = None
        # A retelling shares the most rare words with its original: the first few candidates
        # are scored, sentence by sentence, the costly part of an ingest.
        for candidate in candidates[:REWRITE_CANDIDATES]:
            old_paragraphs, old_terms = stored_text(candidate.body)
            vocabulary = (terms, old_terms)
            # Only a score that beats the best so far matters: the comparison of sentences
            # stops as soon as this one cannot.
            needed = REWRITE_SCORE
            if best_rewrite is not None:
                needed = math.nextafter(best_rewrite[0], math.inf)  # strictly better than it
            score = rewrite_score(
                document.paragraphs, old_paragraphs, vocabulary, story, needed=needed
            )
            if score >= needed:
                best_rewrite = (score, candidate)
        return None, best_rewrite[1] if best_rewrite else None

    async def _set_own_group(self, article_id: int) -> None:
        await queries.set_source_group(self.session, article_id, f"#{article_id}")

    # Speakers and quotes

    async def _load_quotes(self, article_id: int, document: Document, findings: Findings) -> None:
        if not findings.quotes:
            return
        speaker_ids = await self._speaker_ids(findings.quotes, findings.people)
        keys = [(speaker_ids[q.speaker or ""], fold(q.text)[:300]) for q in findings.quotes]
        # The stored quotes each one may repeat, read in one statement; once a stored wording
        # has been replaced by a fuller one, later quotes read afresh.
        stored = await queries.quotes_like_many(self.session, keys)
        told: list[int] = []  # quotes already stored that this article repeats
        new: dict[tuple[int, str], dict[str, object]] = {}
        rewritten = False
        for quote, (speaker_id, key), like in zip(findings.quotes, keys, stored, strict=True):
            if rewritten:
                like = await queries.quotes_like(self.session, speaker_id, key)
            known = _known_quote(key, like)
            if known is not None:
                told.append(known.id)
                if len(key) > len(known.key):  # the fuller wording is kept
                    await queries.update_quote(
                        self.session, known.id, text=quote.text, key=key, partial=quote.partial
                    )
                    rewritten = True
            elif (speaker_id, key) not in new:
                new[speaker_id, key] = {
                    "speaker_id": speaker_id, "text": quote.text, "key": key,
                    "partial": quote.partial, "first_published": document.published,
                }  # fmt: skip
        told += await queries.add_quotes(self.session, list(new.values()))
        await queries.add_quote_sources(self.session, article_id, told)

    async def _speaker_ids(
        self, quotes: Sequence[ExtractedQuote], people: Sequence[Person]
    ) -> dict[str, int]:
        """The stored speaker of each quoted name, added when new; its aliases filed.

        The names are looked up in one statement and the aliases filed in another; what an
        earlier name of the article files is seen by the later ones, as if each were stored
        in turn."""
        by_name = {p.name: p for p in people}
        names = list(dict.fromkeys(q.speaker for q in quotes if q.speaker))
        roles: dict[str, str | None] = {}
        for quote in quotes:
            if quote.speaker:
                roles.setdefault(quote.speaker, quote.speaker_role)
        filed = await queries.speaker_ids_by_alias(self.session, [fold(n) for n in names])
        new_aliases: list[tuple[int, str]] = []
        speaker_ids: dict[str, int] = {}
        for name in names:
            person = by_name.get(name)
            aliases = {fold(name)} | {fold(a) for a in (person.aliases if person else ())}
            key = speaker_key(name)
            speaker_id = filed.get(fold(name))
            if speaker_id is None:
                speaker_id = await self._speaker_by_key(name, key, roles[name])
            aliases.add(key)
            for alias in aliases:
                if alias:
                    filed.setdefault(alias[:200], speaker_id)
                    new_aliases.append((speaker_id, alias))
            speaker_ids[name] = speaker_id
        await queries.add_aliases(self.session, new_aliases)
        return speaker_ids

    async def _speaker_by_key(self, name: str, key: str, role: str | None) -> int:
        """A speaker stored under another form of the name, or a new one."""
        same_key = await queries.speakers_by_key(self.session, key)
        if not same_key:
            return await queries.add_speaker(self.session, name, key, role)
        known = same_key[0]
        # Prefer the fuller form of a name once an article gives it.
        if len(name.split()) > len(known.name.split()):
            await queries.update_speaker(self.session, known.id, name=name)
        if role and not known.role:
            await queries.update_speaker(self.session, known.id, role=role)
        return known.id

    async def _load_claims(
        self, article_id: int, group: str, candidates: Sequence[ClaimCandidate]
    ) -> None:
        """Match each statement to a claim already stored, or add it as a new claim; all in a
        handful of statements whatever the number of sentences."""
        if not candidates:
            return
        story_counts, size = await self.story_profile({t for c in candidates for t in c.terms})
        lookups = [claim_lookup_terms(c.terms, story_counts) for c in candidates]
        by_term = await queries.claim_ids_by_term(self.session, {t for lk in lookups for t in lk})
        nearby = [_sharing(lookup, by_term, NEARBY_CLAIMS) for lookup in lookups]
        known = await queries.claim_texts(self.session, {i for ids in nearby for i in ids})
        rarity: dict[str, float] = {}

        def rare(terms: Iterable[str]) -> None:
            for term in terms:
                if term not in rarity:
                    rarity[term] = _idf(story_counts.get(term, 0), size)

        matched: dict[int, str] = {}  # claim id -> this article's sentence
        new: list[tuple[ClaimCandidate, list[tuple[int, str]]]] = []
        conflicts: list[tuple[int, int, str]] = []
        for candidate, ids in zip(candidates, nearby, strict=True):
            rare(candidate.terms)
            best: tuple[float, int] | None = None
            disagreements: list[tuple[int, str]] = []
            for claim_id in ids:
                if claim_id in matched:
                    continue
                other = described_claim(known[claim_id])
                rare(other.terms)
                score = claim_rules.similarity(candidate, other, rarity)
                reason = claim_rules.conflict(candidate, other, rarity, score=score)
                if reason:
                    disagreements.append((claim_id, reason))
                elif score >= claim_rules.SAME_CLAIM and (best is None or score > best[0]):
                    best = (score, claim_id)
            if best is None:
                new.append((candidate, disagreements))
                continue
            matched[best[1]] = candidate.text
            conflicts += [(best[1], other_id, why) for other_id, why in disagreements]
        new_ids = await queries.add_claims(
            self.session,
            [
                queries.NewClaim(c.text, ";".join(f"{q.value:g} {q.unit}" for q in c.quantities),
                                 c.terms)
                for c, _ in new
            ],
        )  # fmt: skip
        for claim_id, (candidate, disagreements) in zip(new_ids, new, strict=True):
            matched[claim_id] = candidate.text
            conflicts += [(claim_id, other_id, why) for other_id, why in disagreements]
        await queries.add_claim_links(self.session, article_id, group, matched, conflicts)

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
        if not await queries.has_undated_articles(self.session):
            return
        related = await queries.related_article_counts(self.session, article_id)
        ids = [i for i, evidence in related.items() if evidence >= BORROW_DATE_EVIDENCE]
        for other in await queries.undated_articles(self.session, ids):
            await queries.set_published(self.session, other.id, published, inferred=True)
            await queries.detach_article_events(self.session, other.id)
            paragraphs = other.body.split("\n")
            events = _events(paragraphs, published, quotes_and_people(paragraphs)[1])
            await self._load_events(other.id, events, inferred=True)

    async def _load_events(
        self, article_id: int, candidates: Sequence[EventCandidate], inferred: bool
    ) -> None:
        """Each dated (or blank-dated) event joins the stored event it retells, or is added."""
        if not candidates:
            return
        counts, size = await self.story_profile({t for c in candidates for t in c.terms})
        weights: dict[str, float] = {}
        for candidate in candidates:
            weights.update({t: _idf(counts.get(t, 0), size) for t in candidate.terms})
        lookups = [
            sorted(c.terms, key=lambda t: (-weights.get(t, 1.0), t))[:EVENT_LOOKUP_TERMS]
            for c in candidates
        ]
        by_term = await queries.event_ids_by_term(self.session, {t for lk in lookups for t in lk})
        nearby = [_sharing(lookup, by_term, NEARBY_EVENTS) for lookup in lookups]
        known = await queries.events_by_id(self.session, {i for ids in nearby for i in ids})
        told: dict[int, tuple[str, str | None]] = {}
        new: list[EventCandidate] = []
        for candidate, ids in zip(candidates, nearby, strict=True):
            match = self._same_event(candidate, [known[i] for i in ids], weights)
            if match is None:
                new.append(candidate)
                continue
            event, known_date = match
            merged = more_precise(known_date, candidate.date)
            if merged is not known_date and merged is not None:
                await queries.update_event(
                    self.session, event.id, **event_date_columns(merged), inferred=inferred
                )
            told.setdefault(event.id, (candidate.evidence, _iso(candidate.date)))
        rows = [
            (c.terms, {"text": c.text, **event_date_columns(c.date),
                       "inferred": inferred and c.date is not None})
            for c in new
        ]  # fmt: skip
        for event_id, candidate in zip(
            await queries.add_events(self.session, rows), new, strict=True
        ):
            told.setdefault(event_id, (candidate.evidence, _iso(candidate.date)))
        await queries.add_event_sources(self.session, article_id, told)

    @staticmethod
    def _same_event(
        event: EventCandidate, stored: Sequence[queries.EventRow], weights: dict[str, float]
    ) -> tuple[queries.EventRow, FuzzyDate | None] | None:
        best: tuple[float, queries.EventRow, FuzzyDate | None] | None = None
        for known in stored:
            known_date = _stored_date(known)
            if not dates_compatible(known_date, event.date):
                continue
            score = event_similarity(event.terms, described_claim(known.text).terms, weights)
            if score >= SAME_EVENT and (best is None or score > best[0]):
                best = (score, known, known_date)
        return (best[1], best[2]) if best else None


def _iso(date: FuzzyDate | None) -> str | None:
    return date.iso() if date else None


def source_group_of(document: Document) -> str | None:
    """Articles from one outlet are one voice; without an outlet each article is its own."""
    if document.outlet:
        return "outlet:" + fold(document.outlet)[:200]
    return None


NEARBY_CLAIMS = 12  # stored claims compared with each new statement


NEARBY_EVENTS = 25  # stored events compared with each new one
EVENT_LOOKUP_TERMS = 6


def _sharing(lookup: list[str], by_term: dict[str, list[int]], limit: int) -> list[int]:
    """Stored facts with at least two of the lookup words, those with most in common first."""
    shared: Counter[int] = Counter()
    for term in lookup:
        shared.update(by_term.get(term, ()))
    needed = min(2, len(lookup))
    return [i for i, n in shared.most_common(limit) if n >= needed]


@functools.lru_cache(maxsize=1024)
def stored_text(body: str) -> tuple[tuple[str, ...], Counter[str]]:
    """A stored article's paragraphs and main words. Bodies never change once stored, and the
    same articles come up again and again as candidate originals of new ones."""
    paragraphs = tuple(body.split("\n"))
    return paragraphs, article_terms(paragraphs)


@functools.lru_cache(maxsize=20_000)
def described_claim(text: str) -> ClaimCandidate:
    """A stored claim's words, figures and conditions; claims never change their text."""
    return claim_rules.describe_claim(text)


def claim_lookup_terms(terms: frozenset[str], story_counts: dict[str, int]) -> list[str]:
    """The words that find earlier statements of a claim: the rarest the story has used before
    (common story words would match everything), plus two it has not used yet."""
    known = sorted((t for t in terms if story_counts.get(t)), key=lambda t: (story_counts[t], t))
    unknown = sorted(t for t in terms if not story_counts.get(t))
    return known[:CLAIM_LOOKUP_TERMS] + unknown[:2]


def _known_quote(key: str, stored: Iterable[queries.QuoteRow]) -> queries.QuoteRow | None:
    """The first stored quote these words repeat, if any."""
    return next((known for known in stored if _same_quote(key, known.key)), None)


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


def event_date_columns(date: FuzzyDate | None) -> dict[str, object]:
    """The events table's date columns for `date`; undated events sort last."""
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
