"""Admin commands (sources, ingest, stats, digest preview) and the subscription commands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot import render_admin
from bot.broadcast import Broadcast, open_broadcast
from bot.render import Reply
from bot.render_digest import digest as render_digest
from handlers.commands import argument, services, touch
from handlers.replies import answer_button, edit_reply, is_group, send_reply

log = logging.getLogger(__name__)
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def broadcast(context: ContextTypes.DEFAULT_TYPE) -> Broadcast:
    found = context.bot_data.get("broadcast")
    if found is None:
        found = context.bot_data["broadcast"] = open_broadcast(services(context).core)
    assert isinstance(found, Broadcast)
    return found


def is_bot_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in services(context).core.settings.admin_ids


async def may_manage_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Anyone in a private chat; in a group its administrators (and the bot's admins)."""
    if not is_group(update) or is_bot_admin(update, context):
        return True
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        log.warning("could not check the administrators of chat %s", chat.id)
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _refuse_unless_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if is_bot_admin(update, context):
        return False
    await send_reply(update, Reply(render_admin.NOT_ADMIN))
    return True


# Subscriptions and the /settings panel


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change_subscription(update, context, subscribe=True)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change_subscription(update, context, subscribe=False)


async def _change_subscription(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, subscribe: bool
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if not await may_manage_chat(update, context):
        await send_reply(update, Reply(render_admin.NOT_GROUP_ADMIN))
        return
    subscriptions = broadcast(context).subscriptions
    view = (
        await subscriptions.subscribe(chat.id, chat.type, chat.title)
        if subscribe
        else await subscriptions.unsubscribe(chat.id)
    )
    await send_reply(update, render_admin.settings_panel(view))


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/settings` shows the panel; `/settings WORDS` changes it (in a group, admins only)."""
    chat = update.effective_chat
    if chat is None:
        return
    await touch(update, context)
    subscriptions = broadcast(context).subscriptions
    if not context.args:
        view = await subscriptions.view(chat.id)
    elif await may_manage_chat(update, context):
        view = await subscriptions.change(chat.id, chat.type, chat.title, context.args[:4])
    else:
        await send_reply(update, Reply(render_admin.NOT_GROUP_ADMIN))
        return
    await send_reply(update, render_admin.settings_panel(view))


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on the panel ("set:NAME=VALUE") changes the setting and redraws the panel."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    if chat is None:  # a button on an inline message: there is no chat to set
        await answer_button(query)
        return
    if not await may_manage_chat(update, context):
        try:
            await query.answer(render_admin.NOT_GROUP_ADMIN, show_alert=True)
        except TelegramError:
            log.info("could not answer callback query %s", query.id)
        return
    await answer_button(query)
    name, _, value = (query.data or "").removeprefix("set:").partition("=")
    view = await broadcast(context).subscriptions.press(chat.id, chat.type, chat.title, name, value)
    reply = render_admin.settings_panel(view)
    if query.message is None:
        await send_reply(update, reply)
    else:
        await edit_reply(update, query.message, reply)


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to or removed from a chat (or blocked/unblocked by a user)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    status = change.new_chat_member.status
    subscriptions = broadcast(context).subscriptions
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        await subscriptions.deactivate(chat.id)
    elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.RESTRICTED):
        await subscriptions.chat_joined(chat.id, chat.type, chat.title)


# Admin commands


async def add_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_unless_admin(update, context):
        return
    words = (context.args or [])[:2]
    if not words:
        await send_reply(update, Reply("Give a feed or page address: /addsource URL [minutes]"))
        return
    minutes = int(words[1]) * 60 if len(words) > 1 and words[1].isdigit() else None
    result = await broadcast(context).sources.add(words[0], minutes)
    await send_reply(update, render_admin.added_source(result))


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_unless_admin(update, context):
        return
    await send_reply(
        update, render_admin.source_statuses(await broadcast(context).sources.statuses())
    )


async def remove_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_unless_admin(update, context):
        return
    removed = await broadcast(context).sources.remove(argument(context))
    await send_reply(update, render_admin.removed_source(removed))


async def ingest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_unless_admin(update, context):
        return
    url = argument(context)
    ingestor = services(context).core.ingestor
    outcomes = [await ingestor.ingest_web(url)] if url else []
    await send_reply(update, render_admin.ingested(outcomes))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_unless_admin(update, context):
        return
    await send_reply(update, render_admin.stats(await broadcast(context).stats()))


async def digest_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _refuse_unless_admin(update, context):
        return
    chat = update.effective_chat
    preview = await broadcast(context).digests.preview(chat.id if chat else None)
    reply = render_digest(preview)
    await send_reply(
        update, Reply("<i>Preview of the next digest</i>\n\n" + reply.html, reply.buttons)
    )


def _final(callback: Callback) -> Callback:
    """Run in the group before the main handlers, then stop: no "unknown command" after it."""

    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await callback(update, context)
        raise ApplicationHandlerStop

    return run


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add these handlers ahead of the main ones (group -1); each stops the update there."""
    fresh = filters.UpdateType.MESSAGE & (filters.ChatType.PRIVATE | filters.ChatType.GROUPS)
    for name, callback in (
        ("subscribe", subscribe),
        ("unsubscribe", unsubscribe),
        ("addsource", add_source),
        ("feeds", feeds),
        ("removesource", remove_source),
        ("ingest", ingest),
        ("stats", stats),
        ("digest", digest_preview),
    ):
        application.add_handler(CommandHandler(name, _final(callback), filters=fresh), group=-1)
    application.add_handler(CommandHandler("settings", _final(settings), filters=fresh), group=-1)
    application.add_handler(
        CallbackQueryHandler(_final(settings_button), pattern=r"^set:"), group=-1
    )
    # The one my_chat_member handler: the chat's state and its subscription follow the bot's
    # membership (added, promoted, removed, blocked or unblocked).
    application.add_handler(
        ChatMemberHandler(_final(membership), ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
