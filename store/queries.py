"""Named queries over the fact store; each takes a session and returns plain data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from typing import cast as cast_type

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Executable,
    Integer,
    String,
    Table,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect

from store.db import DriverRead, driver_rows
from store.models import (
    Article,
    ArticleTerm,
    Chat,
    Claim,
    ClaimConflict,
    ClaimSource,
    ClaimTerm,
    Event,
    EventSource,
    EventTerm,
    Quote,
    QuoteShingle,
    QuoteSource,
    Speaker,
    SpeakerAlias,
    StoreState,
    StoryTerm,
    utcnow,
)
from store.warm_index import overlay_of

Term = TypeVar("Term", str, int)  # what an inverted index files ids under

PICTURE_VERSION = "picture_version"
# Counts kept in store_state as rows are added, where count(*) would read a whole table.
STORY_SIZE = "story_size"  # on-topic articles
ARTICLE_COUNT = "article_count"
EVENT_COUNT = "event_count"


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: int
    title: str | None
    outlet: str | None
    url: str | None
    published: dt.date | None
    published_inferred: bool
    status: str
    source_group: str
    body: str


def _insert(session: AsyncSession, table: type[object]) -> object:
    core_table = table.__table__  # type: ignore[attr-defined]
    return (pg_insert if _dialect(session) == "postgresql" else sqlite_insert)(core_table)


@functools.cache
def _insert_ignoring(dialect: str, table: Table) -> Executable:
    """INSERT ... ON CONFLICT DO NOTHING for a table, built once per dialect."""
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(table).on_conflict_do_nothing()


async def insert_ignore(
    session: AsyncSession, table: type[object], rows: Sequence[dict[str, object]]
) -> int:
    """Bulk insert that skips rows whose primary key already exists; returns rows inserted.
    It goes through Core on the session's connection: the ORM's bulk machinery is not needed
    for plain rows and costs more than the statement."""
    if not rows:
        return 0
    statement = _insert_ignoring(_dialect(session), table.__table__)  # type: ignore[attr-defined]
    connection = await session.connection()
    # A single row is a plain execute, which reports its row count on every backend;
    # executemany may not.
    result = await connection.execute(statement, rows[0] if len(rows) == 1 else list(rows))
    return max(0, int(getattr(result, "rowcount", 0) or 0))


async def insert_new(
    session: AsyncSession, table: type[object], rows: Sequence[dict[str, object]], column: str
) -> list[int]:
    """`insert_ignore` that returns the id in `column` of each row it inserted (those not
    there before)."""
    if not rows:
        return []
    statement = _inserting_new(_dialect(session), table.__table__, column)  # type: ignore[attr-defined]
    connection = await session.connection()
    return [int(row[0]) for row in await connection.execute(statement, list(rows))]


@functools.cache
def _inserting_new(dialect: str, table: Table, column: str) -> Executable:
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(table).on_conflict_do_nothing().returning(table.c[column])


# Articles


@dataclass(frozen=True, slots=True)
class IngestContext:
    """What the loader asks first about a new text: is it stored already, what does the story
    know of its words, how big is the story and is any stored article waiting for a date."""

    duplicate_of: int | None
    story_counts: dict[str, int]
    story_size: int
    has_undated: bool


@functools.cache
def _context_statement() -> Executable:
    duplicate = select(Article.id).where(Article.content_hash == bindparam("hash")).limit(1)
    size = select(StoreState.value).where(StoreState.key == STORY_SIZE)
    kept = select(func.count()).where(StoreState.key.in_(list(_KEPT_COUNTS)))
    undated = select(Article.id).where(Article.published.is_(None)).limit(1)
    version = select(StoreState.value).where(StoreState.key == PICTURE_VERSION)
    return select(
        duplicate.scalar_subquery(), size.scalar_subquery(), kept.scalar_subquery(),
        undated.exists(), version.scalar_subquery(),
    )  # fmt: skip


async def ingest_context(
    session: AsyncSession, content_hash: str, terms: Iterable[str]
) -> IngestContext:
    """Two statements for the loader's first questions (each statement costs more in the
    driver round trip than in the database)."""
    connection = await session.connection()
    duplicate, size, kept, undated, version = (
        await connection.execute(_context_statement(), {"hash": content_hash})
    ).one()
    overlay = overlay_of(session)
    if overlay is not None:
        overlay.start(int(version or 0))
    if kept < len(_KEPT_COUNTS):
        await start_kept_counts(connection)
        size = await connection.scalar(select(StoreState.value).where(StoreState.key == STORY_SIZE))
    counts = await story_counts(session, terms)
    return IngestContext(duplicate, counts, int(size or 0), bool(undated))


# Each kept count, and the full count it stands for.
_KEPT_COUNTS: dict[str, Select[int]] = {
    STORY_SIZE: select(func.count()).select_from(Article).where(Article.status != "forced"),
    ARTICLE_COUNT: select(func.count()).select_from(Article),
    EVENT_COUNT: select(func.count()).select_from(Event),
}


async def start_kept_counts(connection: AsyncConnection, *, recount: bool = False) -> None:
    """The kept counts, from a full count of their tables, where there are none yet (a new
    store, or one filled before they were kept); with `recount`, all of them again (after rows
    were written around `add_article` and `add_events`, as a bulk load does).

    Taken before any article is counted in the same transaction, so a concurrent first ingest
    either sees these rows or waits for them and leaves them be."""
    build = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    table = cast_type(Table, StoreState.__table__)
    for key, count in _KEPT_COUNTS.items():
        # SQLite needs a WHERE in an INSERT ... SELECT that has an ON CONFLICT clause.
        counted = select(literal(key), cast(count.scalar_subquery(), String)).where(true())
        statement = build(table).from_select(["key", "value"], counted)
        if recount:
            statement = statement.on_conflict_do_update(
                index_elements=[StoreState.key], set_={"value": statement.excluded.value}
            )
        else:
            statement = statement.on_conflict_do_nothing()
        await connection.execute(statement)


async def _count_up(connection: AsyncConnection, keys: Sequence[str], by: int) -> None:
    if keys and by:
        await connection.execute(_count_up_statement(), {"keys": list(keys), "by": by})


@functools.cache
def _count_up_statement() -> Executable:
    value = StoreState.__table__.c.value
    return (
        update(StoreState)
        .where(StoreState.key.in_(bindparam("keys", expanding=True)))
        .values(value=cast(cast(value, Integer) + bindparam("by", type_=Integer), String))
    )


def _kept_or_counted(key: str) -> ColumnElement[int]:
    """A kept count, or the full count while the store has none yet."""
    kept = select(cast(StoreState.value, Integer)).where(StoreState.key == key)
    return func.coalesce(kept.scalar_subquery(), _KEPT_COUNTS[key].scalar_subquery())


async def article_id_by_url(session: AsyncSession, url: str) -> int | None:
    return await session.scalar(select(Article.id).where(Article.url == url).limit(1))


async def articles_sharing_terms(
    session: AsyncSession, terms: Sequence[str], limit: int = 5, minimum: int = 8
) -> list[ArticleRow]:
    """Stored articles with the most distinctive words in common with `terms`, most first.

    Each word's newest ARTICLES_PER_TERM articles are read, so a word that has become common
    costs what a rare one does (give the rarer words: they are the ones that tell)."""
    holders = await _recent_by_term(
        session, ArticleTerm.term, ArticleTerm.article_id, terms, ARTICLES_PER_TERM
    )
    shared = Counter(article_id for ids in holders.values() for article_id in ids)
    best = [article_id for article_id, n in shared.most_common() if n >= minimum][:limit]
    if not best:
        return []
    connection = await session.connection()
    rows = await connection.execute(_articles_by_id_statement(), {"ids": best})
    by_id = {row[0]: ArticleRow(*row) for row in rows}
    return [by_id[article_id] for article_id in best if article_id in by_id]


ARTICLES_PER_TERM = 50


@functools.cache
def _articles_by_id_statement() -> Executable:
    return select(*_ARTICLE_COLUMNS).where(Article.id.in_(bindparam("ids", expanding=True)))


_ARTICLE_COLUMNS = (
    Article.id,
    Article.title,
    Article.outlet,
    Article.url,
    Article.published,
    Article.published_inferred,
    Article.status,
    Article.source_group,
    Article.body,
)


async def get_article(session: AsyncSession, article_id: int) -> ArticleRow | None:
    article = await session.get(Article, article_id)
    return _article_row(article) if article else None


async def list_articles(session: AsyncSession) -> list[ArticleRow]:
    rows = await session.scalars(select(Article).order_by(Article.id))
    return [_article_row(a) for a in rows]


async def count_articles(session: AsyncSession) -> int:
    return await session.scalar(select(_kept_or_counted(ARTICLE_COUNT))) or 0


def _article_row(article: Article) -> ArticleRow:
    return ArticleRow(
        article.id,
        article.title,
        article.outlet,
        article.url,
        article.published,
        article.published_inferred,
        article.status,
        article.source_group,
        article.body,
    )


async def add_article(session: AsyncSession, **values: object) -> int:
    """A new article, counted (an on-topic one towards the story's size too)."""
    connection = await session.connection()
    result = await connection.execute(insert(Article).values(**values).returning(Article.id))
    on_topic = values.get("status") != "forced"
    await _count_up(connection, [ARTICLE_COUNT, STORY_SIZE] if on_topic else [ARTICLE_COUNT], 1)
    return int(result.scalar_one())


async def set_published(
    session: AsyncSession, article_id: int, published: dt.date, *, inferred: bool
) -> None:
    await session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(published=published, published_inferred=inferred)
    )


async def set_source_group(session: AsyncSession, article_id: int, group: str) -> None:
    await session.execute(
        update(Article).where(Article.id == article_id).values(source_group=group)
    )


async def has_undated_articles(session: AsyncSession) -> bool:
    found = await session.scalar(select(Article.id).where(Article.published.is_(None)).limit(1))
    return found is not None


async def undated_articles(session: AsyncSession, ids: Iterable[int]) -> list[ArticleRow]:
    rows = await session.scalars(
        select(Article).where(Article.id.in_(list(ids)), Article.published.is_(None))
    )
    return [_article_row(a) for a in rows]


# Story profile


async def story_counts(session: AsyncSession, terms: Iterable[str]) -> dict[str, int]:
    """Document counts of `terms` among on-topic articles (words the story lacks are left out)."""
    terms = list(terms)
    overlay = overlay_of(session)
    known: dict[str, int] = {}
    if overlay is not None:
        known, terms = overlay.known_story_counts(terms)
    if not terms:
        return known
    connection = await session.connection()
    rows = await connection.execute(_story_counts_statement(), {"terms": terms})
    found = {term: count for term, count in rows}
    if overlay is not None:
        overlay.read_story_counts(terms, found)
    return known | found


@functools.cache
def _story_counts_statement() -> Executable:
    return select(StoryTerm.term, StoryTerm.doc_count).where(
        StoryTerm.term.in_(bindparam("terms", expanding=True))
    )


async def add_to_story_profile(session: AsyncSession, terms: Iterable[str]) -> None:
    """One more on-topic article uses each of `terms`: one upsert for all of them."""
    terms = sorted(set(terms))
    if not terms:
        return
    connection = await session.connection()
    await connection.execute(
        _count_story_terms_statement(_dialect(session)),
        [{"term": t, "doc_count": 1} for t in terms],
    )
    overlay = overlay_of(session)
    if overlay is not None:
        overlay.count_story_terms(terms)


@functools.cache
def _count_story_terms_statement(dialect: str) -> Executable:
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(cast_type(Table, StoryTerm.__table__)).on_conflict_do_update(
        index_elements=[StoryTerm.term],
        set_={"doc_count": StoryTerm.__table__.c.doc_count + 1},
    )


async def add_article_terms(session: AsyncSession, article_id: int, terms: Iterable[str]) -> None:
    terms = set(terms)
    await insert_ignore(
        session, ArticleTerm, [{"term": t, "article_id": article_id} for t in terms]
    )
    _file(session, ArticleTerm, [(t, article_id) for t in terms])


# Speakers and quotes


@dataclass(frozen=True, slots=True)
class SpeakerRow:
    id: int
    name: str
    role: str | None
    aliases: tuple[str, ...]
    quote_count: int


async def speaker_ids_by_alias(session: AsyncSession, aliases: Iterable[str]) -> dict[str, int]:
    """The speaker each alias names (the first row filed under it), in one statement."""
    aliases = sorted(set(aliases))
    if not aliases:
        return {}
    connection = await session.connection()
    rows = await connection.execute(
        select(SpeakerAlias.alias, SpeakerAlias.speaker_id).where(SpeakerAlias.alias.in_(aliases))
    )
    found: dict[str, int] = {}
    for alias, speaker_id in rows:
        found.setdefault(alias, speaker_id)
    return found


async def speakers_by_key(session: AsyncSession, key: str) -> list[SpeakerRow]:
    rows = await session.scalars(select(Speaker).where(Speaker.key == key))
    return [SpeakerRow(s.id, s.name, s.role, (), s.quote_count) for s in rows]


async def all_speakers(session: AsyncSession) -> list[SpeakerRow]:
    """Every speaker with their aliases, most quoted first, in one statement."""
    connection = await session.connection()
    speakers: dict[int, SpeakerRow] = {}
    aliases: dict[int, list[str]] = {}
    for speaker_id, name, role, count, alias in await connection.execute(_speakers_statement()):
        if speaker_id not in speakers:
            speakers[speaker_id] = SpeakerRow(speaker_id, name, role, (), count)
            aliases[speaker_id] = []
        if alias is not None:
            aliases[speaker_id].append(alias)
    return [dataclasses.replace(s, aliases=tuple(aliases[s.id])) for s in speakers.values()]


@functools.cache
def _speakers_statement() -> Executable:
    return (
        select(Speaker.id, Speaker.name, Speaker.role, Speaker.quote_count, SpeakerAlias.alias)
        .outerjoin(SpeakerAlias, SpeakerAlias.speaker_id == Speaker.id)
        .order_by(Speaker.quote_count.desc(), Speaker.name, SpeakerAlias.alias)
    )


async def get_speaker(session: AsyncSession, speaker_id: int) -> SpeakerRow | None:
    speaker = await session.get(Speaker, speaker_id)
    if speaker is None:
        return None
    return SpeakerRow(speaker.id, speaker.name, speaker.role, (), speaker.quote_count)


async def add_speaker(session: AsyncSession, name: str, key: str, role: str | None) -> int:
    speaker = Speaker(name=name, key=key, role=role, quote_count=0)
    session.add(speaker)
    await session.flush()
    return speaker.id


async def update_speaker(
    session: AsyncSession, speaker_id: int, *, name: str | None = None, role: str | None = None
) -> None:
    values: dict[str, object] = {}
    if name:
        values["name"] = name
    if role:
        values["role"] = role
    if values:
        await session.execute(update(Speaker).where(Speaker.id == speaker_id).values(**values))


async def add_speaker_aliases(
    session: AsyncSession, speaker_id: int, aliases: Iterable[str]
) -> None:
    await insert_ignore(
        session,
        SpeakerAlias,
        [{"speaker_id": speaker_id, "alias": a[:200]} for a in set(aliases) if a],
    )


async def add_aliases(session: AsyncSession, aliases: Iterable[tuple[int, str]]) -> None:
    """File (speaker id, alias) pairs, those already filed skipped, in one statement."""
    rows = {(speaker_id, alias[:200]) for speaker_id, alias in aliases if alias}
    await insert_ignore(
        session, SpeakerAlias, [{"speaker_id": i, "alias": a} for i, a in sorted(rows)]
    )


@dataclass(frozen=True, slots=True)
class QuoteRow:
    id: int
    speaker_id: int
    text: str
    key: str
    partial: bool


async def quotes_like(
    session: AsyncSession, speaker_id: int, key: str, limit: int = 20
) -> list[QuoteRow]:
    """The speaker's quotes that may be the same words as `key`: equal, one inside the other,
    or sharing the first or last words. The database filters, so the cost stays flat."""
    (found,) = await quotes_like_many(session, [(speaker_id, key)], limit)
    return found


async def quotes_like_many(
    session: AsyncSession, wanted: Sequence[tuple[int, str]], limit: int = 20
) -> list[list[QuoteRow]]:
    """`quotes_like` for several (speaker id, key) pairs at once, a list per pair: quotes with
    the same key first, then those sharing the most shingles with it.

    Each shingle's newest holders are read (a phrase that many quotes use costs no more than a
    rare one), then the rows of the best candidates: two reads whatever the store's size."""
    if not wanted:
        return []
    shingles_of = [quote_shingles(key) for _, key in wanted]
    holders = await _recent_by_term(
        session, QuoteShingle.shingle, QuoteShingle.quote_id, set().union(*shingles_of),
        QUOTES_PER_SHINGLE,
    )  # fmt: skip
    picks: list[list[int]] = []
    for shingles in shingles_of:
        shared = Counter(quote_id for s in shingles for quote_id in holders.get(s, ()))
        picks.append([quote_id for quote_id, _ in shared.most_common(2 * limit)])
    connection = await session.connection()
    rows = await connection.execute(
        _quotes_by_id_or_key_statement(),
        {
            "ids": sorted({quote_id for pick in picks for quote_id in pick}) or [-1],
            "keys": sorted({key for _, key in wanted}),
        },
    )
    quotes = {row[0]: QuoteRow(*row) for row in rows}
    found: list[list[QuoteRow]] = []
    for (speaker_id, key), pick in zip(wanted, picks, strict=True):
        same_key = [q for q in quotes.values() if q.key == key and q.speaker_id == speaker_id]
        sharing = [quotes[i] for i in pick if i in quotes and quotes[i].speaker_id == speaker_id]
        found.append(list(dict.fromkeys(same_key + sharing))[:limit])
    return found


QUOTES_PER_SHINGLE = 25  # newest quotes read per shingle


@functools.cache
def _quotes_by_id_or_key_statement() -> Executable:
    return select(Quote.id, Quote.speaker_id, Quote.text, Quote.key, Quote.partial).where(
        or_(
            Quote.id.in_(bindparam("ids", expanding=True)),
            Quote.key.in_(bindparam("keys", expanding=True)),
        )
    )


QUOTE_SHINGLE = 3  # words per shingle: short enough to survive an edit, long enough to be rare


def quote_shingles(key: str) -> set[int]:
    """63-bit hashes of the word 3-grams of a folded quote (the whole key when shorter)."""
    words = key.split()
    grams = [" ".join(words[i : i + QUOTE_SHINGLE]) for i in range(len(words) - QUOTE_SHINGLE + 1)]
    return {
        int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big") >> 1
        for gram in grams or ([key] if key else [])
    }


async def add_quote_shingles(session: AsyncSession, keys: dict[int, str]) -> None:
    """Index quotes (id -> folded key) by their shingles."""
    pairs = [
        (shingle, quote_id) for quote_id, key in keys.items() for shingle in quote_shingles(key)
    ]
    await insert_ignore(
        session, QuoteShingle, [{"shingle": shingle, "quote_id": i} for shingle, i in pairs]
    )
    _file(session, QuoteShingle, pairs)


async def add_quote(
    session: AsyncSession,
    speaker_id: int,
    text: str,
    key: str,
    partial: bool,
    published: dt.date | None,
) -> int:
    quote = Quote(
        speaker_id=speaker_id, text=text, key=key, partial=partial, first_published=published,
        source_count=0,
    )  # fmt: skip
    session.add(quote)
    await session.flush()
    await session.execute(
        update(Speaker).where(Speaker.id == speaker_id).values(quote_count=Speaker.quote_count + 1)
    )
    await add_quote_shingles(session, {quote.id: key})
    return quote.id


async def update_quote(
    session: AsyncSession, quote_id: int, *, text: str, key: str, partial: bool
) -> None:
    """A fuller wording of a stored quote; the shorter one's shingles stay, to find it by."""
    await session.execute(
        update(Quote).where(Quote.id == quote_id).values(text=text, key=key, partial=partial)
    )
    await add_quote_shingles(session, {quote_id: key})


async def add_quotes(session: AsyncSession, quotes: Sequence[dict[str, object]]) -> list[int]:
    """Insert quotes (speaker_id, text, key, partial, first_published) in one statement; each
    speaker's count of quotes goes up by the number added."""
    if not quotes:
        return []
    connection = await session.connection()
    result = await connection.execute(
        insert(Quote).returning(Quote.id, sort_by_parameter_order=True),
        [{"source_count": 0, **values} for values in quotes],
    )
    ids = [row[0] for row in result]
    await add_quote_shingles(
        session, {i: str(values["key"]) for i, values in zip(ids, quotes, strict=True)}
    )
    added = Counter(values["speaker_id"] for values in quotes)
    await connection.execute(
        _count_speaker_quotes_statement(),
        [{"speaker": speaker_id, "added": n} for speaker_id, n in sorted(added.items())],
    )
    return ids


@functools.cache
def _count_speaker_quotes_statement() -> Executable:
    return (
        update(Speaker)
        .where(Speaker.id == bindparam("speaker"))
        .values(quote_count=Speaker.quote_count + bindparam("added"))
    )


async def add_quote_sources(
    session: AsyncSession, article_id: int, quote_ids: Iterable[int]
) -> None:
    """Link one article to quotes; each quote newly linked gains a source. Counting the new
    links, rather than recounting, keeps the cost flat however often a quote is repeated."""
    ids = sorted(set(quote_ids))
    linked = await insert_new(
        session, QuoteSource, [{"quote_id": i, "article_id": article_id} for i in ids], "quote_id"
    )
    if linked:
        connection = await session.connection()
        await connection.execute(_count_quote_sources_statement(), {"ids": sorted(linked)})


@functools.cache
def _count_quote_sources_statement() -> Executable:
    return (
        update(Quote)
        .where(Quote.id.in_(bindparam("ids", expanding=True)))
        .values(source_count=Quote.source_count + 1)
    )


# Claims


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: int
    text: str
    status: str
    outlet_count: int


# A word filed under more facts than this is too common to tell them apart; the newest win.
RECENT_PER_TERM = 50


async def claim_ids_by_term(
    session: AsyncSession, terms: Iterable[str], per_term: int = RECENT_PER_TERM
) -> dict[str, list[int]]:
    """For each word, the most recent claims using it (at most `per_term`)."""
    return await _recent_by_term(session, ClaimTerm.term, ClaimTerm.claim_id, terms, per_term)


async def _recent_by_term(
    session: AsyncSession,
    term_column: InstrumentedAttribute[Term],
    id_column: InstrumentedAttribute[int],
    terms: Iterable[Term],
    per_term: int,
) -> dict[Term, list[int]]:
    """An inverted index read: for each word (or hash), the newest `per_term` ids filed under
    it, newest first, in the order of the words (callers break ties by it). What the ingest's
    warm copy knows is not read again."""
    table = term_column.class_.__tablename__
    wanted = sorted(set(terms))
    overlay = overlay_of(session)
    known: dict[Term, list[int]] = {}
    missing = wanted
    if overlay is not None:
        known, missing = overlay.known_newest((table, per_term), wanted)
    found: dict[Term, list[int]] = {}
    if missing:
        connection = await session.connection()
    for start in range(0, len(missing), _WORDS_PER_STATEMENT):
        chunk = missing[start : start + _WORDS_PER_STATEMENT]
        statement = _newest_per_term(table, term_column.key, id_column.key, len(chunk))
        values: dict[str, object] = {f"t{n}": term for n, term in enumerate(chunk)}
        values["per_term"] = per_term
        for term, found_id in await connection.execute(statement, values):
            found.setdefault(term, []).append(found_id)
    if overlay is None:
        return found
    overlay.read_newest((table, per_term), missing, found)
    found.update(known)
    return {term: found[term] for term in wanted if term in found}


def _file(session: AsyncSession, table: type[object], pairs: Iterable[tuple[Term, int]]) -> None:
    """Ids just filed under terms in an inverted index, for the ingest's warm copy of it."""
    overlay = overlay_of(session)
    if overlay is not None:
        overlay.file(table.__tablename__, pairs)  # type: ignore[attr-defined]


_WORDS_PER_STATEMENT = 200  # well under SQLite's limit of terms in a compound select


@functools.lru_cache(maxsize=1024)
def _newest_per_term(table: str, term: str, id_: str, count: int) -> TextClause:
    """One arm per word, each reading the word's newest ids backwards from the (term, id)
    primary key: the cost is `per_term` rows per word however many the index holds (a window
    over all of a word's rows grows with the store)."""
    arms = [
        f"SELECT * FROM (SELECT {term}, {id_} FROM {table} WHERE {term} = :t{n} "
        f"ORDER BY {id_} DESC LIMIT :per_term) AS newest_{n}"
        for n in range(count)
    ]
    return text(" UNION ALL ".join(arms))


async def claim_texts(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(ids))
    overlay = overlay_of(session)
    known: dict[int, str] = {}
    if overlay is not None:
        known, ids = overlay.known_claim_texts(ids)
    if not ids:
        return known
    connection = await session.connection()
    rows = await connection.execute(_claim_texts_statement(), {"ids": ids})
    found = {claim_id: text for claim_id, text in rows}
    if overlay is not None:
        overlay.read_claim_texts(found)
    return known | found


@functools.cache
def _claim_texts_statement() -> Executable:
    return select(Claim.id, Claim.text).where(Claim.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True, slots=True)
class NewClaim:
    text: str
    numbers: str
    terms: frozenset[str]


async def add_claims(session: AsyncSession, claims: Sequence[NewClaim]) -> list[int]:
    """Insert claims in one statement; their ids in the order given."""
    if not claims:
        return []
    now = utcnow()
    rows = [
        {"text": c.text, "numbers": c.numbers[:500], "status": "single-source", "outlet_count": 0,
         "source_count": 0, "disputed": False, "created_at": now}
        for c in claims
    ]  # fmt: skip
    connection = await session.connection()
    result = await connection.execute(
        insert(Claim).returning(Claim.id, sort_by_parameter_order=True), rows
    )
    ids = [row[0] for row in result]
    filed = [
        (term[:80], claim_id)
        for claim_id, claim in zip(ids, claims, strict=True)
        for term in claim.terms
    ]
    await insert_ignore(session, ClaimTerm, [{"term": t, "claim_id": i} for t, i in filed])
    _file(session, ClaimTerm, filed)
    return ids


async def add_claim(session: AsyncSession, text: str, numbers: str, terms: Iterable[str]) -> int:
    (claim_id,) = await add_claims(session, [NewClaim(text, numbers, frozenset(terms))])
    return claim_id


async def add_claim_sources(
    session: AsyncSession, article_id: int, source_group: str, sentences: dict[int, str]
) -> None:
    """Link one article to claims (claim id -> its sentence there) and recount them."""
    rows = [
        {"claim_id": claim_id, "article_id": article_id, "sentence": sentence,
         "source_group": source_group}
        for claim_id, sentence in sentences.items()
    ]  # fmt: skip
    await insert_ignore(session, ClaimSource, rows)
    await recount_claims(session, list(sentences))


async def add_claim_links(
    session: AsyncSession,
    article_id: int,
    source_group: str,
    sentences: dict[int, str],
    conflicts: Sequence[tuple[int, int, str]],
) -> None:
    """Link one article to claims (claim id -> its sentence there) and record the conflicts it
    found, then update every claim either touched in one statement."""
    rows = [
        {"claim_id": claim_id, "article_id": article_id, "sentence": sentence,
         "source_group": source_group}
        for claim_id, sentence in sentences.items()
    ]  # fmt: skip
    connection = await session.connection()
    # Claims this outlet backed already gain a source but not an outlet. Counting the new
    # links, rather than recounting every source, keeps the cost flat as claims grow popular.
    known_outlet = set(
        await connection.scalars(
            select(ClaimSource.claim_id)
            .where(ClaimSource.claim_id.in_(list(sentences)))
            .where(ClaimSource.source_group == source_group)
            .distinct()
        )
    )
    await insert_ignore(session, ClaimSource, rows)  # a new article: every link is new
    pairs = _conflict_rows(conflicts)
    await insert_ignore(session, ClaimConflict, list(pairs.values()))
    disputed = {i for pair in pairs for i in pair}
    touched = sorted({*sentences, *disputed})
    if touched:
        await connection.execute(
            _count_new_links_statement(),
            {
                "touched": touched,
                "linked": sorted(sentences) or [-1],
                "new_outlet": sorted(set(sentences) - known_outlet) or [-1],
                "disputed": sorted(disputed) or [-1],
                "now": utcnow(),
            },
        )


@functools.cache
def _count_new_links_statement() -> Executable:
    def among(name: str) -> ColumnElement[bool]:
        return Claim.id.in_(bindparam(name, expanding=True))

    linked = case((among("linked"), 1), else_=0)
    new_outlet = case((among("new_outlet"), 1), else_=0)
    disputed = or_(Claim.disputed.is_(True), among("disputed"))
    # SET expressions see the row as it was, so the new values are spelled out for the status.
    status = case(
        (disputed, "disputed"),
        (Claim.outlet_count + new_outlet >= 2, "corroborated"),
        else_="single-source",
    )
    return (
        update(Claim)
        .where(among("touched"))
        .values(
            source_count=Claim.source_count + linked,
            outlet_count=Claim.outlet_count + new_outlet,
            disputed=disputed,
            status=status,
            updated_at=bindparam("now"),
        )
    )


async def add_claim_source(
    session: AsyncSession, claim_id: int, article_id: int, sentence: str, source_group: str
) -> None:
    await add_claim_sources(session, article_id, source_group, {claim_id: sentence})


def _conflict_rows(
    conflicts: Sequence[tuple[int, int, str]],
) -> dict[tuple[int, int], dict[str, object]]:
    """One row per pair of claims, the lower id first; the last reason given for a pair wins."""
    rows: dict[tuple[int, int], dict[str, object]] = {}
    for claim_id, other_id, reason in conflicts:
        first, second = sorted((claim_id, other_id))
        if first != second:
            rows[first, second] = {"claim_id": first, "other_id": second, "reason": reason[:300]}
    return rows


async def recount_claims(
    session: AsyncSession, ids: Sequence[int], *, disputed: Iterable[int] = ()
) -> None:
    """Sources, independent outlets (source groups) and status of the given claims, those in
    `disputed` marked disputed first; one statement."""
    if not ids:
        return
    connection = await session.connection()
    await connection.execute(
        _recount_claims_statement(),
        {"ids": sorted(set(ids)), "disputed": sorted(set(disputed)), "now": utcnow()},
    )


@functools.cache
def _recount_claims_statement() -> Executable:
    sources = (
        select(func.count())
        .where(ClaimSource.claim_id == Claim.id)
        .correlate(Claim)
        .scalar_subquery()
    )
    outlets = (
        select(func.count(func.distinct(ClaimSource.source_group)))
        .where(ClaimSource.claim_id == Claim.id)
        .correlate(Claim)
        .scalar_subquery()
    )
    # SET expressions see the row as it was, so the new values are spelled out where the
    # status needs them.
    disputed = or_(Claim.disputed.is_(True), Claim.id.in_(bindparam("disputed", expanding=True)))
    status = case(
        (disputed, "disputed"),
        (outlets >= 2, "corroborated"),
        else_="single-source",
    )
    return (
        update(Claim)
        .where(Claim.id.in_(bindparam("ids", expanding=True)))
        .values(
            source_count=sources,
            outlet_count=outlets,
            disputed=disputed,
            status=status,
            updated_at=bindparam("now"),
        )
    )


# Events


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    text: str
    date: str | None
    precision: str | None
    season: str | None
    approximate: bool


async def event_ids_by_term(
    session: AsyncSession, terms: Iterable[str], per_term: int = RECENT_PER_TERM
) -> dict[str, list[int]]:
    """For each word, the most recent events told with it (at most `per_term`)."""
    return await _recent_by_term(session, EventTerm.term, EventTerm.event_id, terms, per_term)


async def events_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, EventRow]:
    ids = list(set(ids))
    if not ids:
        return {}
    connection = await session.connection()
    rows = await connection.execute(_events_by_id_statement(), {"ids": ids})
    return {row[0]: EventRow(*row) for row in rows}


@functools.cache
def _events_by_id_statement() -> Executable:
    return select(
        Event.id, Event.text, Event.date, Event.precision, Event.season, Event.approximate
    ).where(Event.id.in_(bindparam("ids", expanding=True)))


async def add_events(
    session: AsyncSession, events: Sequence[tuple[frozenset[str], dict[str, object]]]
) -> list[int]:
    """Insert events (their words, their column values) in one statement; ids in order."""
    if not events:
        return []
    connection = await session.connection()
    result = await connection.execute(
        insert(Event).returning(Event.id, sort_by_parameter_order=True),
        [{"source_count": 0, "disputed": False, **values} for _, values in events],
    )
    ids = [row[0] for row in result]
    filed = [
        (term[:80], event_id)
        for event_id, (words, _) in zip(ids, events, strict=True)
        for term in words
    ]
    await insert_ignore(session, EventTerm, [{"term": t, "event_id": i} for t, i in filed])
    _file(session, EventTerm, filed)
    await _count_up(connection, [EVENT_COUNT], len(ids))
    return ids


async def add_event_sources(
    session: AsyncSession, article_id: int, told: dict[int, tuple[str, str | None]]
) -> None:
    """Link one article to events (event id -> its sentence and the date it gives); each event
    newly linked gains a source, so an event every article mentions costs what a rare one does."""
    rows: list[dict[str, object]] = [
        {"event_id": event_id, "article_id": article_id, "evidence": evidence, "date": date}
        for event_id, (evidence, date) in told.items()
    ]
    linked = await insert_new(session, EventSource, rows, "event_id")
    if linked:
        connection = await session.connection()
        await connection.execute(_count_event_sources_statement(), {"ids": sorted(linked)})


@functools.cache
def _count_event_sources_statement() -> Executable:
    return (
        update(Event)
        .where(Event.id.in_(bindparam("ids", expanding=True)))
        .values(source_count=Event.source_count + 1)
    )


async def add_event(session: AsyncSession, terms: Iterable[str], **values: object) -> int:
    (event_id,) = await add_events(session, [(frozenset(terms), values)])
    return event_id


async def update_event(session: AsyncSession, event_id: int, **values: object) -> None:
    await session.execute(update(Event).where(Event.id == event_id).values(**values))


async def add_event_source(
    session: AsyncSession, event_id: int, article_id: int, evidence: str, date: str | None
) -> None:
    row = {"event_id": event_id, "article_id": article_id, "evidence": evidence, "date": date}
    if await insert_ignore(session, EventSource, [row]):
        await session.execute(
            update(Event).where(Event.id == event_id).values(source_count=Event.source_count + 1)
        )


async def detach_article_events(session: AsyncSession, article_id: int) -> None:
    """Forget what one article said about events, deleting events no other article tells."""
    event_ids = list(
        await session.scalars(
            select(EventSource.event_id).where(EventSource.article_id == article_id)
        )
    )
    await session.execute(delete(EventSource).where(EventSource.article_id == article_id))
    for event_id in event_ids:
        count = await session.scalar(
            select(func.count()).select_from(EventSource).where(EventSource.event_id == event_id)
        )
        if count:
            await session.execute(
                update(Event).where(Event.id == event_id).values(source_count=count)
            )
        else:
            await session.execute(delete(Event).where(Event.id == event_id))
            await _count_up(await session.connection(), [EVENT_COUNT], -1)
            overlay = overlay_of(session)
            if overlay is not None:
                overlay.forget(EventTerm.__tablename__)


# Links between articles


async def related_article_counts(session: AsyncSession, article_id: int) -> dict[int, int]:
    """Other articles that share quotes or claims with this one, with how many they share."""
    counts: dict[int, int] = {}
    for link, key in ((QuoteSource, QuoteSource.quote_id), (ClaimSource, ClaimSource.claim_id)):
        mine = select(key).where(link.article_id == article_id)
        rows = await session.execute(
            select(link.article_id, func.count())
            .where(key.in_(mine), link.article_id != article_id)
            .group_by(link.article_id)
        )
        weight = 3 if link is QuoteSource else 1  # a shared verbatim quote is strong evidence
        for other, n in rows:
            counts[other] = counts.get(other, 0) + weight * n
    return counts


# Store state


async def picture_version(session: AsyncSession) -> int:
    value = await session.scalar(select(StoreState.value).where(StoreState.key == PICTURE_VERSION))
    return int(value) if value else 0


async def bump_picture_version(session: AsyncSession) -> int:
    """The next version of the picture, counted up in one upsert."""
    value = StoreState.__table__.c.value
    statement = (
        _insert(session, StoreState)
        .values(key=PICTURE_VERSION, value="1")  # type: ignore[attr-defined]
        .on_conflict_do_update(
            index_elements=[StoreState.key], set_={"value": cast(cast(value, Integer) + 1, String)}
        )
        .returning(value)
    )
    connection = await session.connection()
    version = int((await connection.execute(statement)).scalar_one())
    overlay = overlay_of(session)
    if overlay is not None:
        overlay.version_written = version
    return version


# Briefing reads


@dataclass(frozen=True, slots=True)
class SourceRow:
    article_id: int
    outlet: str | None
    url: str | None
    published: dt.date | None
    inferred: bool


# The columns a source reference needs: never the body, which is most of an article's bytes.
_SOURCE_COLUMNS = (
    Article.id,
    Article.outlet,
    Article.url,
    Article.published,
    Article.published_inferred,
)


def _source_of(row: Sequence[object]) -> SourceRow:
    article_id, outlet, url, published, inferred = row
    return SourceRow(article_id, outlet, url, published, bool(inferred))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ClaimView:
    id: int
    text: str
    status: str
    outlet_count: int
    source_count: int
    created_at: dt.datetime


_RANK = (Claim.outlet_count.desc(), Claim.source_count.desc(), Claim.id)


def _claim_view(claim: Claim) -> ClaimView:
    return ClaimView(
        claim.id, claim.text, claim.status, claim.outlet_count, claim.source_count, claim.created_at
    )


async def ranked_claims(
    session: AsyncSession, *, status: str | None = None, limit: int = 10, min_outlets: int = 1
) -> list[ClaimView]:
    """Claims with the most independent outlets first (read along ix_claims_*rank)."""
    statement = select(Claim).where(Claim.outlet_count >= min_outlets)
    if status:
        statement = statement.where(Claim.status == status)
    statement = statement.order_by(*_RANK).limit(limit)
    return [_claim_view(c) for c in await session.scalars(statement)]


async def claim_buckets(
    session: AsyncSession, buckets: tuple[tuple[str, str | None, int, int], ...]
) -> dict[str, list[ClaimView]]:
    """Several ranked lists in one round trip: (name, status, min outlets, limit) each."""
    found: dict[str, list[ClaimView]] = {name: [] for name, *_ in buckets}
    if not buckets:
        return found
    for bucket, *claim in await session.execute(_bucket_statement(buckets)):
        found[buckets[bucket][0]].append(ClaimView(*claim))
    for claims in found.values():  # a union keeps no order of its own
        claims.sort(key=lambda c: (-c.outlet_count, -c.source_count, c.id))
    return found


@functools.lru_cache(maxsize=16)
def _bucket_statement(buckets: tuple[tuple[str, str | None, int, int], ...]) -> Executable:
    """Built once per shape: constructing a union of ranked selects costs more than running it."""
    parts = []
    for position, (_, status, min_outlets, limit) in enumerate(buckets):
        statement = select(
            literal(position).label("bucket"),
            Claim.id, Claim.text, Claim.status, Claim.outlet_count, Claim.source_count,
            Claim.created_at,
        ).where(Claim.outlet_count >= min_outlets)  # fmt: skip
        if status:
            statement = statement.where(Claim.status == status)
        parts.append(select(statement.order_by(*_RANK).limit(limit).subquery()))
    return union_all(*parts)


# "Since you last looked" ranks the claims changed since then. Walking the rank index until
# enough of them turn up reads every claim when few changed (the usual case: one ingest), so
# the newest changes are read along the updated_at index first, at most this many.
CHANGED_BOUND = 1_000


async def claims_changed_since(
    session: AsyncSession, since: dt.datetime, limit: int = 5
) -> list[ClaimView]:
    """Claims that are new or gained a source or a conflict after `since`, strongest first.

    When at most CHANGED_BOUND claims changed they are all ranked (one walk along updated_at);
    when more did, the rank index finds the strongest of them soon enough."""
    connection = await session.connection()
    values = {"since": since, "limit": limit, "bound": CHANGED_BOUND + 1}
    rows = list(await connection.execute(_changed_statement(), values))
    if rows and rows[0][0] > CHANGED_BOUND:
        statement = (
            select(Claim)
            .where(Claim.updated_at > since, Claim.outlet_count >= 1)
            .order_by(*_RANK)
            .limit(limit)
        )
        return [_claim_view(c) for c in await session.scalars(statement)]
    return [ClaimView(*row[1:]) for row in rows if row[4] >= 1]


@functools.cache
def _changed_statement() -> Executable:
    """The claims changed after :since (at most :bound, CHANGED_BOUND + 1, so that a count
    above the bound says there are more), each row with that count; those with an outlet rank
    first."""
    recent = (
        select(*_CLAIM_VIEW_COLUMNS)
        .where(Claim.updated_at > bindparam("since"))
        .order_by(Claim.updated_at)
        .limit(bindparam("bound"))
        .subquery()
    )
    counted = select(recent, func.count().over().label("changed")).subquery()
    backed = case((counted.c.outlet_count >= 1, 0), else_=1)
    return (
        select(counted.c.changed, *(counted.c[c.key] for c in _CLAIM_VIEW_COLUMNS))
        .order_by(
            backed, counted.c.outlet_count.desc(), counted.c.source_count.desc(), counted.c.id
        )
        .limit(bindparam("limit"))
    )


_CLAIM_VIEW_COLUMNS = (
    Claim.id, Claim.text, Claim.status, Claim.outlet_count, Claim.source_count, Claim.created_at,
)  # fmt: skip


async def claims_created_since(
    session: AsyncSession, since: dt.datetime, limit: int = 5
) -> list[ClaimView]:
    return await claims_changed_since(session, since, limit)


async def get_claim(session: AsyncSession, claim_id: int) -> ClaimView | None:
    claim = await session.get(Claim, claim_id)
    return _claim_view(claim) if claim else None


async def claim_sources(
    session: AsyncSession, claim_ids: Sequence[int]
) -> dict[int, list[SourceRow]]:
    return await _sources_of(session, ClaimSource.claim_id, ClaimSource.article_id, claim_ids)


async def _sources_of(
    session: AsyncSession,
    fact_column: InstrumentedAttribute[int],
    article_column: InstrumentedAttribute[int],
    fact_ids: Sequence[int],
) -> dict[int, list[SourceRow]]:
    """The articles behind each fact (claim, quote), oldest first."""
    rows = await session.execute(
        select(fact_column, *_SOURCE_COLUMNS)
        .join(Article, Article.id == article_column)
        .where(fact_column.in_(list(fact_ids)))
        .order_by(Article.published, Article.id)
    )
    found: dict[int, list[SourceRow]] = {}
    for fact_id, *article in rows:
        found.setdefault(fact_id, []).append(_source_of(article))
    return found


async def claim_conflicts(session: AsyncSession, claim_ids: Sequence[int]) -> dict[int, list[str]]:
    ids = list(claim_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(ClaimConflict.claim_id, ClaimConflict.other_id, ClaimConflict.reason).where(
            ClaimConflict.claim_id.in_(ids) | ClaimConflict.other_id.in_(ids)
        )
    )
    found: dict[int, list[str]] = {}
    for first, second, reason in rows:
        for claim_id in (first, second):
            found.setdefault(claim_id, []).append(reason)
    return found


async def all_claims(session: AsyncSession) -> list[ClaimView]:
    return [_claim_view(c) for c in await session.scalars(select(Claim).order_by(Claim.id))]


async def claim_article_ids(session: AsyncSession) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for claim_id, article_id in await session.execute(
        select(ClaimSource.claim_id, ClaimSource.article_id).order_by(ClaimSource.article_id)
    ):
        found.setdefault(claim_id, []).append(article_id)
    return found


async def store_overview(session: AsyncSession) -> tuple[int, int, dt.date | None]:
    """Number of articles, of independent outlets, and the newest publication date.

    One round trip, each part answered from an index rather than by reading the articles
    themselves: the kept count of articles (a full count(*) only in a store that has none
    yet), the outlets by hopping from one source group to the next along
    ix_articles_source_group (a seek per outlet, however many articles each has), the newest
    date from ix_articles_newest.
    """
    count, outlets, latest = (await session.execute(_OVERVIEW)).one()
    if isinstance(latest, str):  # SQLite hands back the stored text of an aggregate
        latest = dt.date.fromisoformat(latest)
    return count or 0, outlets or 0, latest


_OVERVIEW_CTE = (
    "WITH RECURSIVE outlet(name) AS ("
    "SELECT min(source_group) FROM articles UNION ALL "
    "SELECT (SELECT min(source_group) FROM articles WHERE source_group > outlet.name) "
    "FROM outlet WHERE outlet.name IS NOT NULL)"
)
_OVERVIEW_SELECT = (
    "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM store_state "
    f"WHERE key = '{ARTICLE_COUNT}'), (SELECT count(*) FROM articles)) AS articles, "
    "(SELECT count(name) FROM outlet) AS outlets, "
    "(SELECT max(published) FROM articles) AS newest"
)
_OVERVIEW = text(f"{_OVERVIEW_CTE} {_OVERVIEW_SELECT}").columns(
    column("articles", Integer), column("outlets", Integer), column("newest", Date)
)


@dataclass(frozen=True, slots=True)
class SummaryRead:
    """What a summary is made of: the ranked lists, each claim's conflicts, and the store's
    size: its articles, the newest date, the highest article id, and how many articles (and
    which source groups, up to NEW_GROUPS of them) have an id above the one asked about."""

    buckets: dict[str, list[ClaimView]]
    conflicts: dict[int, list[str]]
    articles: int
    newest: dt.date | None
    last_id: int
    added: int
    new_groups: frozenset[str]


NEW_GROUPS = 64  # source groups read beside a summary; more new articles: count the outlets


async def summary_read(
    session: AsyncSession,
    buckets: tuple[tuple[str, str | None, int, int], ...],
    *,
    after_id: int = 0,
) -> SummaryRead:
    """`claim_buckets` and their `claim_conflicts` in one round trip with the store's size
    (the kept count, the newest date from ix_articles_newest, the articles above `after_id`
    along the primary key): one row per claim and conflict, a claim without one with a NULL
    reason, and one per new source group; every row carries the size, which a store without
    claims returns alone."""
    found: dict[str, list[ClaimView]] = {name: [] for name, *_ in buckets}
    conflicts: dict[int, list[str]] = {}
    groups: set[str] = set()
    connection = await session.connection()
    statement, parameters = _summary_statement(buckets)
    size: tuple[int, dt.date | None, int, int] = (0, None, 0, 0)
    first_bucket: dict[int, int] = {}  # a claim in two lists is joined to its conflicts twice
    rows = await connection.execute(statement, {**parameters, "after": after_id})
    for count, newest, last_id, added, bucket, *claim, reason in rows:
        if isinstance(newest, str):  # SQLite hands back the stored text of an aggregate
            newest = dt.date.fromisoformat(newest)
        size = (count or 0, newest, last_id or 0, added or 0)
        if bucket is None:
            continue
        if bucket < 0:
            groups.add(claim[1])
            continue
        claim_id = claim[0]
        first = first_bucket.setdefault(claim_id, bucket)
        listed = found[buckets[bucket][0]]
        if not listed or listed[-1].id != claim_id:
            listed.append(ClaimView(*claim))
        if reason is not None and first == bucket:
            conflicts.setdefault(claim_id, []).append(reason)
    for claims in found.values():  # a union keeps no order of its own
        claims.sort(key=lambda c: (-c.outlet_count, -c.source_count, c.id))
    return SummaryRead(found, conflicts, *size, frozenset(groups))


@functools.lru_cache(maxsize=16)
def _summary_statement(
    buckets: tuple[tuple[str, str | None, int, int], ...],
) -> tuple[TextualSelect, dict[str, object]]:
    """Built once per shape. Each list is read along a rank index (ix_claims_rank, or
    ix_claims_status_rank for a status), each claim's conflicts from either side along their
    two indexes; the new source groups are the rows of bucket -1, their name as the text."""
    claim_columns = "id, text, status, outlet_count, source_count, created_at"
    order = "outlet_count DESC, source_count DESC, id"
    parts: list[str] = []
    parameters: dict[str, object] = {}
    for position, (_, status, min_outlets, limit) in enumerate(buckets):
        where = f"outlet_count >= {int(min_outlets)}"
        if status:
            where += f" AND status = :status_{position}"
            parameters[f"status_{position}"] = status
        parts.append(
            f"SELECT {position} AS bucket, * FROM (SELECT {claim_columns} FROM claims "
            f"WHERE {where} ORDER BY {order} LIMIT {int(limit)}) AS bucket_{position}"
        )
    parts.append(
        "SELECT -1, NULL, source_group, NULL, NULL, NULL, NULL FROM (SELECT DISTINCT "
        "source_group FROM (SELECT source_group FROM articles WHERE id > :after "
        f"ORDER BY id LIMIT {NEW_GROUPS + 1}) AS newest) AS new_groups"
    )
    size = (
        "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM store_state "
        f"WHERE key = '{ARTICLE_COUNT}'), (SELECT count(*) FROM articles)) AS articles, "
        "(SELECT max(published) FROM articles) AS newest, "
        "(SELECT max(id) FROM articles) AS last_id, "
        f"(SELECT count(*) FROM (SELECT 1 FROM articles WHERE id > :after "
        f"LIMIT {NEW_GROUPS + 1}) AS newer) AS added"
    )
    statement = text(
        f"WITH ranked AS ({' UNION ALL '.join(parts)}) "
        "SELECT ov.articles, ov.newest, ov.last_id, ov.added, r.bucket, r.id, r.text, "
        "r.status, r.outlet_count, r.source_count, r.created_at, c.reason "
        f"FROM ({size}) AS ov LEFT JOIN ranked AS r ON 1 = 1 "
        "LEFT JOIN claim_conflicts AS c ON c.claim_id = r.id OR c.other_id = r.id "
        "ORDER BY r.bucket, r.id, c.claim_id, c.other_id"
    ).columns(
        column("articles", Integer), column("newest", Date), column("last_id", Integer),
        column("added", Integer), column("bucket", Integer), column("id", Integer),
        column("text", String), column("status", String), column("outlet_count", Integer),
        column("source_count", Integer), column("created_at", DateTime(timezone=True)),
        column("reason", String),
    )  # fmt: skip
    return statement, parameters


async def outlet_groups(session: AsyncSession) -> frozenset[str]:
    """Every source group (an independent outlet), a seek per group along
    ix_articles_source_group however many articles each has."""
    return frozenset(g for (g,) in await session.execute(_OUTLET_GROUPS) if g is not None)


_OUTLET_GROUPS = text(f"{_OVERVIEW_CTE} SELECT name FROM outlet")


@dataclass(frozen=True, slots=True)
class QuoteWithSources:
    id: int
    text: str
    partial: bool
    sources: list[SourceRow]


async def quotes_page(
    session: AsyncSession, speaker_id: int, offset: int, limit: int, *, total: int | None = None
) -> tuple[list[QuoteWithSources], int]:
    """A speaker's quotes, full quotes and the most repeated first, with their sources.

    `total`, when the caller knows it (speakers keep a quote count), saves counting again.
    """
    if total is None:
        total = (
            await session.scalar(
                select(func.count()).select_from(Quote).where(Quote.speaker_id == speaker_id)
            )
            or 0
        )
    quotes = list(
        await session.execute(
            select(Quote.id, Quote.text, Quote.partial)
            .where(Quote.speaker_id == speaker_id)
            .order_by(Quote.partial, Quote.source_count.desc(), Quote.id)
            .offset(offset)
            .limit(limit)
        )
    )
    sources = await _quote_sources(session, [q[0] for q in quotes]) if quotes else {}
    return [
        QuoteWithSources(quote_id, words, bool(partial), sources.get(quote_id, []))
        for quote_id, words, partial in quotes
    ], total


async def all_quotes(session: AsyncSession) -> list[tuple[str, QuoteWithSources]]:
    rows = await session.execute(
        select(Speaker.name, Quote).join(Speaker, Speaker.id == Quote.speaker_id).order_by(Quote.id)
    )
    pairs = list(rows)
    sources = await _quote_sources(session, [q.id for _, q in pairs])
    return [
        (name, QuoteWithSources(q.id, q.text, q.partial, sources.get(q.id, [])))
        for name, q in pairs
    ]


async def _quote_sources(
    session: AsyncSession, quote_ids: Sequence[int]
) -> dict[int, list[SourceRow]]:
    return await _sources_of(session, QuoteSource.quote_id, QuoteSource.article_id, quote_ids)


@dataclass(frozen=True, slots=True)
class EventWithSources:
    id: int
    text: str
    date: str | None
    precision: str | None
    season: str | None
    approximate: bool
    inferred: bool
    disputed: bool
    source_count: int
    article_ids: list[int]


async def count_events(session: AsyncSession) -> int:
    return await session.scalar(select(_kept_or_counted(EVENT_COUNT))) or 0


async def timeline_page(
    session: AsyncSession, offset: int, limit: int
) -> tuple[list[EventWithSources], int]:
    """One page of events in date order (undated last), and how many events there are."""
    return await timeline_events(session, offset, limit), await count_events(session)


async def timeline_events(
    session: AsyncSession, offset: int, limit: int, *, with_articles: bool = True
) -> list[EventWithSources]:
    """One page of events in date order (undated last), read along ix_events_order.

    `with_articles=False` skips looking up which articles tell each event (the reader sees
    only how many do, which the event row already holds).
    """
    if limit <= 0:
        return []
    rows = list(
        await session.execute(
            select(
                Event.id, Event.text, Event.date, Event.precision, Event.season,
                Event.approximate, Event.inferred, Event.disputed, Event.source_count,
            )
            .order_by(Event.sort_key, Event.source_count.desc(), Event.id)
            .offset(offset)
            .limit(limit)
        )
    )  # fmt: skip
    article_ids: dict[int, list[int]] = {}
    if rows and with_articles:
        for event_id, article_id in await session.execute(
            select(EventSource.event_id, EventSource.article_id)
            .where(EventSource.event_id.in_([row[0] for row in rows]))
            .order_by(EventSource.article_id)
        ):
            article_ids.setdefault(event_id, []).append(article_id)
    return [
        EventWithSources(
            row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]), bool(row[7]),
            row[8], article_ids.get(row[0], []),
        )
        for row in rows
    ]  # fmt: skip


async def timeline_with_count(
    session: AsyncSession, page: int, per_page: int
) -> tuple[list[EventWithSources], int, int]:
    """Page `page` of the events (the last page when there are fewer), how many events there
    are, and which page it is, in one statement while the page exists: the kept count is
    read beside the page."""
    connection = await session.connection()
    offset = (max(1, page) - 1) * per_page
    rows = list(
        await connection.execute(_timeline_statement(), {"offset": offset, "limit": per_page})
    )
    total = int(rows[0][0] or 0) if rows else 0
    pages = max(1, -(-total // per_page))
    if page > pages or page < 1:  # past the end (or before the start): the clamped page
        page = min(max(1, page), pages)
        return (
            await timeline_events(session, (page - 1) * per_page, per_page, with_articles=False),
            total,
            page,
        )
    events = [
        EventWithSources(
            row[1], row[2], row[3], row[4], row[5], bool(row[6]), bool(row[7]), bool(row[8]),
            row[9], [],
        )
        for row in rows
        if row[1] is not None
    ]  # fmt: skip
    return events, total, page


@functools.cache
def _timeline_statement() -> Executable:
    page = (
        select(
            Event.id, Event.text, Event.date, Event.precision, Event.season,
            Event.approximate, Event.inferred, Event.disputed, Event.source_count, Event.sort_key,
        )
        .order_by(Event.sort_key, Event.source_count.desc(), Event.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery()
    )  # fmt: skip
    total = select(_kept_or_counted(EVENT_COUNT).label("total")).subquery()
    # The count's one row leads, so an empty page still says how many events there are.
    return (
        select(total.c.total, *list(page.c)[:-1])
        .select_from(total.outerjoin(page, true()))
        .order_by(page.c.sort_key, page.c.source_count.desc(), page.c.id)
    )


async def source_rows(
    session: AsyncSession, offset: int = 0, limit: int | None = None
) -> list[tuple[SourceRow, str | None, str]]:
    """Articles, newest first, with their title (the opening words when they have none) and
    status."""
    statement = (
        select(*_SOURCE_COLUMNS, Article.title, Article.status, func.substr(Article.body, 1, 160))
        .order_by(Article.published.desc(), Article.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        (_source_of(row[:5]), row[5] or opening_words(row[7]), row[6])
        for row in await session.execute(statement)
    ]


def opening_words(body: str | None, limit: int = 80) -> str | None:
    """A stand-in title: the start of the article, cut at a word."""
    text = " ".join((body or "").split())
    if len(text) <= limit:
        return text or None
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:–—-") + "…"


@dataclass(frozen=True, slots=True)
class SearchRow:
    source: SourceRow
    title: str | None
    snippet: str | None  # None: asked not to work it out (see search_articles)


# PostgreSQL's text search vector of an article: a stored column (migration 0004) with a GIN
# index, so matching and ranking read it instead of parsing each article again.
SEARCH_VECTOR = "search_vector"

# Ranking reads every candidate, so only the newest articles that contain the words compete:
# the cost of a search stays flat however many articles share its words.
SEARCH_CANDIDATES = 200


# PostgreSQL looks for the candidates among the newest SEARCH_WINDOW ids first, through the
# index of the vector beside the id (migration 0006), so the scan reads that window's share of
# the matches, not every match in the store. Words too rare to fill the window are looked up
# among all matches, which for such words are few.
SEARCH_WINDOW = 4_000
EVERY_ID = 2**62  # a window that holds every article


# What a hit shows, typed so that dates and flags come back as on the ORM's columns.
_SEARCH_TYPES = (
    column("id", Integer), column("outlet", String), column("url", String),
    column("published", Date), column("published_inferred", Boolean), column("title", String),
    column("snippet", String),
)  # fmt: skip


def search_query(
    dialect: str,
    words: Sequence[str],
    limit: int,
    *,
    window: int = EVERY_ID,
    known: Sequence[int] = (),
) -> tuple[TextualSelect, dict[str, object]]:
    """The ranked full-text query for `dialect` among the newest `SEARCH_CANDIDATES` matches,
    in one statement that also reads what a hit shows of its article: FTS5 with bm25 on SQLite
    (titles weigh double); on PostgreSQL plainto_tsquery with ts_rank over the indexed vector,
    among the newest `window` ids, each row also saying how many candidates there were and
    whether the window held every article. The articles in `known` get no snippet (NULL): the
    caller has theirs for these words already."""
    columns = "a.id, a.outlet, a.url, a.published, a.published_inferred, a.title"
    if dialect == "postgresql":
        newest = "(SELECT coalesce(max(id), 0) FROM articles)"
        # An integer bound, as the id column is, so that the index on (vector, id) takes it.
        bound, held = (
            ("", "true")
            if window >= EVERY_ID
            else (
                f"AND id > {newest} - CAST(:window AS integer) ",
                f"{newest} <= CAST(:window AS integer)",
            )
        )
        # The snippet is worked out after the ranking's LIMIT, for the hits only.
        statement = text(
            "WITH candidates AS (SELECT id FROM articles "
            f"WHERE {SEARCH_VECTOR} @@ plainto_tsquery('english', :q) {bound}"
            "ORDER BY id DESC LIMIT :candidates) "
            f"SELECT {columns}, CASE WHEN a.id = ANY(CAST(:known AS integer[])) THEN NULL "
            "ELSE ts_headline('english', a.body, q, "
            '\'MaxWords=30, MinWords=15, StartSel="", StopSel=""\') END, '
            f"(SELECT count(*) FROM candidates), {held} "
            "FROM candidates c JOIN articles a ON a.id = c.id, plainto_tsquery('english', :q) q "
            f"ORDER BY ts_rank(a.{SEARCH_VECTOR}, q) DESC, a.id LIMIT :limit"
        )
        parameters: dict[str, object] = {"q": " ".join(words), "limit": limit}
        if window < EVERY_ID:
            parameters["window"] = window
        found = statement.columns(*_SEARCH_TYPES, column("n", Integer), column("all", Boolean))
        return found, {**parameters, "candidates": SEARCH_CANDIDATES, "known": list(known)}
    # FTS5 walks its doclists newest rowid first and stops at the cut-off; the rowid bound is
    # pushed into the index, so bm25 is computed for the candidates only. The ranked hits come
    # first (CROSS JOIN keeps them the outer loop), each found by its id. SQLite works out
    # every selected column before it sorts, so snippets (of the hits only) are a second
    # statement, `snippet_query`.
    statement = text(
        f"SELECT {columns}, NULL AS snippet FROM (SELECT rowid AS id, "
        "bm25(article_search, 2.0, 1.0) AS rank FROM article_search "
        "WHERE article_search MATCH :match AND rowid >= coalesce(("
        "SELECT rowid FROM article_search WHERE article_search MATCH :match "
        "ORDER BY rowid DESC LIMIT 1 OFFSET :last), 0) "
        "ORDER BY rank LIMIT :limit) AS hits CROSS JOIN articles AS a ON a.id = hits.id "
        "ORDER BY hits.rank"
    )
    parameters = {"match": _fts_match(words), "limit": limit, "last": SEARCH_CANDIDATES - 1}
    return statement.columns(*_SEARCH_TYPES), parameters


def _fts_match(words: Sequence[str]) -> str:
    return " ".join('"' + w.replace('"', "") + '"' for w in words)


# The snippets of some articles for a search on SQLite: FTS5 reads the doclists between the
# lowest and the highest id (within the candidates, so a short walk) and snippets only those.
_SNIPPETS = text(
    "SELECT id, snippet FROM (SELECT rowid AS id, CASE WHEN rowid IN "
    "(SELECT value FROM json_each(:ids)) THEN snippet(article_search, 1, '', '', '…', 24) "
    "END AS snippet FROM article_search WHERE article_search MATCH :match "
    "AND rowid >= :low AND rowid <= :high) WHERE snippet IS NOT NULL"
)


async def search_articles(
    session: AsyncSession, words: Sequence[str], limit: int = 10, *, known: Iterable[int] = ()
) -> list[SearchRow]:
    """Articles containing every word, best ranked first: FTS5 on SQLite, tsvector on
    PostgreSQL. A hit among `known` comes without its snippet (None)."""
    if not words:
        return []
    shown = set(known)
    connection = await session.connection()
    if _dialect(session) != "postgresql":
        statement, parameters = search_query("sqlite", words, limit)
        hits = [_search_row(row) for row in await connection.execute(statement, parameters)]
        wanted = [r.source.article_id for r in hits if r.source.article_id not in shown]
        if not wanted:
            return hits
        found = await connection.execute(
            _SNIPPETS,
            {"match": _fts_match(words), "ids": json.dumps(wanted),
             "low": min(wanted), "high": max(wanted)},
        )  # fmt: skip
        snippets = {article_id: _one_line(snippet) for article_id, snippet in found}
        return [
            r if r.source.article_id in shown
            else dataclasses.replace(r, snippet=snippets.get(r.source.article_id, ""))
            for r in hits
        ]  # fmt: skip
    # The newest SEARCH_CANDIDATES matches are the same in any window that holds that many or
    # every article, so a window short of them (or empty, not saying which it was) gives way
    # to all the matches at once.
    statement, parameters = search_query(
        "postgresql", words, limit, window=SEARCH_WINDOW, known=sorted(shown)
    )
    rows = list(await connection.execute(statement, parameters))
    if not rows or (rows[0][7] < SEARCH_CANDIDATES and not rows[0][8]):
        statement, parameters = search_query("postgresql", words, limit, known=sorted(shown))
        rows = list(await connection.execute(statement, parameters))
    return [_search_row(row) for row in rows]


def _search_row(row: Sequence[object]) -> SearchRow:
    snippet = None if row[6] is None else _one_line(str(row[6]))
    return SearchRow(_source_of(row[:5]), row[5], snippet)  # type: ignore[arg-type]


def _one_line(snippet: str) -> str:
    return snippet.replace("\n", " ")


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


# Chats


@dataclass(frozen=True, slots=True)
class ChatRow:
    id: int
    kind: str
    title: str | None
    summary_seen_at: dt.datetime | None
    digest_mode: str
    date_style: str
    pages: str
    active: bool
    seen_version: int | None = None


async def get_chat(session: AsyncSession, chat_id: int) -> ChatRow | None:
    chat = await session.get(Chat, chat_id)
    if chat is None:
        return None
    seen = chat.summary_seen_at
    if seen is not None and seen.tzinfo is None:  # SQLite returns naive datetimes
        seen = seen.replace(tzinfo=dt.UTC)
    return ChatRow(
        chat.id, chat.kind, chat.title, seen, chat.digest_mode, chat.date_style, chat.pages,
        chat.active, chat.seen_version,
    )  # fmt: skip


# Every command starts here, so it is one call to the driver: the picture version, and the
# chat's row when the store knows the chat (one row either way).
_CHAT_WITH_VERSION = DriverRead(
    "SELECT c.id, c.kind, c.title, c.summary_seen_at, c.digest_mode, c.date_style, c.pages, "
    "c.active, c.seen_version, (SELECT value FROM store_state WHERE key = :key) "
    "FROM (SELECT 1 AS here) AS one LEFT JOIN chats AS c ON c.id = :chat"
)


async def chat_with_version(session: AsyncSession, chat_id: int) -> tuple[ChatRow | None, int]:
    """A chat's row and the store's picture version, in one round trip (the hot path of every
    command)."""
    rows = await driver_rows(session, _CHAT_WITH_VERSION, {"key": PICTURE_VERSION, "chat": chat_id})
    found, kind, title, seen, digest_mode, date_style, pages, active, seen_version, picture = rows[
        0
    ]
    version = int(picture) if picture else 0
    if found is None:
        return None, version
    if isinstance(seen, str):  # SQLite hands back the stored text
        seen = dt.datetime.fromisoformat(seen)
    if seen is not None and seen.tzinfo is None:  # stored in UTC, without the zone
        seen = seen.replace(tzinfo=dt.UTC)
    row = ChatRow(
        found, kind, title, seen, digest_mode, date_style, pages, bool(active), seen_version
    )
    return row, version


async def ensure_chat(session: AsyncSession, chat_id: int, kind: str, title: str | None) -> None:
    """Record a chat the first time it talks to the bot; a chat that comes back is active again."""
    inserted = await insert_ignore(
        session,
        Chat,
        [{"id": chat_id, "kind": kind, "title": (title or None) and title[:200], "pages": "{}"}],
    )
    if not inserted:
        await session.execute(
            update(Chat).where(Chat.id == chat_id, Chat.active.is_(False)).values(active=True)
        )


async def update_chat(session: AsyncSession, chat_id: int, **values: object) -> None:
    await session.execute(update(Chat).where(Chat.id == chat_id).values(**values))
