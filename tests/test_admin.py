"""Admin commands through the real Application: refused politely to others, useful to admins."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Update

from bot.app import Services, open_services
from bot.broadcast import open_broadcast
from bot.config import Settings
from handlers.app import build_application
from tests.conftest import SEEDS, ingest_all
from tests.fake_bot_api import parse_telegram_html
from tests.fake_delivery import DeliveryBotAPI
from tests.test_sources import FEED_URL, Site

ADMIN, STRANGER = 1001, 2002
_ids = itertools.count(5000)
ADMIN_COMMANDS = ["/addsource http://news.test/feed.xml", "/feeds", "/removesource 1",
                  "/ingest http://news.test/story/1", "/stats", "/digest"]  # fmt: skip


def command(text: str, user: int) -> dict[str, Any]:
    number = next(_ids)
    return {"update_id": number, "message": {
        "message_id": number, "date": int(time.time()),
        "chat": {"id": user, "type": "private", "first_name": "U"},
        "from": {"id": user, "is_bot": False, "first_name": "U"}, "text": text,
        "entities": [{"type": "bot_command", "offset": 0,
                      "length": len(text.split()[0])}]}}  # fmt: skip


class Admin:
    def __init__(self, application: Any, api: DeliveryBotAPI) -> None:
        self.application = application
        self.api = api

    async def say(self, text: str, user: int = ADMIN) -> str:
        before = len(self.api.sent())
        await self.application.process_update(
            Update.de_json(command(text, user), self.application.bot)
        )
        texts = [str(p["text"]) for p in self.api.sent()[before:]]
        for reply in texts:
            parse_telegram_html(reply)
        return "\n".join(texts)


@pytest.fixture
async def admin(settings: Settings) -> AsyncIterator[Admin]:
    configured = settings.model_copy(
        update={"telegram_bot_token": "123:TEST", "admin_ids": frozenset({ADMIN})}
    )
    async with open_services(configured) as core:
        await ingest_all(core, str(sorted(SEEDS.glob("*.txt"))[0]))
        api = DeliveryBotAPI()
        application = build_application(core, request=api.request(), rate_limit=False)
        site = Site()
        application.bot_data["broadcast"] = open_broadcast(
            core, transport=httpx.MockTransport(site.handle)
        )
        async with application:
            yield Admin(application, api)


@pytest.mark.parametrize("text", ADMIN_COMMANDS)
async def test_anyone_else_gets_a_polite_refusal(admin: Admin, text: str) -> None:
    reply = await admin.say(text, user=STRANGER)
    assert reply == "Sorry, only the bot's admins can do that."


async def test_an_admin_adds_lists_and_removes_a_feed(admin: Admin) -> None:
    added = await admin.say(f"/addsource {FEED_URL}")
    assert "Feed: Test Wire" in added and "2 entries" in added
    feeds = await admin.say("/feeds")
    assert "#1 feed" in feeds and "ok" in feeds
    assert "Removed #1" in await admin.say("/removesource 1")
    assert "No feeds" in await admin.say("/feeds")


async def test_stats_and_digest_preview(admin: Admin) -> None:
    await admin.say("/subscribe")
    stats = await admin.say("/stats")
    assert "Articles: 1" in stats and "Subscribers: 1" in stats and "Outbox: 0 queued" in stats
    preview = await admin.say("/digest")
    assert "Preview" in preview and "Nothing new" in preview
    core: Services = admin.application.bot_data["services"].core
    await ingest_all(core, str(sorted(SEEDS.glob("*.txt"))[2]))
    assert "What's new" in await admin.say("/digest")


async def test_ingest_reports_the_outcome(admin: Admin) -> None:
    reply = await admin.say("/ingest http://127.0.0.1:9/nothing-listens-here")
    assert reply.startswith("error:")
    assert "Give the address" in await admin.say("/ingest")


async def test_subscribe_settings_unsubscribe(admin: Admin) -> None:
    assert "Subscribed." in await admin.say("/subscribe", user=STRANGER)
    reply = await admin.say("/settings daily 7 Europe/Berlin", user=STRANGER)
    assert "once a day at 07:00 (Europe/Berlin)" in reply
    assert "Quiet hours: 22:00–07:00" in await admin.say("/settings quiet 22-7", user=STRANGER)
    assert "is not an hour" in await admin.say("/settings daily 30", user=STRANGER)
    assert "Unsubscribed" in await admin.say("/unsubscribe", user=STRANGER)
    bare = await admin.say("/settings", user=STRANGER)  # the main /settings still answers
    assert bare and "not an hour" not in bare
