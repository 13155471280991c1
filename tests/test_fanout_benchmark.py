"""The fan-out benchmark runs end to end on a tiny input (untimed)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.fanout import run, table


async def test_the_fanout_benchmark_runs_on_a_tiny_input(tmp_path: Path) -> None:
    report = await run(40, scale=50, latency=0.02, error_rate=0.05, database=tmp_path / "f.db")
    assert (report.lost, report.unique, report.violations) == (0, 40, 0)
    assert "messages lost" in table(report, 0.02, 0.05)
