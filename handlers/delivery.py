"""The Telegram side of the outbox: one send, with Telegram's errors turned into outcomes."""

from __future__ import annotations

import datetime as dt
import logging
import warnings

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.outbox import Buttons, SendResult

log = logging.getLogger(__name__)


def _markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramSender:
    """Implements bot.outbox.Sender with a python-telegram-bot Bot."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult:
        try:
            message = await self._bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=_markup(buttons),
                disable_web_page_preview=True,
            )
        except RetryAfter as exc:
            return SendResult("retry_after", retry_after=retry_seconds(exc), reason=str(exc))
        except ChatMigrated as exc:
            return SendResult("migrated", new_chat_id=exc.new_chat_id, reason=str(exc))
        except Forbidden as exc:
            return SendResult("blocked", reason=str(exc))
        except BadRequest as exc:
            return SendResult("failed", reason=str(exc))
        except (TimedOut, NetworkError) as exc:
            return SendResult("transient", reason=f"{type(exc).__name__}: {exc}")
        except TelegramError as exc:
            return SendResult("failed", reason=f"{type(exc).__name__}: {exc}")
        return SendResult("sent", message_id=message.message_id)
