"""Handler latency: python -m benchmarks.handlers [--articles 0 10000] [--rounds 200].

Real updates go through `application.process_update` with the real Application, Bot and
handlers; the Bot API is the fake one from the tests (in-process HTTP, no network), so the
times are the bot's own: parsing, store queries, rendering and building the request. Prints
updates per second and p50/p99 from update to reply per command, for the seed articles and
for synthetic stores of the given sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram import Update

from benchmarks.facts import fill_store
from bot.app import Services, open_services
from bot.config import Settings
from handlers.app import BotApplication, build_application
from tests.fake_bot_api import FakeBotAPI

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
COMMANDS = ("/summary", "/quotes", "/timeline")
USER = {"id": 99, "is_bot": False, "first_name": "Bench"}
_ids = itertools.count(1)


def command(text: str, chat_id: int) -> dict[str, Any]:
    chat = {"id": chat_id, "type": "private", "first_name": "Bench"}
    entity = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
    body = {"message_id": next(_ids), "date": int(time.time()), "chat": chat, "from": USER,
            "text": text, "entities": [entity]}  # fmt: skip
    return {"update_id": next(_ids), "message": body}


async def _speaker_query(services: Services) -> str:
    """The most quoted speaker's name: what a reader is most likely to ask for."""
    speakers = await services.briefing.speakers()
    return speakers.speakers[0].name if speakers.speakers else "nobody"


async def _timed(
    application: BotApplication, api: FakeBotAPI, update: dict[str, Any]
) -> tuple[float, float]:
    """Wall time from update to the reply reaching the Bot API, and CPU time (all threads, so
    SQLite's too) of handling the whole update, what follows the reply included."""
    before = len(api.calls)
    started, cpu = time.perf_counter(), time.process_time()
    await application.process_update(Update.de_json(update, application.bot))
    cpu = time.process_time() - cpu
    replies = [n for n, (name, _) in enumerate(api.calls[before:], before) if name == "sendMessage"]
    if not replies:
        raise RuntimeError(f"no reply to {update['message']['text']!r}")
    return api.call_times[replies[0]] - started, cpu


async def measure(label: str, settings: Settings, articles: int, rounds: int) -> list[list[str]]:
    """One row per command (and one for throughput) for a store of `articles` articles."""
    async with open_services(settings) as services:
        if articles:
            await fill_store(services.sessions, articles)
        else:
            async for _ in services.ingestor.ingest([str(SEEDS)]):
                pass
        stored = await services.article_count()
        api = FakeBotAPI()
        application = build_application(services, request=api.request(), rate_limit=False)
        name = await _speaker_query(services)
        texts = {"/summary": "/summary", "/quotes": f"/quotes {name}", "/timeline": "/timeline"}
        rows: list[list[str]] = []
        async with application:
            for text in texts.values():  # warm caches and the connection pool
                await _timed(application, api, command(text, 1))
            for name_ in COMMANDS:
                timed = [
                    await _timed(application, api, command(texts[name_], 1000 + i % 50))
                    for i in range(rounds)
                ]
                walls, cpus = [t[0] for t in timed], [t[1] for t in timed]
                rows.append(
                    [label, f"{stored:,}", name_, *_percentiles(walls), _percentiles(cpus)[1]]
                )
            mixed = [command(texts[COMMANDS[i % 3]], 2000 + i % 50) for i in range(rounds * 3)]
            started = time.perf_counter()
            for update in mixed:
                await application.process_update(Update.de_json(update, application.bot))
            rate = len(mixed) / (time.perf_counter() - started)
            rows.append([label, f"{stored:,}", "mixed", f"{rate:,.0f} updates/s", "", ""])
    return rows


def _percentiles(times: Sequence[float]) -> list[str]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return [f"{cuts[49] * 1000:.2f} ms", f"{cuts[98] * 1000:.2f} ms"]


async def run(sizes: Sequence[int], rounds: int, folder: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for size in sizes:
        database = folder / f"handlers-{size}.db"
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{database}", telegram_bot_token="1:BENCH",
            relevance_threshold=0.0, _env_file=None,  # type: ignore[call-arg]
        )  # fmt: skip
        rows += await measure("seeds" if size == 0 else "synthetic", settings, size, rounds)
    return rows


def print_table(rows: list[list[str]]) -> None:
    header = ["store", "articles", "command", "p50 wall", "p99 wall", "p99 cpu"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, nargs="+", default=[0, 10_000],
                        help="store sizes; 0 means the seed articles")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=200, help="updates timed per command")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        rows = asyncio.run(run(args.articles, max(2, args.rounds), Path(folder)))
    print_table(rows)
    print("wall: update to the reply at the fake Bot API; cpu: the whole update, all threads")


if __name__ == "__main__":
    main()
