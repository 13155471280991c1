"""Per-chat state kept in the store: preferences, pages, and what the chat last saw."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.service import Briefing
from bot.briefing.views import Summary
from store import queries

DIGEST_MODES = ("instant", "daily", "off")
DATE_STYLES = ("day-month", "iso")


@dataclass(frozen=True, slots=True)
class ChatSettings:
    digest_mode: str
    date_style: str


class ChatService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], briefing: Briefing) -> None:
        self._sessions = sessions
        self._briefing = briefing

    async def touch(self, chat_id: int, kind: str, title: str | None = None) -> None:
        async with self._sessions.begin() as session:
            await queries.ensure_chat(session, chat_id, kind, title)

    async def summary(self, chat_id: int) -> Summary:
        """The summary, with what changed since this chat's previous summary on top."""
        async with self._sessions.begin() as session:
            chat = await queries.get_chat(session, chat_id)
            since = chat.summary_seen_at if chat else None
            result = await self._briefing.summary(since=since)
            await queries.update_chat(session, chat_id, summary_seen_at=dt.datetime.now(dt.UTC))
        return result

    async def settings(self, chat_id: int) -> ChatSettings:
        async with self._sessions() as session:
            chat = await queries.get_chat(session, chat_id)
        if chat is None:
            return ChatSettings(DIGEST_MODES[0], DATE_STYLES[0])
        return ChatSettings(chat.digest_mode, chat.date_style)

    async def change_setting(self, chat_id: int, name: str, value: str) -> ChatSettings:
        """Set one preference; unknown names or values leave everything as it was."""
        allowed = {"digest_mode": DIGEST_MODES, "date_style": DATE_STYLES}
        if value in allowed.get(name, ()):
            async with self._sessions.begin() as session:
                await queries.update_chat(session, chat_id, **{name: value})
        return await self.settings(chat_id)

    async def remember_page(self, chat_id: int, view: str, page: int) -> None:
        async with self._sessions.begin() as session:
            chat = await queries.get_chat(session, chat_id)
            pages = json.loads(chat.pages) if chat else {}
            pages[view] = page
            await queries.update_chat(session, chat_id, pages=json.dumps(pages)[:4000])

    async def last_page(self, chat_id: int, view: str) -> int:
        async with self._sessions() as session:
            chat = await queries.get_chat(session, chat_id)
        page = json.loads(chat.pages).get(view, 1) if chat else 1
        return page if isinstance(page, int) else 1
