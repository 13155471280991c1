"""One thin handler per command: parse the arguments, call a service, render, reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import render
from bot.app import Services
from bot.chats import ChatService
from bot.commands import MAX_ARGUMENT, render_quotes
from bot.render import Reply
from handlers.replies import edit_reply, send_reply

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
    return " ".join(context.args or [])[:MAX_ARGUMENT].strip()


async def _touch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    chat = update.effective_chat
    if chat is None:
        return None
    await services(context).chats.touch(chat.id, chat.type, chat.title)
    return chat.id


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _touch(update, context)
    summary = await services(context).core.briefing.summary()
    await send_reply(update, render.welcome(summary))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(update, render.help_text())


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = await _touch(update, context)
    if chat_id is None:
        return
    await send_reply(update, render.summary(await services(context).chats.summary(chat_id)))


async def quotes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await services(context).core.briefing.quotes(argument(context))
    await send_reply(update, render_quotes(result))


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(update, render.timeline(await services(context).core.briefing.timeline()))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(update, render.sources(await services(context).core.briefing.sources()))


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    result = await services(context).core.briefing.search(argument(context))
    await send_reply(update, render.search(result))


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = await _touch(update, context)
    if chat_id is None:
        return
    await send_reply(update, render.chat_settings(await services(context).chats.settings(chat_id)))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    text = message.text if message and message.text else ""
    await send_reply(update, render.unknown_command(text.split()[0] if text else "that"))


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_reply(update, Reply("I answer commands: try /summary, or /help for the list."))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every inline button: page turns edit the message in place, others send a new reply."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    data = query.data or ""
    reply = await _button_reply(data, update, context)
    message = query.message
    if reply is None:
        return
    if (
        data.startswith(("qs:", "tl:", "set:"))
        and message is not None
        and hasattr(message, "edit_text")
    ):
        await edit_reply(message, reply)  # type: ignore[arg-type]
    else:
        await send_reply(update, reply)


async def _button_reply(
    data: str, update: Update, context: ContextTypes.DEFAULT_TYPE
) -> Reply | None:
    kind, _, rest = data.partition(":")
    core = services(context).core
    chat = update.effective_chat
    numbers = [int(p) for p in rest.split(":") if p.isdigit()]
    if kind == "qs" and len(numbers) == 2:
        page = await core.briefing.quotes_of(numbers[0], page=numbers[1])
        if chat is not None:
            await services(context).chats.remember_page(chat.id, f"quotes:{numbers[0]}", numbers[1])
        return render.quotes(page) if page else Reply("That speaker is no longer in the store.")
    if kind == "tl" and len(numbers) == 1:
        if chat is not None:
            await services(context).chats.remember_page(chat.id, "timeline", numbers[0])
        return render.timeline(await core.briefing.timeline(page=numbers[0]))
    if kind == "kp" and len(numbers) == 1:
        return render.key_point(await core.briefing.key_point(numbers[0]))
    if kind == "cmd":
        return await _command_button(rest, context)
    if kind == "set" and chat is not None:
        name, _, value = rest.partition("=")
        changed = await services(context).chats.change_setting(chat.id, name, value)
        return render.chat_settings(changed)
    return Reply("That button is from an older message; send the command again.")


async def _command_button(name: str, context: ContextTypes.DEFAULT_TYPE) -> Reply:
    briefing = services(context).core.briefing
    if name == "summary":
        return render.summary(await briefing.summary())
    if name == "quotes":
        return render.speakers(await briefing.speakers())
    if name == "timeline":
        return render.timeline(await briefing.timeline())
    return render.help_text()


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
