"""Shared fixtures: settings on a fresh SQLite file per test, and services over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        telegram_bot_token="",
        seeds_dir=SEEDS,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings) as opened:
        yield opened


async def ingest_all(services: Services, *items: str, force: bool = False) -> list[str]:
    return [o.line() async for o in services.ingestor.ingest(list(items), force=force)]
