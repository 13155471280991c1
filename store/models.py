"""ORM tables of the fact store: articles, speakers, quotes, events, claims and their sources."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str | None] = mapped_column(String(2000), index=True)
    outlet: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[dt.date | None] = mapped_column(Date)
    published_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # "original", "rewrite" (a retelling of `rewrite_of`) or "forced" (off-topic, added on request)
    status: Mapped[str] = mapped_column(String(20), default="original")
    rewrite_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    # Articles sharing a source group are one voice when counting corroboration.
    source_group: Mapped[str] = mapped_column(String(220), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    relevance: Mapped[float] = mapped_column(Float, default=1.0)
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_articles_newest", Article.published.desc(), Article.id.desc())
# The story's size (articles not forced in) is counted for every new article: an index keeps
# the count off the article bodies.
Index("ix_articles_status", Article.status)


class Speaker(Base):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str | None] = mapped_column(String(200))
    quote_count: Mapped[int] = mapped_column(Integer, default=0)


class SpeakerAlias(Base):
    __tablename__ = "speaker_aliases"

    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(300), index=True)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    first_published: Mapped[dt.date | None] = mapped_column(Date)
    source_count: Mapped[int] = mapped_column(Integer, default=1)


Index(
    "ix_quotes_speaker_first", Quote.speaker_id, Quote.partial, Quote.source_count.desc(), Quote.id
)


class QuoteSource(Base):
    __tablename__ = "quote_sources"

    quote_id: Mapped[int] = mapped_column(
        ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class QuoteShingle(Base):
    """Hashes of each quote's word 3-grams: quotes that repeat, contain or nearly match each
    other share them, so a new quote finds its earlier wordings without a scan."""

    __tablename__ = "quote_shingles"

    shingle: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(10))
    precision: Mapped[str | None] = mapped_column(String(10))
    season: Mapped[str | None] = mapped_column(String(10))
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    # True when the date comes from another article's publication date, not this one's.
    inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # Chronological order; undated events sort last.
    sort_key: Mapped[int] = mapped_column(Integer)
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    # Another source gave a different date for this event.
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_events_order", Event.sort_key, Event.source_count.desc(), Event.id)


class EventSource(Base):
    __tablename__ = "event_sources"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    evidence: Mapped[str] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(10))


class EventTerm(Base):
    """Inverted index from a content word to the events that use it, for matching new events."""

    __tablename__ = "event_terms"

    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # "corroborated", "single-source" or "disputed"
    status: Mapped[str] = mapped_column(String(20), default="single-source")
    outlet_count: Mapped[int] = mapped_column(Integer, default=1)
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    numbers: Mapped[str] = mapped_column(String(500), default="")
    # Another claim contradicts this one (see claim_conflicts).
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Last time a source or a conflict was added: "since you last looked" compares with it.
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


Index("ix_claims_rank", Claim.outlet_count.desc(), Claim.source_count.desc(), Claim.id)
Index(
    "ix_claims_status_rank",
    Claim.status,
    Claim.outlet_count.desc(),
    Claim.source_count.desc(),
    Claim.id,
)


class ClaimSource(Base):
    __tablename__ = "claim_sources"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sentence: Mapped[str] = mapped_column(Text)
    source_group: Mapped[str] = mapped_column(String(220))

    __table_args__ = (Index("ix_claim_sources_group", "claim_id", "source_group"),)


class ClaimTerm(Base):
    """Inverted index from a content word to the claims that use it, for clustering."""

    __tablename__ = "claim_terms"

    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ClaimConflict(Base):
    __tablename__ = "claim_conflicts"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(300))


# A claim's conflicts are looked up from either side.
Index("ix_claim_conflicts_other_id", ClaimConflict.other_id)


class StoryTerm(Base):
    """How many on-topic articles use a word: the story's profile, for the relevance check."""

    __tablename__ = "story_terms"

    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    doc_count: Mapped[int] = mapped_column(Integer, default=0)


class ArticleTerm(Base):
    """The distinctive words of each article, for finding rewrites and related articles."""

    __tablename__ = "article_terms"

    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Chat(Base):
    """A private chat or group the bot talks to, with its preferences and what it last saw."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="private")
    title: Mapped[str | None] = mapped_column(String(200))
    # When the chat last asked for /summary, for "since you last looked".
    summary_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # "instant", "daily" or "off"
    digest_mode: Mapped[str] = mapped_column(String(10), default="instant")
    # How dates are written: "day-month" (3 Feb 2026) or "iso" (2026-02-03).
    date_style: Mapped[str] = mapped_column(String(10), default="day-month")
    # Last page shown per list, e.g. "timeline" or "quotes:12".
    pages: Mapped[str] = mapped_column(Text, default="{}")
    # The store's picture version when the chat last asked for /summary.
    seen_version: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StoreState(Base):
    """Small key/value facts about the store, such as the version of the picture."""

    __tablename__ = "store_state"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


__all__ = [
    "Article",
    "ArticleTerm",
    "Base",
    "Chat",
    "Claim",
    "ClaimConflict",
    "ClaimSource",
    "ClaimTerm",
    "Event",
    "EventSource",
    "EventTerm",
    "Quote",
    "QuoteShingle",
    "QuoteSource",
    "Speaker",
    "SpeakerAlias",
    "StoreState",
    "StoryTerm",
]


# Sources, subscriptions and digests


class Source(Base):
    """A feed or web page the bot polls for new articles, with its fetch state."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    # "feed" (RSS/Atom) or "page" (one web page, ingested again when it changes)
    kind: Mapped[str] = mapped_column(String(10), default="feed")
    title: Mapped[str | None] = mapped_column(String(500))
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetch_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_ok_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_fetch_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # Consecutive failed fetches; the next fetch waits interval * 2**failures (capped).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    articles_added: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SourceEntry(Base):
    """A feed entry already handled, by its id or link, so no article is fetched twice."""

    __tablename__ = "source_entries"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the entry id
    url: Mapped[str] = mapped_column(String(2000))
    # "added", "duplicate", "skipped" or "error" (retried a few times)
    status: Mapped[str] = mapped_column(String(20))
    article_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Subscription(Base):
    """A chat that asked for digests; its mode is the chat's digest_mode."""

    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="private")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Daily digests: local hour and IANA time zone.
    hour: Mapped[int] = mapped_column(Integer, default=8)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Quiet hours, local, [start, end) wrapping midnight; None for none.
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    # Instant digests: at most one per this many minutes; None for the configured default.
    every_minutes: Mapped[int | None] = mapped_column(Integer)
    # The picture snapshot the chat's last digest brought it up to.
    seen_version: Mapped[int] = mapped_column(Integer, default=0)
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_subscriptions_due", Subscription.active, Subscription.seen_version)


class PictureSnapshot(Base):
    """The picture (claims, quotes, events) at one picture version, as JSON, to diff against."""

    __tablename__ = "picture_snapshots"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    picture: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DigestMessage(Base):
    """One rendered digest, shared by every chat that goes from the same version to the next."""

    __tablename__ = "digest_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_version: Mapped[int] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    buttons: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(Base):
    """One message to deliver: pending, sending, sent, blocked or failed."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digest_messages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # While "sending": the sender holding the row, and until when; past it, others take it back.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("chat_id", "digest_id"),)


Index("ix_outbox_queue", OutboxMessage.status, OutboxMessage.not_before, OutboxMessage.id)

__all__ += [
    "DigestMessage",
    "OutboxMessage",
    "PictureSnapshot",
    "Source",
    "SourceEntry",
    "Subscription",
]
