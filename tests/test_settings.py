"""The /settings panel through the real Application: buttons and words change the same state."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update

from bot.app import Services, open_services
from bot.config import Settings
from bot.digests import DigestService
from bot.outbox import Limits, OutboxWorker, RateLimiter
from handlers.app import build_application
from handlers.delivery import TelegramSender
from store import subscriptions as sub_queries
from tests.conftest import ingest_all
from tests.fake_bot_api import parse_telegram_html
from tests.fake_delivery import DeliveryBotAPI
from tests.test_digests import LATE, SEED_FILES

_ids = itertools.count(70_000)
ANN = {"id": 4242, "is_bot": False, "first_name": "Ann"}
BOB = {"id": 5353, "is_bot": False, "first_name": "Bob"}
PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
GROUP = {"id": -100777, "type": "supergroup", "title": "Newsroom"}


def command(text: str, chat: dict[str, Any] = PRIVATE, user: dict[str, Any] = ANN) -> Any:
    number = next(_ids)
    return {"update_id": number, "message": {
        "message_id": number, "date": int(time.time()), "chat": chat, "from": user,
        "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]}}  # fmt: skip


def press(data: str, message_id: int, chat: dict[str, Any], user: dict[str, Any]) -> Any:
    original = {"message_id": message_id, "date": int(time.time()), "chat": chat, "text": "old",
                "from": {"id": 1, "is_bot": True, "first_name": "Story"}}  # fmt: skip
    return {"update_id": next(_ids), "callback_query": {
        "id": str(next(_ids)), "from": user, "chat_instance": "ci", "data": data,
        "message": original}}  # fmt: skip


class Chat:
    """One chat talking to the bot; `say` and `tap` return what the bot sent or edited."""

    def __init__(self, application: Any, api: DeliveryBotAPI, chat: dict[str, Any]) -> None:
        self.application, self.api, self.chat = application, api, chat

    async def _feed(self, update: dict[str, Any]) -> str:
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        texts = [str(p.get("text", "")) for name, p in self.api.calls[before:]
                 if name in ("sendMessage", "editMessageText")]  # fmt: skip
        for text in texts:
            parse_telegram_html(text)
        return "\n".join(texts)

    async def say(self, text: str, user: dict[str, Any] = ANN) -> str:
        return await self._feed(command(text, self.chat, user))

    async def tap(self, data: str, user: dict[str, Any] = ANN) -> str:
        """Press a button on the bot's last message in this chat."""
        ids = [m for c, m in self.api.messages if c == self.chat["id"]]
        return await self._feed(press(data, max(ids), self.chat, user))

    def buttons(self) -> list[str]:
        """The labels of the keyboard on the bot's last message in this chat."""
        key = max(k for k in self.api.messages if k[0] == self.chat["id"])
        markup = self.api.messages[key][1] or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    def data(self) -> list[str]:
        key = max(k for k in self.api.messages if k[0] == self.chat["id"])
        markup = self.api.messages[key][1] or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]

    def marked(self) -> list[str]:
        return [label for label in self.buttons() if label.startswith("• ")]


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[tuple[Services, Any, DeliveryBotAPI]]:
    configured = settings.model_copy(update={"telegram_bot_token": "123:TEST"})
    async with open_services(configured) as core:
        await ingest_all(core, *[str(p) for p in SEED_FILES if p != LATE])
        api = DeliveryBotAPI(admins={GROUP["id"]: {ANN["id"]}})
        application = build_application(core, request=api.request(), rate_limit=False)
        async with application:
            yield core, application, api


async def stored(core: Services, chat_id: int) -> sub_queries.SubscriptionRow | None:
    async with core.sessions() as session:
        return await sub_queries.get_subscription(session, chat_id)


async def test_buttons_and_words_read_and_write_the_same_settings(
    bot: tuple[Services, Any, DeliveryBotAPI],
) -> None:
    core, application, api = bot
    chat = Chat(application, api, PRIVATE)
    panel = await chat.say("/settings")
    assert "Digests: not subscribed" in panel and chat.marked() == ["• Off", "• 3 Feb 2026"]

    tapped = await chat.tap("set:digest_mode=daily")  # choosing a mode subscribes the chat
    assert "Subscribed." in tapped and "once a day at 08:00 (UTC)" in tapped
    assert chat.marked() == ["• Daily", "• 3 Feb 2026"]
    assert "once a day at 07:00 (Europe/Berlin)" in await chat.say(
        "/settings daily 7 Europe/Berlin"
    )
    assert "Quiet hours: 22:00–07:00" in await chat.say("/settings quiet 22-7")

    tapped = await chat.tap("set:digest_mode=instant")  # hour, zone and quiet hours stay
    assert "at most one every 15 minutes" in tapped
    assert "Quiet hours: 22:00–07:00" in tapped and "Time zone: Europe/Berlin" in tapped
    assert chat.marked()[0] == "• Instant"
    assert "at most one every 30 minutes" in await chat.say("/settings every 30")
    assert "Time zone: Asia/Tokyo" in await chat.say("/settings timezone Asia/Tokyo")
    assert "Dates written as: 2026-02-03" in await chat.tap("set:date_style=iso")

    row = await stored(core, PRIVATE["id"])
    assert row is not None and row.active
    assert (row.mode, row.hour, row.timezone, row.quiet_start, row.quiet_end,
            row.every_minutes) == ("instant", 7, "Asia/Tokyo", 22, 7, 30)  # fmt: skip

    again = await chat.say("/settings")  # the panel shows what the store holds
    for line in ("at most one every 30 minutes", "Quiet hours: 22:00–07:00",
                 "Time zone: Asia/Tokyo", "Dates written as: 2026-02-03"):  # fmt: skip
        assert line in again
    assert chat.marked() == ["• Instant", "• 2026-02-03"]

    assert "paused" in await chat.tap("set:digest_mode=off")
    row = await stored(core, PRIVATE["id"])
    assert row is not None and row.mode == "off" and row.active
    assert "at most one every 30 minutes" in await chat.say("/settings instant")
    assert "paused" in await chat.say("/settings off")
    assert "Quiet hours: none" in await chat.say("/settings quiet off")
    assert "not an hour" in await chat.say("/settings daily 25")
    assert "Time zone: Asia/Tokyo" in await chat.say("/settings timezone Mars/Olympus")


async def test_settings_chosen_before_subscribing_are_kept(
    bot: tuple[Services, Any, DeliveryBotAPI],
) -> None:
    core, application, api = bot
    chat = Chat(application, api, PRIVATE)
    reply = await chat.say("/settings quiet 23-6")
    assert "Digests: not subscribed" in reply and "Quiet hours: 23:00–06:00" in reply
    row = await stored(core, PRIVATE["id"])
    assert row is not None and not row.active  # kept, and no digests for it yet
    subscribed = await chat.say("/subscribe")
    assert "Subscribed." in subscribed and "Quiet hours: 23:00–06:00" in subscribed
    assert "Unsubscribed" in await chat.say("/unsubscribe")
    assert "Digests: not subscribed" in await chat.say("/settings")
    assert chat.marked()[0] == "• Off"


async def test_in_a_group_only_its_administrators_change_settings(
    bot: tuple[Services, Any, DeliveryBotAPI],
) -> None:
    core, application, api = bot
    group = Chat(application, api, GROUP)
    assert "Your settings" in await group.say("/settings", user=BOB)  # anyone may look
    assert "administrators" in await group.say("/settings daily 7", user=BOB)
    await group.say("/settings", user=BOB)
    assert await group.tap("set:digest_mode=instant", user=BOB) == ""
    alert = api.sent("answerCallbackQuery")[-1]
    assert alert.get("show_alert") is True and "administrators" in str(alert.get("text"))
    assert await stored(core, GROUP["id"]) is None

    assert "Subscribed." in await group.tap("set:digest_mode=instant", user=ANN)
    assert "once a day at 07:00" in await group.say("/settings daily 7", user=ANN)
    row = await stored(core, GROUP["id"])
    assert row is not None and row.active and (row.mode, row.hour) == ("daily", 7)


async def test_digest_buttons_open_the_summary_quotes_and_timeline(
    bot: tuple[Services, Any, DeliveryBotAPI],
) -> None:
    core, application, api = bot
    chat = Chat(application, api, PRIVATE)
    await chat.say("/settings every 0")
    await ingest_all(core, str(LATE))
    digests = DigestService(core.sessions, default_every_minutes=0)
    assert (await digests.check()).enqueued == 1
    sender = TelegramSender(application.bot)
    await OutboxWorker(core.sessions, sender, RateLimiter(Limits().scaled(50))).run()
    assert "What's new in the story" in api.texts()[-1]
    assert chat.buttons() == ["Summary", "Quotes", "Timeline"]
    summary = await chat.tap("cmd:summary")
    assert "The picture now" in summary and "Key points" in summary
    assert "What's new" in api.texts()[-2]  # the digest stays; the answer is a new message
    # Summary points carry no sources; a point's button reads them when asked.
    point = next(d for d in chat.data() if d.startswith("kp:"))
    assert "outlet" in await chat.tap(point)
    assert "Who is quoted" in await chat.tap("cmd:quotes")
    assert all(label.endswith(")") for label in chat.buttons())
    timeline = await chat.tap("cmd:timeline")
    assert "<b>Timeline</b>" in timeline and "source" in timeline
