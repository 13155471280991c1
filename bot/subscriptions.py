"""Who gets digests and how: subscribe, unsubscribe and the /settings panel of a chat.

A chat's settings live in two rows: the chat (digest mode, how dates are written) and its
subscription (hour, time zone, quiet hours, interval). Buttons and `/settings WORDS` both go
through `SubscriptionService.change`, and the panel is always read back from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chats import DATE_STYLES
from bot.digests import DigestService, zone
from store import queries
from store import subscriptions as sub_queries

MODES = ("instant", "daily", "off")
DEFAULT_HOUR = 8
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """What the /settings panel shows: the chat's real, stored settings."""

    subscribed: bool
    mode: str  # as stored; a chat that is not subscribed gets nothing whatever it says
    hour: int
    timezone: str
    quiet: tuple[int, int] | None
    every_minutes: int
    date_style: str = DATE_STYLES[0]
    newly: bool = False  # this request subscribed or unsubscribed the chat
    error: str | None = None

    @property
    def effective_mode(self) -> str:
        return self.mode if self.subscribed else "off"


class SubscriptionService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        digests: DigestService,
        *,
        default_every_minutes: int,
    ) -> None:
        self._sessions = sessions
        self._digests = digests
        self._every = default_every_minutes

    async def subscribe(self, chat_id: int, kind: str, title: str | None) -> SubscriptionView:
        """Digests from now on: the chat starts at the current picture, not its whole history."""
        async with self._sessions.begin() as session:
            newly = await self._subscribe(session, chat_id, kind, title)
        return await self.view(chat_id, newly=newly)

    async def _subscribe(
        self, session: AsyncSession, chat_id: int, kind: str, title: str | None
    ) -> bool:
        await queries.ensure_chat(session, chat_id, kind, title)
        chat = await queries.get_chat(session, chat_id)
        if chat is not None and chat.digest_mode not in ("instant", "daily"):
            await queries.update_chat(session, chat_id, digest_mode="instant")
        version = await self._digests.baseline(session)
        return await sub_queries.subscribe(session, chat_id, kind, version)

    async def unsubscribe(self, chat_id: int) -> SubscriptionView:
        """No more digests; the chat's hour, time zone and quiet hours are kept for a return."""
        async with self._sessions.begin() as session:
            sub = await sub_queries.get_subscription(session, chat_id)
            await sub_queries.deactivate(session, [chat_id])
        return await self.view(chat_id, newly=bool(sub and sub.active))

    async def deactivate(self, chat_id: int) -> None:
        """The bot was blocked or removed: no more digests, the chat is inactive."""
        async with self._sessions.begin() as session:
            await sub_queries.deactivate(session, [chat_id])
            await queries.update_chat(session, chat_id, active=False)

    async def chat_joined(self, chat_id: int, kind: str, title: str | None) -> None:
        async with self._sessions.begin() as session:
            await queries.ensure_chat(session, chat_id, kind, title)
            await queries.update_chat(session, chat_id, active=True, title=title)

    async def view(self, chat_id: int, *, newly: bool = False) -> SubscriptionView:
        async with self._sessions() as session:
            sub = await sub_queries.get_subscription(session, chat_id)
            chat = await queries.get_chat(session, chat_id)
        mode = chat.digest_mode if chat and chat.digest_mode in MODES else MODES[0]
        dates = chat.date_style if chat and chat.date_style in DATE_STYLES else DATE_STYLES[0]
        if sub is None:
            return SubscriptionView(
                False, mode, DEFAULT_HOUR, DEFAULT_TIMEZONE, None, self._every, dates, newly
            )
        quiet = (
            (sub.quiet_start, sub.quiet_end)
            if sub.quiet_start is not None and sub.quiet_end is not None
            else None
        )
        every = sub.every_minutes if sub.every_minutes is not None else self._every
        return SubscriptionView(
            sub.active, mode, sub.hour, sub.timezone, quiet, every, dates, newly
        )

    async def change(
        self, chat_id: int, kind: str, title: str | None, words: Sequence[str]
    ) -> SubscriptionView:
        """Apply `/settings ...` words, e.g. "daily 7 Europe/Berlin", "quiet 22-7", "every 30".

        Choosing instant or daily digests subscribes a chat that is not subscribed yet; the other
        settings are kept for when it subscribes.
        """
        try:
            chat_values, sub_values = parse_settings(words)
        except ValueError as exc:
            return replace(await self.view(chat_id), error=str(exc))
        newly = False
        async with self._sessions.begin() as session:
            await queries.ensure_chat(session, chat_id, kind, title)
            current = await sub_queries.get_subscription(session, chat_id)
            if chat_values.get("digest_mode") in ("instant", "daily") and not (
                current and current.active
            ):
                newly = await self._subscribe(session, chat_id, kind, title)
            elif sub_values and current is None:  # kept, inactive, until the chat subscribes
                await sub_queries.add_inactive(session, chat_id, kind)
            if chat_values:
                await queries.update_chat(session, chat_id, **chat_values)
            if sub_values:
                await sub_queries.update_subscription(session, chat_id, **sub_values)
        return await self.view(chat_id, newly=newly)

    async def press(
        self, chat_id: int, kind: str, title: str | None, name: str, value: str
    ) -> SubscriptionView:
        """A tap on a settings button ("set:NAME=VALUE"): the same change as the words."""
        words = button_words(name, value)
        if words is None:
            return await self.view(chat_id)
        return await self.change(chat_id, kind, title, words)


SETTINGS_HELP = (
    "Try /settings instant, /settings every 30, /settings daily 7 Europe/Berlin, "
    "/settings quiet 22-7, /settings quiet off, /settings timezone Asia/Tokyo, "
    "/settings dates iso or /settings off."
)


def button_words(name: str, value: str) -> list[str] | None:
    """The `/settings` words a button stands for; None for a button this bot never made."""
    if name == "digest_mode" and value in MODES:
        return [value]
    if name == "date_style" and value in DATE_STYLES:
        return ["dates", value]
    return None


def parse_settings(words: Sequence[str]) -> tuple[dict[str, object], dict[str, object]]:
    """Chat columns and subscription columns to set; ValueError with a helpful line otherwise."""
    words = [w.strip() for w in words if w.strip()]
    if not words:
        raise ValueError(SETTINGS_HELP)
    head, rest = words[0].lower(), words[1:]
    chat: dict[str, object] = {}
    sub: dict[str, object] = {}
    if head in MODES:
        chat["digest_mode"] = head
        if head == "daily":
            if rest:
                sub["hour"] = _hour(rest[0])
            if len(rest) > 1:
                sub["timezone"] = _timezone(rest[1])
        elif head == "instant" and rest:
            sub["every_minutes"] = _minutes(rest[0])
    elif head == "every" and rest:
        chat["digest_mode"] = "instant"
        sub["every_minutes"] = _minutes(rest[0])
    elif head in ("timezone", "tz") and rest:
        sub["timezone"] = _timezone(rest[0])
    elif head == "quiet" and rest:
        if rest[0].lower() in ("off", "none"):
            sub["quiet_start"], sub["quiet_end"] = None, None
        else:
            start, _, end = rest[0].partition("-")
            sub["quiet_start"], sub["quiet_end"] = _hour(start), _hour(end)
    elif head == "dates" and rest and rest[0].lower() in DATE_STYLES:
        chat["date_style"] = rest[0].lower()
    else:
        raise ValueError(SETTINGS_HELP)
    return chat, sub


def _hour(text: str) -> int:
    value = text.split(":", 1)[0]
    if value.isdigit() and 0 <= int(value) <= 23:
        return int(value)
    raise ValueError(f"{text[:10]!r} is not an hour: use 0 to 23.")


def _minutes(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 1440:
        return int(text)
    raise ValueError(f"{text[:10]!r} is not a number of minutes: use 0 to 1440.")


def _timezone(text: str) -> str:
    name = text[:64]
    if name.upper() == "UTC":
        return "UTC"
    if zone(name).key != name:
        raise ValueError(f"I don't know the time zone {name!r}: use a name like Europe/Berlin.")
    return name
