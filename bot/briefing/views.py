"""What the briefing services return: frozen, Telegram-free views of the fact store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceRef:
    article_id: int
    outlet: str
    published: dt.date | None
    inferred: bool = False

    def label(self) -> str:
        if self.published is None:
            return f"{self.outlet}, undated"
        date = self.published.strftime("%-d %b %Y")
        return f"{self.outlet}, {date}" + (" (date inferred)" if self.inferred else "")


@dataclass(frozen=True, slots=True)
class KeyPoint:
    claim_id: int
    text: str
    status: str  # corroborated | single-source | disputed
    outlets: int
    sources: tuple[SourceRef, ...]
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    points: tuple[KeyPoint, ...]
    single_source: tuple[KeyPoint, ...]
    disputed: tuple[KeyPoint, ...]
    articles: int
    outlets: int
    newest: dt.date | None
    changed: tuple[KeyPoint, ...] = ()  # new or changed since the reader last looked


@dataclass(frozen=True, slots=True)
class QuoteView:
    text: str
    partial: bool
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class SpeakerView:
    id: int
    name: str
    role: str | None
    quotes: int


@dataclass(frozen=True, slots=True)
class QuotesPage:
    speaker: SpeakerView
    quotes: tuple[QuoteView, ...]
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class SpeakerChoice:
    """No confident match: the query and the speakers it might mean."""

    query: str
    candidates: tuple[SpeakerView, ...]


@dataclass(frozen=True, slots=True)
class SpeakerList:
    speakers: tuple[SpeakerView, ...]


@dataclass(frozen=True, slots=True)
class EventView:
    text: str
    date_label: str  # "3 Feb 2026", "Feb 2026", "summer 2025", "undated"
    date: str | None
    precision: str | None
    sources: int
    inferred: bool
    disputed: bool


@dataclass(frozen=True, slots=True)
class TimelinePage:
    events: tuple[EventView, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class ArticleView:
    id: int
    title: str | None
    outlet: str
    url: str | None
    published: dt.date | None
    inferred: bool
    status: str


@dataclass(frozen=True, slots=True)
class SourceList:
    articles: tuple[ArticleView, ...]  # one page of them, newest first
    outlets: int
    page: int = 1
    pages: int = 1
    total: int = 0


@dataclass(frozen=True, slots=True)
class Overview:
    """How big and how fresh the store is, and the point that best says what the story is."""

    articles: int
    outlets: int
    newest: dt.date | None
    headline: str | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: ArticleView
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    hits: tuple[SearchHit, ...]
