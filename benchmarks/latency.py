"""Command latency as the store grows: python -m benchmarks.latency [--sizes 1000 10000 100000]
[--database-url URL] [--rounds 200] [--keep FOLDER].

For each size a fresh synthetic store is filled (benchmarks/facts.py), then a fresh child
process opens it, builds the real Application over the fake Bot API and times /summary,
/quotes NAME, /timeline and /search WORDS through `process_update`: p50/p99 of wall and CPU
time per command, with the picture unchanged between updates and with a new picture before
each, a row printed as soon as it is measured, and the child's peak memory (RSS), so the cost
of filling never counts. SQLite (a temporary file) by default; a PostgreSQL URL
(postgresql+asyncpg://...) measures PostgreSQL, whose public schema is emptied for each size.
With --keep, filled stores are kept and used again by the next run when they hold the size
asked for (SQLite files in FOLDER; a PostgreSQL schema left as it is); their chats are
forgotten before each run, so every run starts from the same state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.facts import fill_store
from benchmarks.handlers import _speaker_query, _timed, command
from bot.app import Services, open_services
from bot.config import Settings
from handlers.app import build_application, settle_memory
from store import queries
from tests.fake_bot_api import FakeBotAPI

COMMANDS = ("/summary", "/quotes", "/timeline", "/search")
HEADER = ("backend", "articles", "command", "picture", "p50 wall", "p99 wall", "p50 cpu", "p99 cpu")
WIDTHS = (10, 9, 9, 7, 9, 9, 9, 9)
# "same": the picture is unchanged between updates, so what the bot keeps per picture holds
# (most updates, between two ingests); "new": the picture version is bumped (untimed) before
# every update, as an ingest would, so every answer is computed afresh.
PICTURES = ("same", "new")


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url, telegram_bot_token="1:BENCH", relevance_threshold=0.0,
        _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def row_line(cells: Sequence[str]) -> str:
    return " | ".join(str(c).ljust(w) for c, w in zip(cells, WIDTHS, strict=True))


async def _search_words(services: Services) -> str:
    """Two words of the most corroborated claim: words that many articles share."""
    summary = await services.briefing.summary()
    text_ = summary.points[0].text if summary.points else "the story"
    words = [w for w in re.findall(r"[^\W\d_]{5,}", text_)]
    return " ".join(words[:2]) or "story"


async def serve(url: str, rounds: int) -> None:
    """The measuring side, in its own process: open the store, answer, print rows and RSS."""
    async with open_services(settings_for(url)) as services:
        stored = await services.article_count()
        texts = {
            "/summary": "/summary",
            "/quotes": f"/quotes {await _speaker_query(services)}",
            "/timeline": "/timeline",
            "/search": f"/search {await _search_words(services)}",
        }
        api = FakeBotAPI()
        application = build_application(services, request=api.request(), rate_limit=False)
        async with application:
            settle_memory()  # as the bot does once it has started
            for text_ in texts.values():  # warm caches and the connection pool
                for chat in range(3):
                    await _timed(application, api, command(text_, chat + 1))
            for picture in PICTURES:
                for name in COMMANDS:
                    timed = []
                    for i in range(rounds):
                        if picture == "new":
                            await new_picture(services)
                        update = command(texts[name], 1000 + i % 50)
                        timed.append(await _timed(application, api, update))
                    walls = _percentiles([t[0] for t in timed])
                    cpus = _percentiles([t[1] for t in timed])
                    cells = [backend_of(url), f"{stored:,}", name, picture, *walls, *cpus]
                    print(row_line(cells), flush=True)
    print(json.dumps({"articles": stored, "peak_rss_mb": round(peak_rss_mb(), 1)}), flush=True)


async def new_picture(services: Services) -> None:
    """What an ingest does to the picture, without the ingest: its version goes up."""
    async with services.sessions.begin() as session:
        await queries.bump_picture_version(session)


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux's ru_maxrss survives exec, so a child forked from the
    filling process would report the filler's size; VmHWM starts again with the program."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(times: Sequence[float]) -> list[str]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return [f"{cuts[49] * 1000:.2f} ms", f"{cuts[98] * 1000:.2f} ms"]


async def kept_store(url: str, size: int) -> bool:
    """Whether the store at `url` was filled with `size` articles by an earlier run; if so its
    chats are forgotten, so the run starts as a fresh store would."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            try:
                stored = (await connection.execute(text("SELECT count(*) FROM articles"))).scalar()
            except DBAPIError:
                return False
            if stored != size:
                return False
            await connection.execute(text("DELETE FROM chats"))
        return True
    finally:
        await engine.dispose()


async def fresh_store(url: str, size: int) -> float:
    """An empty schema filled with `size` synthetic articles; seconds it took."""
    if backend_of(url) == "postgresql":
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    started = time.perf_counter()
    async with open_services(settings_for(url)) as services:
        await fill_store(services.sessions, size)
    if backend_of(url) == "postgresql":  # what autovacuum does soon after a bulk load
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text("VACUUM ANALYZE"))
        await engine.dispose()
    if backend_of(url) == "sqlite":  # the fill's write-ahead log is not the reader's memory
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        await engine.dispose()
    return time.perf_counter() - started


def measure_in_child(url: str, rounds: int) -> dict[str, float]:
    """Run `serve` in a fresh interpreter; its rows go straight to our stdout."""
    summary: dict[str, float] = {}
    with subprocess.Popen(
        [sys.executable, "-m", "benchmarks.latency", "--serve", url, "--rounds", str(rounds)],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("{"):
                summary = json.loads(line)
            else:
                print(line, end="", flush=True)
    if child.returncode != 0:
        raise RuntimeError(f"the measuring process failed with status {child.returncode}")
    return summary


def run(
    sizes: Sequence[int], database_url: str | None, rounds: int, folder: Path, *, keep: bool = False
) -> list[str]:
    """Every size on one backend; returns the memory lines printed after the table. With `keep`
    a store that already holds the size is measured as it is."""
    print(row_line(HEADER), flush=True)
    print("-+-".join("-" * w for w in WIDTHS), flush=True)
    memory: list[str] = []
    for size in sizes:
        url = database_url or f"sqlite+aiosqlite:///{folder / f'latency-{size}.db'}"
        stored = database_url or (folder / f"latency-{size}.db").exists()
        if not (keep and stored and asyncio.run(kept_store(url, size))):
            asyncio.run(fresh_store(url, size))
        summary = measure_in_child(url, rounds)
        memory.append(
            f"{backend_of(url)}, {int(summary['articles']):,} articles: peak RSS of the "
            f"bot process {summary['peak_rss_mb']:.1f} MB"
        )
    return memory


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--rounds", type=int, default=200, help="updates timed per command")
    parser.add_argument("--keep", type=Path, default=None, metavar="FOLDER",
                        help="keep filled stores (SQLite files in FOLDER), reuse them")  # fmt: skip
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rounds = max(2, args.rounds)
    if args.serve:
        asyncio.run(serve(args.serve, rounds))
        return
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        memory = run(args.sizes, args.database_url, rounds, args.keep, keep=True)
    else:
        with tempfile.TemporaryDirectory(prefix="storybot-latency-") as folder:
            memory = run(args.sizes, args.database_url, rounds, Path(folder))
    for line in memory:
        print(line)
    print("wall: update to the reply at the fake Bot API; cpu: the whole update, all threads")


if __name__ == "__main__":
    main()
