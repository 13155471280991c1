"""Ingest throughput on one core as the store grows: python -m benchmarks.ingest [--sizes ...]
[--database-url URL].

SQLite (a temporary file) by default; a PostgreSQL URL (postgresql+asyncpg://...) measures
PostgreSQL, whose public schema is emptied first."""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.corpus import synthetic_articles
from bot.app import open_services
from bot.config import Settings
from bot.pipeline.documents import parse_document

WINDOW = 50  # articles timed at each checkpoint


Row = tuple[int, float, float]


async def measure(
    sizes: list[int],
    database: Path | str,
    window: int = WINDOW,
    report: Callable[[int, float, float], None] | None = None,
) -> list[Row]:
    """(stored articles, articles/s wall, articles/s CPU) over `window` articles at each size,
    each passed to `report` as soon as it is measured; parsing is timed too, as it is part of
    ingesting."""
    url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
    if url.startswith("postgresql"):
        await _empty_schema(url)
    settings = Settings(
        database_url=url, relevance_threshold=0.0,
        _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    rows: list[Row] = []
    total = max(sizes) + window
    async with open_services(settings) as services:
        stored = 0
        timed_from = None
        started = 0.0
        for index, text in enumerate(synthetic_articles(total)):
            if timed_from is None and stored in sizes:
                timed_from, started = stored, time.perf_counter()
                cpu_started = time.process_time()
            document = parse_document(text.encode(), source_name=f"synthetic-{index}.txt")
            outcome = await services.ingestor.ingest_document(document, item=str(index))
            if outcome.status == "added":
                stored += 1
            if timed_from is not None and stored >= timed_from + window:
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                rows.append((timed_from, window / elapsed, window / cpu))
                if report is not None:
                    report(*rows[-1])
                timed_from = None
            if stored >= total:
                break
    return rows


async def _empty_schema(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--database-url", help="a PostgreSQL store to empty and fill")
    args = parser.parse_args()
    print(f"{'stored articles':>16} | {'articles/s (wall)':>17} | {'articles/s (cpu)':>16}")
    print(f"{'-' * 16}-+-{'-' * 17}-+-{'-' * 16}", flush=True)

    def report(size: int, wall: float, cpu: float) -> None:
        print(f"{size:>16,} | {wall:>17.1f} | {cpu:>16.1f}", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        database = args.database_url or Path(folder) / "bench.db"
        asyncio.run(measure(sorted(args.sizes), database, report=report))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB; ~5 KB synthetic articles; {WINDOW} timed per row")


if __name__ == "__main__":
    main()
