"""Named queries for the outbox: rendered digests and one row per message to deliver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import DigestMessage, OutboxMessage, StoreState, utcnow
from store.queries import insert_ignore
from store.subscriptions import aware

RESENT_KEY = "outbox_resent_after_restart"


async def add_digest(
    session: AsyncSession, from_version: int, to_version: int, html: str, buttons: str
) -> int:
    digest = DigestMessage(
        from_version=from_version, to_version=to_version, html=html, buttons=buttons
    )
    session.add(digest)
    await session.flush()
    return digest.id


async def enqueue(session: AsyncSession, digest_id: int, chat_ids: Sequence[int]) -> int:
    """One pending row per chat; a chat already holding this digest is skipped."""
    now = utcnow()
    ids = list(chat_ids)
    added = 0
    for start in range(0, len(ids), 2000):
        rows = [
            {
                "chat_id": chat_id,
                "digest_id": digest_id,
                "status": "pending",
                "attempts": 0,
                "not_before": now,
                "created_at": now,
            }
            for chat_id in ids[start : start + 2000]
        ]
        added += await insert_ignore(session, OutboxMessage, rows)
    return added


async def add_digest_and_enqueue(
    session: AsyncSession,
    from_version: int,
    to_version: int,
    html: str,
    buttons: str,
    chat_ids: Sequence[int],
) -> int:
    digest_id = await add_digest(session, from_version, to_version, html, buttons)
    await enqueue(session, digest_id, chat_ids)
    return digest_id


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    id: int
    chat_id: int
    digest_id: int
    attempts: int


async def claim(
    session: AsyncSession, limit: int, now: dt.datetime, owner: str, lease_until: dt.datetime
) -> list[ClaimedRow]:
    """Mark up to `limit` due pending rows as sending, held by `owner` until `lease_until`, and
    return them, oldest first.

    Two senders never claim the same row: on PostgreSQL the pick takes row locks that last until
    the caller's transaction ends and skips rows another sender holds (FOR UPDATE SKIP LOCKED);
    on SQLite pick and mark are one statement under its single writer lock."""
    if limit <= 0:
        return []
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)  # the queue index's order
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        # A locking subquery inside UPDATE may be run more than once and pick more rows than
        # `limit`: the ids are locked first, then marked.
        ids = list(await session.scalars(due.with_for_update(skip_locked=True)))
        if not ids:
            return []
        picked: Any = ids
    else:
        picked = due.scalar_subquery()
    rows = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked), OutboxMessage.status == "pending")
        .values(
            status="sending",
            attempts=OutboxMessage.attempts + 1,
            claimed_by=owner,
            lease_until=lease_until,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.digest_id,
            OutboxMessage.attempts,
            OutboxMessage.not_before,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = sorted(rows, key=lambda r: (aware(r[4]) or now, r[0]))
    return [ClaimedRow(r[0], r[1], r[2], r[3]) for r in claimed]


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def digest_content(
    session: AsyncSession, digest_ids: Sequence[int]
) -> dict[int, tuple[str, str]]:
    rows = await session.execute(
        select(DigestMessage.id, DigestMessage.html, DigestMessage.buttons).where(
            DigestMessage.id.in_(list(digest_ids))
        )
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def record(session: AsyncSession, changes: Sequence[dict[str, object]]) -> None:
    """Bulk update rows by id: each dict holds "id" and the columns to set."""
    if changes:
        await session.execute(update(OutboxMessage), list(changes))


async def settle_chat(session: AsyncSession, chat_id: int, status: str) -> None:
    """Every pending row of a chat gets `status` (a blocked chat gets nothing more)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
        .values(status=status)
    )


async def move_chat(session: AsyncSession, old_id: int, new_id: int) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == old_id, OutboxMessage.status == "pending")
        .values(chat_id=new_id)
    )


async def renew(session: AsyncSession, owner: str, lease_until: dt.datetime) -> int:
    """The rows `owner` still holds are its own until `lease_until`; returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_by == owner)
        .values(lease_until=lease_until)
    )
    return max(0, int(getattr(result, "rowcount", 0) or 0))


async def requeue_expired(session: AsyncSession, now: dt.datetime) -> int:
    """Rows whose sender stopped renewing its lease (a crash) go back to pending; they may have
    been delivered, so they are counted. Rows under a live lease stay with their sender."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
        )
        .values(status="pending", claimed_by=None, lease_until=None)
    )
    count = max(0, int(getattr(result, "rowcount", 0) or 0))
    if count:  # one statement adds to the count, so two senders never lose each other's
        await insert_ignore(session, StoreState, [{"key": RESENT_KEY, "value": "0"}])
        await session.execute(
            update(StoreState)
            .where(StoreState.key == RESENT_KEY)
            .values(value=cast(cast(StoreState.value, Integer) + count, String))
        )
    return count


async def in_flight(session: AsyncSession) -> int:
    """Rows some sender holds ("sending"), under a live lease or not."""
    count = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sending")
    )
    return int(count or 0)


async def claimed_by(session: AsyncSession, owner: str, status: str) -> int:
    """Rows `owner` claimed that are now in `status`: "sending" is what it holds (and may
    arrive twice if it dies now), "sent" what it delivered."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == status, OutboxMessage.claimed_by == owner)
    )
    return int(count or 0)


async def release(session: AsyncSession, ids: Sequence[int], owner: str) -> None:
    """Rows claimed but not started (a clean stop) go back to pending, attempt not counted; a
    row another sender has taken meanwhile is left alone."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(ids)),
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_by == owner,
            )
            .values(
                status="pending",
                attempts=OutboxMessage.attempts - 1,
                claimed_by=None,
                lease_until=None,
            )
        )


async def resent_after_restart(session: AsyncSession) -> int:
    value = await session.scalar(select(StoreState.value).where(StoreState.key == RESENT_KEY))
    return int(value) if value else 0


async def status_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: count for status, count in rows}


async def recent_failures(session: AsyncSession, limit: int = 3) -> list[tuple[int, int, str]]:
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.error)
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [(r[0], r[1], r[2] or "") for r in rows]


async def deliveries(session: AsyncSession) -> list[tuple[int, int, str, dt.datetime | None]]:
    """Every row as (id, chat id, status, sent at), for reports and tests."""
    rows = await session.execute(
        select(
            OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.sent_at
        ).order_by(OutboxMessage.id)
    )
    return [(r[0], r[1], r[2], aware(r[3])) for r in rows]
