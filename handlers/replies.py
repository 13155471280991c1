"""Sending rendered replies to Telegram: split to the message limit, buttons as inline keyboards."""

from __future__ import annotations

import logging

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.render import Reply, split_message

log = logging.getLogger(__name__)
GROUP_LIMIT = 1500  # groups get the first part only, to keep the chat readable
GROUP_NOTE = "\n\n<i>(shortened for the group: ask me in a private chat for the rest)</i>"


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in ("group", "supergroup")


def message_parts(reply: Reply, *, group: bool) -> list[str]:
    """The texts to send: a long reply becomes several messages, or in a group its first part."""
    parts = split_message(reply.html)
    if group and (len(parts) > 1 or len(parts[0]) > GROUP_LIMIT):
        first = split_message(parts[0], GROUP_LIMIT - len(GROUP_NOTE))
        if len(parts) > 1 or len(first) > 1:
            return [first[0] + GROUP_NOTE]
    return parts


async def send_reply(update: Update, reply: Reply) -> None:
    """Answer the update's chat; long replies become several messages, buttons on the last."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = message_parts(reply, group=is_group(update))
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await chat.send_message(
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply) if last else None,
            disable_web_page_preview=True,
        )


async def edit_reply(update: Update, message: MaybeInaccessibleMessage, reply: Reply) -> None:
    """Replace a message in place (page turns). An unchanged page is not an error; a message
    that can no longer be edited gets the reply as a new message instead."""
    if not isinstance(message, Message):
        await send_reply(update, reply)
        return
    parts = message_parts(reply, group=is_group(update))
    if len(parts) > 1:
        await send_reply(update, reply)
        return
    try:
        await message.edit_text(
            parts[0],
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply),
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        log.info("could not edit message %s (%s): sending anew", message.message_id, exc)
        await send_reply(update, reply)


async def answer_button(query: CallbackQuery) -> None:
    """Stop the button's spinner; a query too old to answer is no reason to ignore the press."""
    try:
        await query.answer()
    except BadRequest as exc:
        log.info("could not answer callback query %s: %s", query.id, exc)
    except TelegramError:
        log.warning("could not answer callback query %s", query.id, exc_info=True)
