"""Builds the python-telegram-bot Application: handlers in one place, start-up and shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.app import Services
from bot.chats import ChatService
from bot.config import Settings
from bot.outbox import Limits
from bot.render import ADMIN_COMMANDS, COMMANDS
from handlers import admin, commands, jobs
from handlers.commands import BotServices

log = logging.getLogger(__name__)

# What a group's members see in the menu; /settings and /start are for a private chat.
GROUP_COMMANDS = ("summary", "quotes", "timeline", "sources", "search", "help")
GROUP_ADMIN_COMMANDS = (*GROUP_COMMANDS, "subscribe", "unsubscribe", "settings")

BotApplication = Application[Any, Any, Any, Any, Any, Any]

# An update allocates a few thousand short-lived objects; collecting the youngest generation
# every 700 allocations (the default) means several collections per update for little garbage.
GC_THRESHOLDS = (10_000, 20, 50)


def build_application(
    core: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> BotApplication:
    """The bot over `core`; `request` replaces the HTTP layer (tests pass a fake Bot API)."""
    settings = core.settings
    builder: Any = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_base_url)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        share = Limits().shared_by(settings.outbox_senders).global_count  # this process's part
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=share, max_retries=3))
    application: BotApplication = builder.build()
    application.bot_data["services"] = BotServices(core, ChatService(core.sessions, core.briefing))
    register(application)
    admin.register(application)
    jobs.schedule(application)
    return application


def register(application: BotApplication) -> None:
    """The briefing handlers, in the order they are tried. `admin.register` puts subscriptions,
    /settings and its buttons, the admin commands and my_chat_member ahead of them."""
    fresh = filters.UpdateType.MESSAGE & (filters.ChatType.PRIVATE | filters.ChatType.GROUPS)
    for name, callback in (
        ("start", commands.start),
        ("help", commands.help_command),
        ("summary", commands.summary),
        ("quotes", commands.quotes),
        ("timeline", commands.timeline),
        ("sources", commands.sources),
        ("search", commands.search),
    ):
        # CommandHandler answers /name and /name@ThisBot, and ignores /name@OtherBot.
        application.add_handler(CommandHandler(name, callback, filters=fresh))
    application.add_handler(CallbackQueryHandler(commands.button))
    application.add_handler(
        MessageHandler(
            fresh & filters.COMMAND & AddressedToMe(application), commands.unknown_command
        )
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND,
            commands.free_text,
        )
    )
    application.add_error_handler(commands.on_error)


class AddressedToMe(filters.MessageFilter):
    """A command this bot should answer even though it does not know it: any command in a
    private chat, and in a group only /name@ThisBot (a bare /name may be for another bot)."""

    def __init__(self, application: BotApplication) -> None:
        super().__init__(name="AddressedToMe")
        self._application = application

    def filter(self, message: Message) -> bool:
        words = (message.text or "").split()
        if not words:
            return False
        _, at, username = words[0].partition("@")
        if not at:
            return message.chat.type == "private"
        return username.lower() == (self._application.bot.username or "").lower()


async def set_command_menu(application: BotApplication) -> None:
    """The command menu users see, per scope: the bot's own documentation."""

    def menu(names: tuple[str, ...] | None = None) -> list[BotCommand]:
        return [
            BotCommand(name, about[:256])
            for name, about in COMMANDS
            if names is None or name in names
        ]

    await application.bot.set_my_commands(menu(), scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(
        menu(GROUP_COMMANDS), scope=BotCommandScopeAllGroupChats()
    )
    await application.bot.set_my_commands(
        menu(GROUP_ADMIN_COMMANDS), scope=BotCommandScopeAllChatAdministrators()
    )
    # The bot's own admins see their commands too, in their private chat with it.
    everything = menu() + [BotCommand(name, about[:256]) for name, about in ADMIN_COMMANDS]
    settings = application.bot_data["services"].core.settings
    for admin_id in sorted(settings.admin_ids):
        try:
            await application.bot.set_my_commands(everything, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:  # an admin who never opened a chat with the bot
            log.warning("no command menu for admin %s: %s", admin_id, exc)


async def run_telegram(core: Services, *, request: BaseRequest | None = None) -> int:
    """Long polling, or a webhook server when WEBHOOK_URL is set, until SIGINT or SIGTERM;
    then a clean shutdown (the webhook is left registered, so Telegram keeps the updates)."""
    application = build_application(core, request=request)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    thresholds = gc.get_threshold()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with application:
            try:
                await set_command_menu(application)
            except TelegramError as exc:  # the menu is a convenience; answering is what matters
                log.warning("could not set the command menu: %s", exc)
            await application.start()
            settle_memory()
            await start_receiving(application, core.settings)
            await stop.wait()
            log.info("shutting down")
            assert application.updater is not None
            await application.updater.stop()
            await application.stop()
    finally:
        unsettle_memory(thresholds)
        for sig in signals:
            loop.remove_signal_handler(sig)
    return 0


def settle_memory() -> None:
    """Once start-up is done: what it built lives as long as the bot, so the collector never
    scans it again, and the young generation is collected less often (GC_THRESHOLDS)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def unsettle_memory(thresholds: tuple[int, int, int]) -> None:
    """The collector as it was before `settle_memory`."""
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def start_receiving(application: BotApplication, settings: Settings) -> None:
    """Updates from Telegram: a webhook server if a public URL is set, else long polling."""
    updater = application.updater
    assert updater is not None
    if not settings.webhook_url:
        await updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("bot @%s is polling", application.bot.username)
        return
    if not settings.webhook_secret:
        log.warning("WEBHOOK_SECRET is empty: anyone who finds the URL can post updates")
    # The server answers on the public URL's path; a proxy in front may end TLS.
    path = urlsplit(settings.webhook_url).path.strip("/")
    await updater.start_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=path,
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret or None,
        allowed_updates=Update.ALL_TYPES,
    )
    log.info(
        "bot @%s takes updates on %s:%s/%s",
        application.bot.username,
        settings.webhook_listen,
        settings.webhook_port,
        path,
    )
