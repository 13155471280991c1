"""One thin handler per command: parse the arguments, call a service, render, reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import render
from bot.app import Services
from bot.chats import ChatService, ChatState
from bot.commands import MAX_ARGUMENT, render_quotes
from bot.render import Reply
from handlers.replies import answer_button, edit_reply, is_group, send_reply

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BotServices:
    core: Services
    chats: ChatService


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    found = context.bot_data["services"]
    assert isinstance(found, BotServices)
    return found


def argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    """The command's arguments as one string, cut to a sane length."""
    return " ".join(context.args or [])[: MAX_ARGUMENT * 2].strip()[:MAX_ARGUMENT]


def page_argument(context: ContextTypes.DEFAULT_TYPE) -> int | None:
    text = argument(context)
    return int(text) if text.isdigit() and len(text) < 7 else None


async def touch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> ChatState:
    """The chat's state from the store (preferences, pages, what it last saw)."""
    chat = update.effective_chat
    if chat is None:
        return ChatState(0)
    return await services(context).chats.touch(chat.id, chat.type, chat.title)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = await touch(update, context)
    overview = await services(context).core.briefing.overview()
    await send_reply(update, render.welcome(overview, state.settings.date_style))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await touch(update, context)
    user = update.effective_user
    admin = user is not None and user.id in services(context).core.settings.admin_ids
    await send_reply(update, render.help_text(admin=admin))


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = await touch(update, context)
    chats = services(context).chats
    result = await chats.summary(state)
    await send_reply(update, render.summary(result, state.settings.date_style))
    await chats.mark_summary_seen(state)  # after the reply: an unsent summary was not seen


async def quotes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = await touch(update, context)
    briefing = services(context).core.briefing
    result = await briefing.quotes(argument(context), picture=state.picture_version)
    await send_reply(update, render_quotes(result, state.settings.date_style))


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = await touch(update, context)
    page = page_argument(context) or _last_page(update, state, "timeline")
    briefing = services(context).core.briefing
    result = await briefing.timeline(page=page, picture=state.picture_version)
    await send_reply(update, render.timeline(result, state.settings.date_style))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = await touch(update, context)
    page = page_argument(context) or _last_page(update, state, "sources")
    result = await services(context).core.briefing.sources(page=page)
    await send_reply(update, render.sources(result, state.settings.date_style))


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = await touch(update, context)
    briefing = services(context).core.briefing
    result = await briefing.search(argument(context), picture=state.picture_version)
    await send_reply(update, render.search(result))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    words = (message.text or "").split() if message else []
    await send_reply(update, render.unknown_command(words[0] if words else "that"))


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(update, render.not_a_command())


def _last_page(update: Update, state: ChatState, view: str) -> int:
    """Lists reopen at the page the chat last turned to (groups always start at the top)."""
    return 1 if is_group(update) else state.page(view)


# Buttons. Callback data is short and self-contained ("qs:12:3"), so a button from an old
# message still works after a restart, or answers that it is out of date.

IN_PLACE = ("qs", "tl", "src")  # page turns edit their own message (settings: handlers.admin)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    await answer_button(query)
    data = query.data or ""
    reply = await _button_reply(data, update, context)
    if data.partition(":")[0] in IN_PLACE and query.message is not None:
        await edit_reply(update, query.message, reply)
    else:
        await send_reply(update, reply)


async def _button_reply(data: str, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Reply:
    kind, _, rest = data.partition(":")
    found = services(context)
    briefing = found.core.briefing
    state = await touch(update, context)
    prefs = state.settings
    chat = state.chat_id
    numbers = [int(p) for p in rest.split(":") if p.isdigit() and len(p) < 12]
    if kind == "qs" and len(numbers) == 2:
        speaker, page = numbers
        result = await briefing.quotes_of(speaker, page=page, picture=state.picture_version)
        if result is None:
            return Reply("That speaker is no longer in the store.")
        await found.chats.remember_page(chat, f"quotes:{speaker}", result.page)
        return render.quotes(result, prefs.date_style)
    if kind == "tl" and len(numbers) == 1:
        events = await briefing.timeline(page=numbers[0], picture=state.picture_version)
        await found.chats.remember_page(chat, "timeline", events.page)
        return render.timeline(events, prefs.date_style)
    if kind == "src" and len(numbers) == 1:
        articles = await briefing.sources(page=numbers[0])
        await found.chats.remember_page(chat, "sources", articles.page)
        return render.sources(articles, prefs.date_style)
    if kind == "kp" and len(numbers) == 1:
        return render.key_point(await briefing.key_point(numbers[0]), prefs.date_style)
    if kind == "cmd":
        return await _command_button(rest, context, state)
    return render.stale_button()


async def _command_button(name: str, context: ContextTypes.DEFAULT_TYPE, state: ChatState) -> Reply:
    found = services(context)
    dates = state.settings.date_style
    if name == "summary":
        reply = render.summary(await found.chats.summary(state), dates)
        await found.chats.mark_summary_seen(state)
        return reply
    if name == "quotes":
        return render.speakers(await found.core.briefing.speakers())
    if name == "timeline":
        timeline = await found.core.briefing.timeline(picture=state.picture_version)
        return render.timeline(timeline, dates)
    if name == "help":
        return render.help_text()
    return render.stale_button()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and tell the user in one line; the bot keeps running."""
    log.error("update failed: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(
                "Sorry, something went wrong with that request. Please try again."
            )
        except TelegramError:
            log.warning("could not tell chat %s about the failure", update.effective_chat.id)
