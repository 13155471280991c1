"""Named queries for digests: subscriptions, picture snapshots and the picture itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    Article,
    Chat,
    Claim,
    ClaimConflict,
    ClaimSource,
    Event,
    EventSource,
    PictureSnapshot,
    Quote,
    QuoteSource,
    Speaker,
    Subscription,
)
from store.queries import insert_ignore


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; the store keeps UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    chat_id: int
    kind: str
    active: bool
    mode: str  # the chat's digest_mode: instant, daily or off
    hour: int
    timezone: str
    quiet_start: int | None
    quiet_end: int | None
    every_minutes: int | None
    seen_version: int
    last_digest_at: dt.datetime | None


_COLUMNS = (
    Subscription.chat_id,
    Subscription.kind,
    Subscription.active,
    func.coalesce(Chat.digest_mode, "instant"),
    Subscription.hour,
    Subscription.timezone,
    Subscription.quiet_start,
    Subscription.quiet_end,
    Subscription.every_minutes,
    Subscription.seen_version,
    Subscription.last_digest_at,
)


def _row(values: Sequence[object]) -> SubscriptionRow:
    row = SubscriptionRow(*values)  # type: ignore[arg-type]
    return SubscriptionRow(
        row.chat_id,
        row.kind,
        bool(row.active),
        str(row.mode),
        row.hour,
        row.timezone,
        row.quiet_start,
        row.quiet_end,
        row.every_minutes,
        row.seen_version,
        aware(row.last_digest_at),
    )


async def get_subscription(session: AsyncSession, chat_id: int) -> SubscriptionRow | None:
    found = (
        await session.execute(
            select(*_COLUMNS)
            .outerjoin(Chat, Chat.id == Subscription.chat_id)
            .where(Subscription.chat_id == chat_id)
        )
    ).first()
    return _row(tuple(found)) if found else None


async def pending_subscriptions(session: AsyncSession, below: int) -> list[SubscriptionRow]:
    """Active subscriptions whose last digest is older than picture version `below`."""
    rows = await session.execute(
        select(*_COLUMNS)
        .outerjoin(Chat, Chat.id == Subscription.chat_id)
        .where(Subscription.active.is_(True), Subscription.seen_version < below)
        .order_by(Subscription.chat_id)
    )
    return [_row(tuple(r)) for r in rows]


async def subscribe(session: AsyncSession, chat_id: int, kind: str, seen_version: int) -> bool:
    """Start (or restart) digests for a chat from `seen_version`; False if it was already on."""
    created = await insert_ignore(
        session,
        Subscription,
        [
            {
                "chat_id": chat_id,
                "kind": kind,
                "active": True,
                "hour": 8,
                "timezone": "UTC",
                "seen_version": seen_version,
            }
        ],
    )
    if created:
        return True
    current = await session.scalar(
        select(Subscription.active).where(Subscription.chat_id == chat_id)
    )
    if current:
        return False
    await update_subscription(session, chat_id, active=True, seen_version=seen_version)
    return True


async def add_inactive(session: AsyncSession, chat_id: int, kind: str) -> None:
    """A row for settings chosen before subscribing; /subscribe turns it on, keeping them."""
    await insert_ignore(
        session,
        Subscription,
        [{"chat_id": chat_id, "kind": kind, "active": False, "hour": 8, "timezone": "UTC",
          "seen_version": 0}],
    )  # fmt: skip


async def update_subscription(session: AsyncSession, chat_id: int, **values: object) -> None:
    await session.execute(
        update(Subscription).where(Subscription.chat_id == chat_id).values(**values)
    )


async def deactivate(session: AsyncSession, chat_ids: Sequence[int]) -> None:
    await session.execute(
        update(Subscription).where(Subscription.chat_id.in_(list(chat_ids))).values(active=False)
    )


async def move_subscription(session: AsyncSession, old_id: int, new_id: int) -> None:
    """A group became a supergroup: the subscription follows it to the new id."""
    if await session.get(Subscription, new_id) is not None:
        await session.execute(delete(Subscription).where(Subscription.chat_id == old_id))
        return
    await session.execute(
        update(Subscription)
        .where(Subscription.chat_id == old_id)
        .values(chat_id=new_id, kind="supergroup")
    )


async def advance(
    session: AsyncSession, chat_ids: Sequence[int], version: int, sent_at: dt.datetime | None
) -> None:
    """Record that these chats are up to `version` (and got a digest at `sent_at`, if given)."""
    values: dict[str, object] = {"seen_version": version}
    if sent_at is not None:
        values["last_digest_at"] = sent_at
    ids = list(chat_ids)
    for start in range(0, len(ids), 500):
        await session.execute(
            update(Subscription)
            .where(Subscription.chat_id.in_(ids[start : start + 500]))
            .values(**values)
        )


async def count_subscribers(session: AsyncSession) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.active.is_(True))
        )
        or 0
    )


# Picture snapshots


async def latest_snapshot(session: AsyncSession) -> tuple[int, str] | None:
    row = (
        await session.execute(
            select(PictureSnapshot.version, PictureSnapshot.picture)
            .order_by(PictureSnapshot.version.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def snapshot(session: AsyncSession, version: int) -> str | None:
    return await session.scalar(
        select(PictureSnapshot.picture).where(PictureSnapshot.version == version)
    )


async def save_snapshot(session: AsyncSession, version: int, picture: str) -> None:
    await insert_ignore(session, PictureSnapshot, [{"version": version, "picture": picture}])


async def prune_snapshots(session: AsyncSession, keep_from: int) -> None:
    """Drop snapshots no active subscription can still be compared with."""
    oldest_needed = await session.scalar(
        select(func.min(Subscription.seen_version)).where(Subscription.active.is_(True))
    )
    floor = min(keep_from, oldest_needed if oldest_needed is not None else keep_from)
    await session.execute(delete(PictureSnapshot).where(PictureSnapshot.version < floor))


# The picture: what the story's on-topic articles say


async def picture_claims(
    session: AsyncSession,
) -> list[tuple[int, str, str, int, str]]:
    rows = await session.execute(
        select(Claim.id, Claim.text, Claim.status, Claim.outlet_count, Claim.numbers)
        .where(
            exists().where(
                ClaimSource.claim_id == Claim.id,
                ClaimSource.article_id == Article.id,
                Article.status != "forced",
            )
        )
        .order_by(Claim.id)
    )
    return [(r[0], r[1], r[2], r[3], r[4] or "") for r in rows]


async def picture_conflicts(session: AsyncSession) -> list[tuple[int, int, str]]:
    rows = await session.execute(
        select(ClaimConflict.claim_id, ClaimConflict.other_id, ClaimConflict.reason)
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def picture_quotes(session: AsyncSession) -> list[tuple[int, str, str]]:
    rows = await session.execute(
        select(Quote.id, Speaker.name, Quote.text)
        .join(Speaker, Speaker.id == Quote.speaker_id)
        .where(
            exists().where(
                QuoteSource.quote_id == Quote.id,
                QuoteSource.article_id == Article.id,
                Article.status != "forced",
            )
        )
        .order_by(Quote.id)
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def picture_events(
    session: AsyncSession,
) -> list[tuple[int, str, str | None, str | None, str | None, bool]]:
    rows = await session.execute(
        select(Event.id, Event.text, Event.date, Event.precision, Event.season, Event.disputed)
        .where(
            exists().where(
                EventSource.event_id == Event.id,
                EventSource.article_id == Article.id,
                Article.status != "forced",
            )
        )
        .order_by(Event.id)
    )
    return [(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


async def count_quotes(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Quote)) or 0
