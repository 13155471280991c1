"""Wiring: one engine, one session factory and the services built on them, for any front end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.briefing.service import Briefing
from bot.config import Settings
from bot.ingest import Ingestor
from store import migrate, queries
from store.db import create_engine, session_factory

log = logging.getLogger(__name__)
MAX_RETRY_SECONDS = 30.0


class StoreUnavailable(Exception):
    """The store could not be reached after every try; the message says where and why."""


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
        await wait_for_store(engine, settings)
        if upgrade:
            await migrate.upgrade(engine)
        sessions = session_factory(engine)
        yield Services(settings, engine, sessions, Briefing(sessions), Ingestor(sessions, settings))
    finally:
        await engine.dispose()


async def wait_for_store(engine: AsyncEngine, settings: Settings) -> None:
    """Connect once, retrying with a doubling pause while the database is not reachable (a
    server still starting, a network blip); after the last try, StoreUnavailable."""
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    pause = settings.database_retry_seconds
    for attempt in range(1, settings.database_connect_attempts + 1):
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            if attempt > 1:
                log.info("database %s is reachable again", where)
            return
        except (OSError, DBAPIError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
            if attempt == settings.database_connect_attempts:
                raise StoreUnavailable(
                    f"database {where} unreachable after {attempt} tries: {reason}"
                ) from exc
            log.warning(
                "database %s unreachable (%s); try %d of %d again in %.1f s",
                where, reason, attempt, settings.database_connect_attempts, pause,
            )  # fmt: skip
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RETRY_SECONDS)
