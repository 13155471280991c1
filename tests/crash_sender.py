"""A delivery process to kill: sends the outbox through a sender that logs each delivery to a file.

Run as `python -m tests.crash_sender DATABASE_URL LOG_PATH`; the test kills it with SIGKILL, and
its rows come back to the queue LEASE_SECONDS later. With a third argument GATE it is one of
several senders on one store: it writes GATE.ready once connected and starts when GATE exists.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.outbox import Buttons, Limits, OutboxWorker, RateLimiter, SendResult
from store.db import create_engine, session_factory

LEASE_SECONDS = 2.0  # short, so a test waits little for a killed sender's rows


class FileSender:
    """Each delivered message is one line "chat_id" in the log, written before the answer."""

    def __init__(self, log: Path, latency: float = 0.005) -> None:
        self.log = log
        self.latency = latency
        self.count = 0

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult:
        await asyncio.sleep(self.latency)
        with self.log.open("a") as handle:
            handle.write(f"{chat_id}\n")
        self.count += 1
        return SendResult("sent", message_id=self.count)


async def main(url: str, log: Path, gate: Path | None = None) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    limiter = RateLimiter(Limits().scaled(10))  # 300 messages/s
    worker = OutboxWorker(
        sessions, FileSender(log), limiter, concurrency=8, window=16, lease_seconds=LEASE_SECONDS
    )
    await worker.recover()  # takes only rows whose lease ran out, never another sender's
    if gate is not None:
        async with engine.connect():
            pass
        gate.with_suffix(".ready").touch()
        while not gate.exists():  # noqa: ASYNC110, ASYNC240
            await asyncio.sleep(0.005)
    await worker.run()
    await engine.dispose()


if __name__ == "__main__":
    gate = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), gate))
