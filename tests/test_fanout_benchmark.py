"""The fan-out benchmark runs end to end on a tiny input (untimed): one worker in-process, and
two sender processes with the real Bot over HTTP sharing the test store (PostgreSQL when
TEST_DATABASE_URL names one, else a SQLite file)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.fanout import run, run_senders, senders_table, table
from bot.config import Settings


async def test_the_fanout_benchmark_runs_on_a_tiny_input(tmp_path: Path) -> None:
    report = await run(40, scale=50, latency=0.02, error_rate=0.05, database=tmp_path / "f.db")
    assert (report.lost, report.unique, report.violations) == (0, 40, 0)
    assert "messages lost" in table(report, 0.02, 0.05)


async def test_two_sender_processes_over_http_deliver_every_message_once(
    settings: Settings,
) -> None:
    report = await run_senders(
        settings.database_url, 60, scale=20, latency=0.02, error_rate=0.05, senders=2
    )
    assert (report.lost, report.duplicates, report.unique) == (0, 0, 60)
    assert sum(sender.sent for sender in report.senders) == 60
    assert "messages lost" in senders_table(report, 0.02, 0.05)
