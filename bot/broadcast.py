"""The digest side of the bot in one bundle: change detection, subscriptions, sources, stats."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.app import Services
from bot.digests import DigestService
from bot.sources import SourceService
from bot.subscriptions import SubscriptionService
from store import outbox as outbox_queries
from store import queries
from store import sources as source_queries
from store import subscriptions as sub_queries


@dataclass(frozen=True, slots=True)
class StoreStats:
    articles: int
    quotes: int
    subscribers: int
    queued: int  # pending or being sent
    sent: int
    blocked: int
    failed: int
    resent_after_restart: int  # messages in flight at a crash, sent again (maybe twice)
    sources: int
    last_errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Broadcast:
    core: Services
    digests: DigestService
    subscriptions: SubscriptionService
    sources: SourceService

    async def stats(self) -> StoreStats:
        async with self.core.sessions() as session:
            articles = await queries.count_articles(session)
            quotes = await sub_queries.count_quotes(session)
            subscribers = await sub_queries.count_subscribers(session)
            counts = await outbox_queries.status_counts(session)
            resent = await outbox_queries.resent_after_restart(session)
            failures = await outbox_queries.recent_failures(session)
            sources = await source_queries.list_sources(session)
        errors = [f"{s.url}: {s.last_error}" for s in sources if s.last_error]
        errors += [f"message #{i} to chat {chat}: {error}" for i, chat, error in failures]
        return StoreStats(
            articles, quotes, subscribers, counts.get("pending", 0) + counts.get("sending", 0),
            counts.get("sent", 0), counts.get("blocked", 0), counts.get("failed", 0), resent,
            len(sources), tuple(errors[:5]),
        )  # fmt: skip


def open_broadcast(
    core: Services, *, transport: httpx.AsyncBaseTransport | None = None
) -> Broadcast:
    every = core.settings.digest_every_minutes
    digests = DigestService(core.sessions, default_every_minutes=every)
    return Broadcast(
        core,
        digests,
        SubscriptionService(core.sessions, digests, default_every_minutes=every),
        SourceService(core.sessions, core.ingestor, core.settings, transport=transport),
    )
