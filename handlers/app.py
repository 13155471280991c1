"""Builds the python-telegram-bot Application: handlers in one place, start-up and shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
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
from bot.render import COMMANDS
from handlers import commands
from handlers.commands import BotServices

log = logging.getLogger(__name__)

GROUP_COMMANDS = ("summary", "quotes", "timeline", "sources", "search", "help")


def build_application(
    core: Services,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot over `core`; `request` replaces the HTTP layer (tests pass a fake Bot API)."""
    settings = core.settings
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_base_url)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    application.bot_data["services"] = BotServices(core, ChatService(core.sessions, core.briefing))
    register(application)
    return application


def register(application: Application) -> None:  # type: ignore[type-arg]
    private_or_group = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
    fresh = filters.UpdateType.MESSAGE & private_or_group
    for name, callback in (
        ("start", commands.start),
        ("help", commands.help_command),
        ("summary", commands.summary),
        ("quotes", commands.quotes),
        ("timeline", commands.timeline),
        ("sources", commands.sources),
        ("search", commands.search),
        ("settings", commands.settings),
    ):
        application.add_handler(CommandHandler(name, callback, filters=fresh))
    application.add_handler(CallbackQueryHandler(commands.button))
    # Commands for this bot it does not know; those for other bots (/x@OtherBot) are ignored.
    application.add_handler(
        MessageHandler(
            fresh & filters.COMMAND & _addressed_to_me(application), commands.unknown_command
        )
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~filters.COMMAND,
            commands.free_text,
        )
    )
    application.add_error_handler(commands.on_error)


def _addressed_to_me(application: Application) -> filters.MessageFilter:  # type: ignore[type-arg]
    class AddressedToMe(filters.MessageFilter):
        def filter(self, message: object) -> bool:
            text = getattr(message, "text", None) or ""
            command = text.split()[0] if text.split() else ""
            if "@" not in command:
                return True
            return command.split("@", 1)[1].lower() == (application.bot.username or "").lower()

    return AddressedToMe()


async def set_command_menu(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu users see, per scope: the bot's own documentation."""
    everything = [BotCommand(name, about[:256]) for name, about in COMMANDS]
    in_groups = [
        BotCommand(name, about[:256]) for name, about in COMMANDS if name in GROUP_COMMANDS
    ]
    await application.bot.set_my_commands(everything, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(in_groups, scope=BotCommandScopeAllGroupChats())
    await application.bot.set_my_commands(everything, scope=BotCommandScopeAllChatAdministrators())


async def run_telegram(core: Services) -> int:
    """Long polling until SIGINT or SIGTERM, then a clean shutdown."""
    application = build_application(core)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await set_command_menu(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        log.info("bot @%s is polling", application.bot.username)
        await stop.wait()
        log.info("shutting down")
        await application.updater.stop()
        await application.stop()
    return 0
