"""Webhook mode: the real Application serves HTTP on 127.0.0.1 and answers through the fake API."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.app import Services, open_services
from bot.config import Settings
from handlers.app import run_telegram
from tests.conftest import SEEDS, ingest_all
from tests.fake_bot_api import FakeBotAPI
from tests.test_telegram import message

SECRET = "s3cret-Token_42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook_core(settings: Settings) -> AsyncIterator[Services]:
    port = free_port()
    webhook = settings.model_copy(
        update={
            "telegram_bot_token": "123:TEST",
            "webhook_url": f"http://127.0.0.1:{port}/telegram/updates",
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
            "webhook_secret": SECRET,
        }
    )
    async with open_services(webhook) as services:
        await ingest_all(services, str(SEEDS))
        yield services


async def until(condition: Any, task: asyncio.Task[int]) -> None:
    for _ in range(1000):
        if condition() or task.done():
            return
        await asyncio.sleep(0.01)


async def post(url: str, update: dict[str, Any], secret: str | None) -> httpx.Response:
    """POST an update as Telegram does, retrying while the server is still binding its port."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                return await client.post(url, json=update, headers=headers)
            except httpx.ConnectError:
                await asyncio.sleep(0.02)
    raise AssertionError(f"nothing listens on {url}")


async def test_webhook_answers_updates_with_the_secret_and_refuses_others(
    webhook_core: Services,
) -> None:
    settings = webhook_core.settings
    api = FakeBotAPI()
    task = asyncio.create_task(run_telegram(webhook_core, request=api.request()))
    await until(lambda: api.sent("setWebhook"), task)
    registered = api.last("setWebhook")
    assert registered["url"] == settings.webhook_url
    assert registered["secret_token"] == SECRET
    assert not api.sent("getUpdates")  # no long polling beside the webhook

    refused = await post(settings.webhook_url, message("/help"), "wrong-secret")
    assert refused.status_code == 403
    missing = await post(settings.webhook_url, message("/help"), None)
    assert missing.status_code == 403
    assert not api.texts()

    accepted = await post(settings.webhook_url, message("/quotes zelenski"), SECRET)
    assert accepted.status_code == 200
    await until(api.texts, task)
    assert len(api.texts()) == 1 and "quote" in api.texts()[0]

    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 10) == 0
    with pytest.raises(httpx.ConnectError):  # the server is gone with the bot
        async with httpx.AsyncClient() as client:
            await client.post(settings.webhook_url, json=message("/help"))


def test_a_secret_telegram_would_refuse_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        Settings(webhook_secret="has spaces!", _env_file=None)  # type: ignore[call-arg]
