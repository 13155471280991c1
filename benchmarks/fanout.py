"""Digest fan-out: python -m benchmarks.fanout [--subscribers 100000] [--scale 20].

The real DigestService queues one digest per subscriber in a SQLite store, then the real
OutboxWorker and RateLimiter deliver it to a fake Bot API at the Sender boundary (no HTTP) that
answers after a simulated latency, injects 429s at random, and itself enforces Telegram's limits
(a send over them is answered with a 429 and counted as a violation).

Time can run `--scale` times faster: the limiter then allows 30 x scale messages/s, and the
latency and retry_after shrink by the same factor. Rates are reported against that scaled
ceiling; the ratio is what carries over to real time (30/s).

With `--senders N [--database-url URL] [--kill-at SHARE]` the store (SQLite, or a PostgreSQL
database whose public schema is emptied) is shared by N sender processes
(benchmarks/fanout_sender.py), each the bot's own Application, Bot and TelegramSender over real
HTTP to the same fake Bot API, served here on 127.0.0.1 (benchmarks/bot_api_server.py), each
keeping to 1/N of the overall limit as OUTBOX_SENDERS=N makes it. `--kill-at 0.4` kills the
first sender with SIGKILL once 40% have arrived; the others send its rows when its lease ends.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from benchmarks.bot_api_server import BotAPIServer
from bot.app import Services, open_services
from bot.config import Settings
from bot.digests import DigestService
from bot.outbox import Buttons, Limits, OutboxWorker, RateLimiter, SendResult
from store import outbox as outbox_queries
from store import queries
from store import subscriptions as sub_queries
from store.db import create_engine
from store.models import Subscription

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


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
        self.group_recent: dict[int, collections.deque[float]] = {}
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
        group = self.group_recent.setdefault(chat_id, collections.deque()) if chat_id < 0 else None
        while group and group[0] < now - self.limits.group_window * 0.9:
            group.popleft()
        too_fast_group = group is not None and len(group) >= self.limits.group_per_window
        await asyncio.sleep(self.latency * self.rng.uniform(0.5, 1.5))
        if too_fast_overall or too_fast_chat or too_fast_group:
            self.violations += 1
            return SendResult("retry_after", retry_after=self.limits.chat_interval)
        if self.rng.random() < self.error_rate:
            self.injected_429 += 1
            return SendResult("retry_after", retry_after=self.limits.chat_interval)
        self.last_to_chat[chat_id] = now
        if group is not None:
            group.append(now)
        self.delivered[chat_id] += 1
        self.total += 1
        return SendResult("sent", message_id=self.total)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a fan-out delivered, and at what rate against the (scaled) ceiling of 30/s."""

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

    @property
    def ceiling(self) -> float:
        return 30.0 * self.scale

    @property
    def rate(self) -> float:
        return self.unique / self.deliver_seconds if self.deliver_seconds else 0.0


@dataclass(frozen=True, slots=True)
class Report(Delivery):
    peak_rss_mb: float


async def queue_one_digest_each(
    services: Services, subscribers: int, rng: random.Random, groups_share: float
) -> float:
    """`subscribers` subscriptions (a share of them groups), an article, and the real digest
    check queueing one digest for each; returns the seconds the check took."""
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
    return enqueue_seconds


async def run(
    subscribers: int, scale: float, latency: float, error_rate: float, database: Path,
    groups_share: float = 0.01, seed: int = 7,
) -> Report:  # fmt: skip
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}", _env_file=None)  # type: ignore[call-arg]
    rng = random.Random(seed)
    async with open_services(settings) as services:
        enqueue_seconds = await queue_one_digest_each(services, subscribers, rng, groups_share)
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
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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


@dataclass(frozen=True, slots=True)
class SenderFigures:
    sent: int  # messages it recorded as sent
    peak_rss_mb: float
    cpu_seconds: float  # the whole process, start-up included
    killed: bool = False
    held_at_kill: int = 0  # rows it held ("sending") when it was killed


@dataclass(frozen=True, slots=True)
class SendersReport(Delivery):
    backend: str
    lease_seconds: float
    resent: int  # rows taken back from a dead sender, as the store counted them
    senders: tuple[SenderFigures, ...]


async def run_senders(
    database_url: str, subscribers: int, scale: float, latency: float, error_rate: float, *,
    senders: int = 2, kill_at: float | None = None, lease_seconds: float = 3.0,
    window: int | None = None, groups_share: float = 0.01, seed: int = 7,
) -> SendersReport:  # fmt: skip
    """One digest per subscriber in the (empty) store at `database_url`, delivered by `senders`
    processes (benchmarks.fanout_sender: the real Bot over HTTP) to a fake Bot API server here.
    With `kill_at`, the first sender is killed (SIGKILL) once that share has been delivered."""
    settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    rng = random.Random(seed)
    async with open_services(settings) as services:
        enqueue_seconds = await queue_one_digest_each(services, subscribers, rng, groups_share)
        api = FakeTelegram(Limits().scaled(scale), latency / scale, error_rate, rng)
        share = Limits().shared_by(senders).scaled(scale)
        concurrency = max(16, int(share.per_second * latency / scale * 4) + 16)
        # Rows stay in a sender's window for the request and about 0.1 s of claiming and
        # settling round trips, which do not shrink with the time scale.
        window = window or max(concurrency, int(share.per_second * (latency / scale + 0.1) * 2))
        async with BotAPIServer(api) as server:
            children = [
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "benchmarks.fanout_sender", database_url,
                    server.base_url, "--senders", str(senders), "--scale", str(scale),
                    "--concurrency", str(concurrency), "--window", str(window),
                    "--lease-seconds", str(lease_seconds),
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
                )
                for _ in range(senders)
            ]  # fmt: skip
            owners = [str(json.loads(await _line(child))["owner"]) for child in children]
            started = time.perf_counter()
            for child in children:
                assert child.stdin is not None
                child.stdin.write(b"go\n")
                await child.stdin.drain()
            figures: dict[int, SenderFigures] = {}
            if kill_at is not None:
                victim = children[0]
                while api.total < kill_at * subscribers and victim.returncode is None:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                peak, cpu = vm_hwm_mb(victim.pid), cpu_seconds_of(victim.pid)
                victim.kill()  # SIGKILL: nothing settled, nothing released
                await victim.wait()
                async with services.sessions() as session:
                    held = await outbox_queries.claimed_by(session, owners[0], "sending")
                    sent = await outbox_queries.claimed_by(session, owners[0], "sent")
                figures[0] = SenderFigures(sent, peak, cpu, killed=True, held_at_kill=held)
            for number, child in enumerate(children):
                if number in figures:
                    continue
                last = json.loads((await _line(child)) or "{}")
                if await child.wait() != 0 or not last:
                    raise RuntimeError(f"sender {number + 1} failed with status {child.returncode}")
                figures[number] = SenderFigures(
                    int(last["sent"]), float(last["peak_rss_mb"]), float(last["cpu_seconds"])
                )
            deliver_seconds = time.perf_counter() - started
        async with services.sessions() as session:
            counts = await outbox_queries.status_counts(session)
            assert counts == {"sent": subscribers}, counts
            resent = await outbox_queries.resent_after_restart(session)
    unique = len(api.delivered)
    return SendersReport(
        subscribers, scale, enqueue_seconds, deliver_seconds, api.total, unique,
        subscribers - unique, api.total - unique, window, api.injected_429, api.violations,
        backend="postgresql" if database_url.startswith("postgresql") else "sqlite",
        lease_seconds=lease_seconds, resent=resent,
        senders=tuple(figures[n] for n in range(senders)),
    )  # fmt: skip


async def _line(child: asyncio.subprocess.Process) -> str:
    assert child.stdout is not None
    return (await child.stdout.readline()).decode().strip()


def vm_hwm_mb(pid: int) -> float:
    """Peak RSS of a running process, from /proc (0 where there is none)."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds_of(pid: int) -> float:
    """User and system CPU time of a running process, from /proc (0 where there is none)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def senders_table(report: SendersReport, latency: float, error_rate: float) -> str:
    ratio = report.rate / report.ceiling
    count = len(report.senders)
    rows = [
        ("store", report.backend),
        ("subscribers", f"{report.subscribers:,}"),
        ("senders", f"{count} processes, the real Bot over HTTP, each 1/{count} of the limit"),
        ("time scale", f"x{report.scale:g} (ceiling {report.ceiling:,.0f} msg/s together)"),
        ("simulated latency",
         f"{latency * 1000:.0f} ms real ({latency / report.scale * 1000:.1f} ms scaled) + HTTP"),
        ("injected 429 rate", f"{error_rate:.2%} of sends, retry_after 1 s real"),
        ("queueing the digest", f"{report.enqueue_seconds:.1f} s (diff + outbox rows)"),
        ("delivery wall time", f"{report.deliver_seconds:.1f} s"),
        ("messages/s achieved",
         f"{report.rate:,.1f} of {report.ceiling:,.0f} = {ratio:.1%} of the ceiling"),
        ("429s injected / limit violations", f"{report.injected_429} / {report.violations}"),
        ("messages lost", f"{report.lost}"),
        ("duplicates", f"{report.duplicates} (in-flight window {report.window} per sender)"),
    ]  # fmt: skip
    for figures in report.senders:
        if figures.killed:
            taken = f"{report.resent} taken back after its {report.lease_seconds:g} s lease"
            rows.append(("killed sender", f"SIGKILL holding {figures.held_at_kill} rows; {taken}"))
    for number, figures in enumerate(report.senders, start=1):
        state = "killed" if figures.killed else "finished"
        per_message = figures.cpu_seconds / figures.sent * 1000 if figures.sent else 0.0
        rows.append((f"sender {number}", f"{figures.sent:,} sent, {state}, peak RSS "
                     f"{figures.peak_rss_mb:.0f} MB, CPU {figures.cpu_seconds:.1f} s "
                     f"({per_message:.2f} ms/message)"))  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


async def empty_postgres(url: str) -> None:
    """A PostgreSQL database the benchmark may wipe: its public schema, emptied."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--scale", type=float, default=20.0, help="time runs this much faster")
    parser.add_argument("--latency-ms", type=float, default=80.0, help="real-time API latency")
    parser.add_argument("--error-rate", type=float, default=0.005, help="share of random 429s")
    parser.add_argument(
        "--senders",
        type=int,
        default=0,
        help="sender processes over HTTP (default: one worker in-process)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="with --senders: the store (a PostgreSQL database it may wipe); "
        "default a temporary SQLite file",
    )
    parser.add_argument(
        "--kill-at",
        type=float,
        default=None,
        help="with --senders: SIGKILL the first sender once this share arrived",
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=3.0,
        help="with --senders: OUTBOX_LEASE_SECONDS of the senders",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=None,
        help="with --senders: rows each sender holds at once",
    )
    args = parser.parse_args(argv)  # fmt: skip
    if args.senders:
        return main_senders(args)
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


def main_senders(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
        if url.startswith("postgresql"):
            asyncio.run(empty_postgres(url))
        report = asyncio.run(
            run_senders(
                url, args.subscribers, args.scale, args.latency_ms / 1000, args.error_rate,
                senders=args.senders, kill_at=args.kill_at, lease_seconds=args.lease_seconds,
                window=args.window,
            )
        )  # fmt: skip
    print(senders_table(report, args.latency_ms / 1000, args.error_rate))
    # Only what was in flight at a kill may arrive twice. Limit violations are reported, not
    # failed on: at a scaled time a 50 ms window is as short as a scheduling delay.
    allowed = sum(f.held_at_kill for f in report.senders)
    return 0 if report.lost == 0 and report.duplicates <= allowed else 1


if __name__ == "__main__":
    sys.exit(main())
