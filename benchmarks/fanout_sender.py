"""One sender process of the multi-sender fan-out benchmark (started by benchmarks.fanout).

`python -m benchmarks.fanout_sender DATABASE_URL BASE_URL --senders N --scale X --concurrency C
--window W --lease-seconds L`: the bot's own Application and Bot (PTB over HTTP to BASE_URL), its
TelegramSender and an OutboxWorker keeping to 1/N of the overall limit, as `storybot run` with
OUTBOX_SENDERS=N sends. It prints one JSON line {"ready": ..., "owner": ...} once connected,
starts on a line "go" on stdin, and prints one JSON line of its figures when the outbox is empty.
PTB's own AIORateLimiter is left out: it counts real seconds, and time here runs faster.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import warnings

from telegram.warnings import PTBDeprecationWarning

from benchmarks.latency import peak_rss_mb
from bot.app import open_services
from bot.config import Settings
from bot.outbox import Limits, OutboxWorker, RateLimiter
from handlers.app import build_application
from handlers.delivery import TelegramSender


def _say(payload: dict[str, object]) -> None:
    print(json.dumps(payload), flush=True)


async def send(args: argparse.Namespace) -> None:
    settings = Settings(
        database_url=args.database_url, telegram_bot_token="1:BENCH",
        telegram_base_url=args.base_url, outbox_senders=args.senders,
        outbox_lease_seconds=args.lease_seconds, _env_file=None,  # type: ignore[call-arg]
    )  # fmt: skip
    async with open_services(settings, upgrade=False) as core:
        application = build_application(core, rate_limit=False)
        async with application:  # getMe through the fake Bot API
            limits = Limits().shared_by(settings.outbox_senders).scaled(args.scale)
            worker = OutboxWorker(
                core.sessions, TelegramSender(application.bot), RateLimiter(limits),
                concurrency=args.concurrency, window=args.window,
                lease_seconds=settings.outbox_lease_seconds,
            )  # fmt: skip
            _say({"ready": True, "owner": worker.owner})
            await asyncio.to_thread(sys.stdin.readline)  # "go"
            await worker.recover()
            stats = await worker.run(idle_seconds=0.2)
    _say({
        "owner": worker.owner, "sent": stats.sent, "retried_after_429": stats.retried_after_429,
        "requeued": stats.requeued_after_crash, "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpu_seconds": round(time.process_time(), 2),
    })  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("base_url")
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16, help="sends at once")
    parser.add_argument("--window", type=int, default=48, help="rows claimed at once")
    parser.add_argument("--lease-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    # PTB warns on every 429 that its retry_after will become a timedelta; noise here.
    warnings.filterwarnings("ignore", category=PTBDeprecationWarning)
    asyncio.run(send(args))


if __name__ == "__main__":
    main()
