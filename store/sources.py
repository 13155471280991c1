"""Named queries for polled sources (feeds and pages) and the entries already handled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Source, SourceEntry
from store.queries import insert_ignore
from store.subscriptions import aware


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: int
    url: str
    kind: str
    title: str | None
    interval_seconds: int
    etag: str | None
    last_modified: str | None
    last_fetch_at: dt.datetime | None
    last_ok_at: dt.datetime | None
    next_fetch_at: dt.datetime | None
    failures: int
    last_error: str | None
    articles_added: int


def _row(source: Source) -> SourceRow:
    return SourceRow(
        source.id,
        source.url,
        source.kind,
        source.title,
        source.interval_seconds,
        source.etag,
        source.last_modified,
        aware(source.last_fetch_at),
        aware(source.last_ok_at),
        aware(source.next_fetch_at),
        source.failures,
        source.last_error,
        source.articles_added,
    )


async def add_source(
    session: AsyncSession, url: str, kind: str, interval_seconds: int, next_fetch_at: dt.datetime
) -> SourceRow | None:
    """A new source; None when the URL is already a source."""
    added = await insert_ignore(
        session,
        Source,
        [
            {
                "url": url,
                "kind": kind,
                "interval_seconds": interval_seconds,
                "failures": 0,
                "articles_added": 0,
                "next_fetch_at": next_fetch_at,
            }
        ],
    )
    return await source_by_url(session, url) if added else None


async def source_by_url(session: AsyncSession, url: str) -> SourceRow | None:
    source = await session.scalar(select(Source).where(Source.url == url))
    return _row(source) if source else None


async def get_source(session: AsyncSession, source_id: int) -> SourceRow | None:
    source = await session.get(Source, source_id)
    return _row(source) if source else None


async def list_sources(session: AsyncSession) -> list[SourceRow]:
    return [_row(s) for s in await session.scalars(select(Source).order_by(Source.id))]


async def claim_due_sources(
    session: AsyncSession, now: dt.datetime, lease_until: dt.datetime
) -> list[SourceRow]:
    """Take the sources due at `now` for one poller: their next fetch moves to `lease_until`, so
    no other poller takes them until this one records its fetch or the lease runs out.

    On PostgreSQL the pick locks the rows and skips those another poller is taking (FOR UPDATE
    SKIP LOCKED); on SQLite pick and mark are one statement under its single writer lock. The
    update's own condition keeps the claim conditional on both."""
    due = select(Source.id).where(Source.next_fetch_at <= now).order_by(Source.next_fetch_at)
    picked: Any
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        picked = list(await session.scalars(due.with_for_update(skip_locked=True)))
        if not picked:
            return []
    else:
        picked = due.scalar_subquery()
    claimed = await session.execute(
        update(Source)
        .where(Source.id.in_(picked), Source.next_fetch_at <= now)
        .values(next_fetch_at=lease_until)
        .returning(Source.id)
        .execution_options(synchronize_session=False)
    )
    ids = [row[0] for row in claimed]
    rows = await session.scalars(select(Source).where(Source.id.in_(ids)))
    return sorted((_row(s) for s in rows), key=lambda r: r.id)


async def update_source(session: AsyncSession, source_id: int, **values: object) -> None:
    await session.execute(update(Source).where(Source.id == source_id).values(**values))


async def remove_source(session: AsyncSession, source_id: int) -> bool:
    await session.execute(delete(SourceEntry).where(SourceEntry.source_id == source_id))
    result = await session.execute(delete(Source).where(Source.id == source_id))
    return bool(getattr(result, "rowcount", 0))


async def known_entries(session: AsyncSession, source_id: int) -> dict[str, tuple[str, int]]:
    """Entry key -> (status, attempts) for everything this source has handled."""
    rows = await session.execute(
        select(SourceEntry.key, SourceEntry.status, SourceEntry.attempts).where(
            SourceEntry.source_id == source_id
        )
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def remember_entry(
    session: AsyncSession,
    source_id: int,
    key: str,
    url: str,
    status: str,
    article_id: int | None,
) -> None:
    values = {"url": url[:2000], "status": status, "article_id": article_id}
    if not await insert_ignore(
        session, SourceEntry, [{"source_id": source_id, "key": key, "attempts": 1, **values}]
    ):
        await session.execute(
            update(SourceEntry)
            .where(SourceEntry.source_id == source_id, SourceEntry.key == key)
            .values(attempts=SourceEntry.attempts + 1, **values)
        )
