"""Digest fan-out: python -m benchmarks.fanout [--subscribers 100000] [--scale 20].

The real DigestService queues one digest per subscriber in a SQLite store, then the real
OutboxWorker and RateLimiter deliver it to a fake Bot API at the Sender boundary (no HTTP) that
answers after a simulated latency, injects 429s at random, and itself enforces Telegram's limits
(a send over them is answered with a 429 and counted as a violation).

Time can run `--scale` times faster: the limiter then allows 30 x scale messages/s, and the
latency and retry_after shrink by the same factor. Rates are reported against that scaled
ceiling; the ratio is what carries over to real time (30/s).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.app import open_services
from bot.config import Settings
from bot.digests import DigestService
from bot.outbox import Buttons, Limits, OutboxWorker, RateLimiter, SendResult
from store import outbox as outbox_queries
from store import queries
from store import subscriptions as sub_queries
from store.models import Subscription

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@dataclass
class FakeTelegram:
    """Answers sends like Telegram would, with latency, random 429s and its own limit checks."""

    limits: Limits
    latency: float
    error_rate: float
    rng: random.Random

    def __post_init__(self) -> None:
        self.delivered: collections.Counter[int] = collections.Counter()
        self.total = 0  # messages delivered, duplicates included (the next message id)
        self.last_to_chat: dict[int, float] = {}
        self.recent: collections.deque[float] = collections.deque()
        self.injected_429 = 0
        self.violations = 0

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult:
        now = time.monotonic()
        # Telegram counts per second (scaled here); 10% slack for the time a request travels.
        self.recent.append(now)
        while self.recent and self.recent[0] < now - self.limits.global_window:
            self.recent.popleft()
        too_fast_overall = len(self.recent) > self.limits.global_count * 1.1
        last = self.last_to_chat.get(chat_id)
        too_fast_chat = last is not None and now - last < self.limits.chat_interval * 0.9
        await asyncio.sleep(self.latency * self.rng.uniform(0.5, 1.5))
        if too_fast_overall or too_fast_chat:
            self.violations += 1
            return SendResult("retry_after", retry_after=self.limits.chat_interval)
        if self.rng.random() < self.error_rate:
            self.injected_429 += 1
            return SendResult("retry_after", retry_after=self.limits.chat_interval)
        self.last_to_chat[chat_id] = now
        self.delivered[chat_id] += 1
        self.total += 1
        return SendResult("sent", message_id=self.total)


@dataclass(frozen=True, slots=True)
class Report:
    subscribers: int
    scale: float
    enqueue_seconds: float
    deliver_seconds: float
    delivered: int
    unique: int
    lost: int
    duplicates: int
    window: int
    injected_429: int
    violations: int
    peak_rss_mb: float

    @property
    def ceiling(self) -> float:
        return 30.0 * self.scale

    @property
    def rate(self) -> float:
        return self.unique / self.deliver_seconds if self.deliver_seconds else 0.0


async def run(
    subscribers: int, scale: float, latency: float, error_rate: float, database: Path,
    groups_share: float = 0.01, seed: int = 7,
) -> Report:  # fmt: skip
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", _env_file=None)  # type: ignore[call-arg]
    rng = random.Random(seed)
    async with open_services(settings) as services:
        chats = [
            -(10**12 + i) if rng.random() < groups_share else 10**6 + i for i in range(subscribers)
        ]
        digests = DigestService(services.sessions, default_every_minutes=0)
        async with services.sessions.begin() as session:
            version = await digests.baseline(session)
            for start in range(0, len(chats), 5000):
                await queries.insert_ignore(
                    session, Subscription,
                    [{"chat_id": c, "kind": "group" if c < 0 else "private", "active": True,
                      "hour": 8, "timezone": "UTC", "seen_version": version}
                     for c in chats[start : start + 5000]],
                )  # fmt: skip
        async for _ in services.ingestor.ingest([str(sorted(SEEDS.glob("*.txt"))[0])]):
            pass
        started = time.perf_counter()
        result = await digests.check()
        enqueue_seconds = time.perf_counter() - started
        assert result.enqueued == subscribers, result

        limits = Limits().scaled(scale)
        api = FakeTelegram(limits, latency / scale, error_rate, rng)
        window = max(16, int(limits.per_second * latency / scale * 4) + 16)
        worker = OutboxWorker(
            services.sessions, api, RateLimiter(limits), concurrency=window, window=window * 2
        )
        started = time.perf_counter()
        await worker.run()
        deliver_seconds = time.perf_counter() - started
        async with services.sessions() as session:
            counts = await outbox_queries.status_counts(session)
            assert counts == {"sent": subscribers}, counts
            assert await sub_queries.count_subscribers(session) == subscribers
    delivered = api.total
    unique = len(api.delivered)
    return Report(
        subscribers, scale, enqueue_seconds, deliver_seconds, delivered, unique,
        subscribers - unique, delivered - unique, window * 2, api.injected_429, api.violations,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )  # fmt: skip


def table(report: Report, latency: float, error_rate: float) -> str:
    ratio = report.rate / report.ceiling
    scaled_ms = latency / report.scale * 1000
    real_minutes = 100_000 / (30 * ratio) / 60 if ratio else float("inf")
    rows = [
        ("subscribers", f"{report.subscribers:,}"),
        ("time scale", f"x{report.scale:g} (limiter ceiling {report.ceiling:,.0f} msg/s)"),
        ("simulated latency", f"{latency * 1000:.0f} ms real ({scaled_ms:.1f} ms scaled)"),
        ("injected 429 rate", f"{error_rate:.2%} of sends, retry_after 1 s real"),
        ("queueing the digest", f"{report.enqueue_seconds:.1f} s (diff + outbox rows)"),
        ("delivery wall time", f"{report.deliver_seconds:.1f} s"),
        ("messages/s achieved",
         f"{report.rate:,.1f} of {report.ceiling:,.0f} = {ratio:.1%} of the ceiling"),
        ("same ratio in real time",
         f"{30 * ratio:.1f} msg/s of 30 (100,000 in {real_minutes:.0f} min)"),
        ("429s injected / limit violations", f"{report.injected_429} / {report.violations}"),
        ("messages lost", f"{report.lost}"),
        ("duplicates", f"{report.duplicates} (in-flight window {report.window}; no crash here)"),
        ("peak memory (RSS)", f"{report.peak_rss_mb:.0f} MB"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--scale", type=float, default=20.0, help="time runs this much faster")
    parser.add_argument("--latency-ms", type=float, default=80.0, help="real-time API latency")
    parser.add_argument("--error-rate", type=float, default=0.005, help="share of random 429s")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        report = asyncio.run(
            run(
                args.subscribers,
                args.scale,
                args.latency_ms / 1000,
                args.error_rate,
                Path(folder) / "fanout.db",
            )
        )
    print(table(report, args.latency_ms / 1000, args.error_rate))
    return 0 if report.lost == 0 and report.violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
