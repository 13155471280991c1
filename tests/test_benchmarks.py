"""The benchmarks run (on tiny inputs; nothing here is timed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks import handlers, ingest, latency, quotes
from benchmarks.facts import fill_store
from bot.app import Services
from tests.conftest import SEEDS


async def test_handler_benchmark_runs_on_a_tiny_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = await handlers.run([20], rounds=3, folder=tmp_path)
    assert [row[2] for row in rows] == ["/summary", "/quotes", "/timeline", "mixed"]
    handlers.print_table(rows)
    assert "p99 wall" in capsys.readouterr().out


async def test_synthetic_store_fills_every_table(services: Services) -> None:
    counts = await fill_store(services.sessions, 30)
    assert counts["articles"] == 30
    assert all(counts[name] > 0 for name in ("speakers", "quotes", "claims", "events"))
    summary = await services.briefing.summary()
    assert summary.articles == 30 and summary.points
    timeline = await services.briefing.timeline()
    assert timeline.total == counts["events"]


async def test_ingest_benchmark_runs_on_a_tiny_store(tmp_path: Path) -> None:
    rows = await ingest.measure([2], tmp_path / "bench.db", window=3)
    assert [size for size, _, _ in rows] == [2]
    assert all(wall > 0 and cpu > 0 for _, wall, cpu in rows)


def test_quote_benchmark_runs_on_the_seeds() -> None:
    count, best_ms = quotes.measure(rounds=1)
    assert count == len(list(SEEDS.glob("*.txt"))) and best_ms > 0


def test_latency_benchmark_reuses_a_kept_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    latency.run([30], None, rounds=2, folder=tmp_path, keep=True)

    async def no_refill(url: str, size: int) -> float:
        raise AssertionError("a kept store was filled again")

    monkeypatch.setattr(latency, "fresh_store", no_refill)
    latency.run([30], None, rounds=2, folder=tmp_path, keep=True)
    assert capsys.readouterr().out.count("sqlite     | 30 ") == 2 * 2 * len(latency.COMMANDS)
    kept = f"sqlite+aiosqlite:///{tmp_path / 'latency-30.db'}"
    assert not asyncio.run(latency.kept_store(kept, 31))  # another size is filled afresh


def test_latency_benchmark_measures_each_command_in_a_fresh_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = latency.run([30], None, rounds=2, folder=tmp_path)
    out = capsys.readouterr().out
    rows = [line.split("|") for line in out.splitlines() if line.startswith("sqlite")]
    measured = [(row[3].strip(), row[2].strip()) for row in rows]
    assert measured == [(p, c) for p in latency.PICTURES for c in latency.COMMANDS]
    assert all(row[1].strip() == "30" for row in rows)
    assert len(memory) == 1 and "peak RSS" in memory[0]
