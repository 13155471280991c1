"""Wiring: one engine, one session factory and the services built on them, for any front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.briefing.service import Briefing
from bot.config import Settings
from bot.ingest import Ingestor
from store import migrate, queries
from store.db import create_engine, session_factory


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    briefing: Briefing
    ingestor: Ingestor

    async def article_count(self) -> int:
        async with self.sessions() as session:
            return await queries.count_articles(session)


@asynccontextmanager
async def open_services(settings: Settings, *, upgrade: bool = True) -> AsyncIterator[Services]:
    """Services over the configured store, migrated to the latest schema first."""
    engine = create_engine(settings.database_url)
    try:
        if upgrade:
            await migrate.upgrade(engine)
        sessions = session_factory(engine)
        yield Services(settings, engine, sessions, Briefing(sessions), Ingestor(sessions, settings))
    finally:
        await engine.dispose()
