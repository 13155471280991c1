"""The real Application driven over HTTP against a fake Bot API, with real updates."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import Services, open_services
from bot.config import Settings
from handlers.app import build_application, set_command_menu
from tests.conftest import SEEDS, ingest_all
from tests.fake_bot_api import BOT_USERNAME, FakeBotAPI, parse_telegram_html

_ids = itertools.count(1)
USER = {"id": 4242, "is_bot": False, "first_name": "Ann"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
GROUP = {"id": -100777, "type": "supergroup", "title": "Newsroom"}


def message(text: str | None, chat: dict[str, Any] = PRIVATE, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time()), "chat": chat,
                            "from": USER, **extra}  # fmt: skip
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return {"update_id": next(_ids), "message": body}


def button_press(
    data: str, message_id: int = 1000, chat: dict[str, Any] = PRIVATE
) -> dict[str, Any]:
    original = {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": "old",
                "from": {"id": 1, "is_bot": True, "first_name": "Story"}}  # fmt: skip
    return {"update_id": next(_ids), "callback_query": {
        "id": str(next(_ids)), "from": USER, "chat_instance": "ci", "data": data,
        "message": original}}  # fmt: skip


class Harness:
    def __init__(self, application: Application, api: FakeBotAPI) -> None:  # type: ignore[type-arg]
        self.application = application
        self.api = api

    async def send(self, update: dict[str, Any]) -> list[str]:
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        return [str(p.get("text", "")) for name, p in self.api.calls[before:]
                if name in ("sendMessage", "editMessageText")]  # fmt: skip


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(
        settings.model_copy(update={"telegram_bot_token": "123:TEST"})
    ) as services:
        await ingest_all(services, str(SEEDS))
        yield services


@pytest.fixture
async def bot(core: Services) -> AsyncIterator[Harness]:
    api = FakeBotAPI()
    application = build_application(core, request=api.request(), rate_limit=False)
    async with application:
        yield Harness(application, api)


async def test_command_menu_is_set_per_scope(bot: Harness) -> None:
    await set_command_menu(bot.application)
    scopes = [p["scope"]["type"] for p in bot.api.sent("setMyCommands")]
    assert scopes == ["all_private_chats", "all_group_chats", "all_chat_administrators"]


async def test_start_says_what_the_story_is_with_buttons(bot: Harness) -> None:
    (text,) = await bot.send(message("/start"))
    assert "articles" in text
    markup = bot.api.sent()[-1]["reply_markup"]
    assert [b["callback_data"] for b in markup["inline_keyboard"][0]] == [
        "cmd:summary", "cmd:quotes", "cmd:timeline"]  # fmt: skip


async def test_every_command_answers_in_a_private_chat(bot: Harness) -> None:
    for command in ("/help", "/summary", "/quotes", "/quotes rutte", "/timeline", "/sources",
                    "/search peace deal", "/settings"):  # fmt: skip
        texts = await bot.send(message(command))
        assert texts, command
        for text in texts:
            parse_telegram_html(text)


async def test_quotes_are_verbatim_in_blockquotes_with_outlet_and_date(bot: Harness) -> None:
    (text,) = await bot.send(message("/quotes rutte"))
    assert text.startswith("<b>Mark Rutte</b>")
    assert "<blockquote>" in text and "2026" in text


async def test_misspelt_name_still_finds_the_speaker(bot: Harness) -> None:
    (text,) = await bot.send(message("/quotes Zelensky"))
    assert "Taking advantage of the coldest days" in text


async def test_pages_turn_in_place(bot: Harness) -> None:
    await bot.send(message("/timeline"))
    markup = bot.api.sent()[-1]["reply_markup"]
    next_data = markup["inline_keyboard"][0][-1]["callback_data"]
    assert next_data == "tl:2"
    texts = await bot.send(button_press(next_data))
    assert texts and "Page 2" in texts[0]
    assert bot.api.sent("editMessageText")
    assert bot.api.sent("answerCallbackQuery")


async def test_summary_shows_what_changed_since_last_look(core: Services, bot: Harness) -> None:
    (first,) = await bot.send(message("/summary"))
    assert "Since you last looked" not in first
    extra = SEEDS.parent / "tests" / "data" / "followup.txt"
    await ingest_all(core, str(extra))
    (second,) = await bot.send(message("/summary"))
    assert "Since you last looked" in second


async def test_group_commands_addressed_to_this_bot_only(bot: Harness) -> None:
    texts = await bot.send(message(f"/summary@{BOT_USERNAME}", chat=GROUP))
    assert texts
    assert await bot.send(message("/summary@SomeOtherBot", chat=GROUP)) == []
    assert await bot.send(message("/nonsense@SomeOtherBot", chat=GROUP)) == []


async def test_unknown_command_and_free_text_get_one_helpful_line(bot: Harness) -> None:
    (unknown,) = await bot.send(message("/frobnicate"))
    assert "/help" in unknown
    (free,) = await bot.send(message("what is going on?"))
    assert "/summary" in free


@pytest.mark.parametrize(
    "update",
    [
        message(
            None,
            sticker={
                "file_id": "x",
                "file_unique_id": "y",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        ),
        message(None, photo=[{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]),
        {"update_id": 999_001, "edited_message": message("/summary")["message"]},
        {
            "update_id": 999_002,
            "channel_post": {
                "message_id": 5,
                "date": 0,
                "text": "/summary",
                "chat": {"id": -1001, "type": "channel"},
            },
        },
        button_press("qs:999999:1"),
        button_press("zz:garbage"),
        message("/quotes " + "<b>&amp;" * 500),
        message("/search " + "x" * 5000),
    ],
)
async def test_junk_updates_never_raise(bot: Harness, update: dict[str, Any]) -> None:
    for text in await bot.send(update):
        parse_telegram_html(text)
