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

    __table_args__ = (Index("ix_quotes_speaker_first", "speaker_id", "partial", "id"),)


class QuoteSource(Base):
    __tablename__ = "quote_sources"

    quote_id: Mapped[int] = mapped_column(
        ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
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
    sort_key: Mapped[int] = mapped_column(Integer, index=True)
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    # Another source gave a different date for this event.
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)


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

    __table_args__ = (Index("ix_claims_rank", "outlet_count", "source_count", "id"),)


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
    "QuoteSource",
    "Speaker",
    "SpeakerAlias",
    "StoreState",
    "StoryTerm",
]
