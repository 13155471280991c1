"""Sending rendered replies to Telegram: split to the message limit, buttons as inline keyboards."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.render import Reply, split_message

log = logging.getLogger(__name__)
GROUP_LIMIT = 1500  # groups get the first part only, to keep the chat readable


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in ("group", "supergroup")


async def send_reply(update: Update, reply: Reply) -> None:
    """Answer the update's chat; long replies become several messages, buttons on the last."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_message(reply.html)
    if is_group(update) and len(parts) > 1:
        parts = split_message(parts[0], GROUP_LIMIT)[:1]
        parts[0] += "\n\n<i>(shortened for the group: ask me in a private chat for the rest)</i>"
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await chat.send_message(
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply) if last else None,
            disable_web_page_preview=True,
        )


async def edit_reply(message: Message, reply: Reply) -> None:
    """Replace a message in place (page turns); an unchanged page is not an error."""
    text = split_message(reply.html)[0]
    try:
        await message.edit_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply),
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    except TelegramError:
        log.exception("could not edit message %s", message.message_id)
        raise
