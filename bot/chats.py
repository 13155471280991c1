"""Per-chat state kept in the store: preferences, pages, and what the chat last saw."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.briefing.service import Briefing
from bot.briefing.views import Summary
from store import queries

DATE_STYLES = ("day-month", "iso")
MAX_PAGES_KEPT = 50  # page positions remembered per chat; the oldest are forgotten first


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """How this chat reads answers; its digest settings are bot.subscriptions' business."""

    date_style: str = DATE_STYLES[0]


@dataclass(frozen=True, slots=True)
class ChatState:
    """What the store knows about a chat, read once per update."""

    chat_id: int
    settings: ChatSettings = ChatSettings()
    pages: tuple[tuple[str, int], ...] = ()
    summary_seen_at: dt.datetime | None = None
    seen_version: int | None = None
    picture_version: int | None = None  # as read with the chat; None: the store was not read

    def page(self, view: str) -> int:
        return dict(self.pages).get(view, 1)


class ChatService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], briefing: Briefing) -> None:
        self._sessions = sessions
        self._briefing = briefing

    async def touch(self, chat_id: int, kind: str, title: str | None = None) -> ChatState:
        """The chat's state; the first contact (or a return after leaving) records the chat.

        Most updates come from chats the store already knows, so this is one read, no write.
        """
        async with self._sessions() as session:
            chat, version = await queries.chat_with_version(session, chat_id)
        if chat is None or not chat.active:
            async with self._sessions.begin() as session:
                await queries.ensure_chat(session, chat_id, kind, title)
            # What was just read still holds: a new chat has the defaults, one that comes
            # back keeps its settings; only its being active has changed.
        return _state_of(chat_id, chat, version)

    async def summary(self, state: ChatState) -> Summary:
        """The summary, with what changed since this chat's previous summary (as read into
        `state`) on top. Nothing is written: once the reader has it, `mark_summary_seen`
        records what they saw."""
        changed = state.seen_version != state.picture_version
        since = state.summary_seen_at if changed else None
        return await self._briefing.summary(since=since, picture=state.picture_version)

    async def mark_summary_seen(self, state: ChatState) -> None:
        """The chat has seen the picture as it was in `state`; an unchanged one needs no write."""
        if state.seen_version == state.picture_version and state.summary_seen_at is not None:
            return
        async with self._sessions.begin() as session:
            await queries.update_chat(
                session,
                state.chat_id,
                summary_seen_at=dt.datetime.now(dt.UTC),
                seen_version=state.picture_version,
            )

    async def remember_page(self, chat_id: int, view: str, page: int) -> None:
        async with self._sessions.begin() as session:
            chat = await queries.get_chat(session, chat_id)
            if chat is None:
                return
            pages = _pages_of(chat)
            pages.pop(view, None)
            pages[view] = page
            while len(pages) > MAX_PAGES_KEPT:
                pages.pop(next(iter(pages)))
            await queries.update_chat(session, chat_id, pages=json.dumps(pages))

    async def last_page(self, chat_id: int, view: str) -> int:
        async with self._sessions() as session:
            chat = await queries.get_chat(session, chat_id)
        page = _pages_of(chat).get(view, 1) if chat else 1
        return page if isinstance(page, int) and page > 0 else 1


def _state_of(chat_id: int, chat: queries.ChatRow | None, version: int) -> ChatState:
    if chat is None:
        return ChatState(chat_id, picture_version=version)
    pages = tuple((k, v) for k, v in _pages_of(chat).items() if isinstance(v, int) and v > 0)
    return ChatState(
        chat_id, _settings_of(chat), pages, chat.summary_seen_at, chat.seen_version, version
    )


def _settings_of(chat: queries.ChatRow | None) -> ChatSettings:
    if chat is None:
        return ChatSettings()
    dates = chat.date_style if chat.date_style in DATE_STYLES else DATE_STYLES[0]
    return ChatSettings(dates)


def _pages_of(chat: queries.ChatRow) -> dict[str, object]:
    try:
        pages = json.loads(chat.pages or "{}")
    except ValueError:
        return {}
    return pages if isinstance(pages, dict) else {}
