"""Delivering the outbox: a rate limiter to Telegram's figures and a crash-safe sending loop.

Each message is a row. A row is marked "sending" before the request and settled after it, so a
crash leaves only the rows in flight unsettled. A claimed row carries its sender's id and a lease
the sender renews while it holds the row; once a lease has run out (the sender is gone) any sender
takes the row back, sends it again and counts it. Rows under a live lease are never taken.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.render import Button
from bot.render_digest import decode_buttons
from store import outbox as outbox_queries
from store import queries
from store import subscriptions as sub_queries
from store.outbox import ClaimedRow

log = logging.getLogger(__name__)

Buttons = tuple[tuple[Button, ...], ...]
RECLAIM_SECONDS = 1.0  # how often a running worker looks for rows whose lease ran out
Outcome = Literal["sent", "retry_after", "blocked", "migrated", "failed", "transient"]


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    retry_after: float = 0.0
    new_chat_id: int | None = None
    message_id: int | None = None
    reason: str = ""


class Sender(Protocol):
    """Sends one message; never raises for Telegram's answers, reports them as a SendResult."""

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's figures: about 30 messages/s overall, 1/s per chat, 20/min per group."""

    global_count: int = 30
    global_window: float = 1.0
    chat_interval: float = 1.0
    group_per_window: int = 20
    group_window: float = 60.0
    # Several 429s close together mean the bot as a whole is over the limit: pause everything.
    flood_count: int = 3
    flood_window: float = 1.0

    @property
    def per_second(self) -> float:
        return self.global_count / self.global_window

    def shared_by(self, senders: int) -> Limits:
        """One sender's part when `senders` processes send for one bot: the overall limit is
        the bot's, so each takes an equal share of it; the per-chat and group limits stay whole,
        kept by whichever sender sends to the chat."""
        share = max(1, self.global_count // max(1, senders))
        return dataclasses.replace(self, global_count=share)

    def scaled(self, factor: float) -> Limits:
        """The same limits with time running `factor` times faster (benchmarks)."""
        return Limits(
            self.global_count, self.global_window / factor, self.chat_interval / factor,
            self.group_per_window, self.group_window / factor, self.flood_count,
            self.flood_window / factor,
        )  # fmt: skip


def is_group(chat_id: int) -> bool:
    return chat_id < 0  # Telegram gives groups, supergroups and channels negative ids


class RateLimiter:
    """Grants sends: at most N in any window overall, one per interval per chat, a group window.

    Sends are counted when granted, over sliding windows, as Telegram counts them. One task at a
    time waits for the overall window (a lock), so a thousand waiters do not all wake per slot.
    """

    def __init__(
        self,
        limits: Limits = Limits(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}
        self._group_sent: dict[int, collections.deque[float]] = {}
        self._floods: collections.deque[float] = collections.deque()
        self._granted = 0

    def _chat_ready_at(self, chat_id: int) -> float:
        ready = max(self._chat_ready.get(chat_id, 0.0), self._paused_until)
        window = self._group_sent.get(chat_id)
        if window is not None and len(window) >= self.limits.group_per_window:
            ready = max(ready, window[0] + self.limits.group_window)
        return ready

    def _global_ready_at(self) -> float:
        if len(self._sent) < self.limits.global_count:
            return self._paused_until
        return max(self._paused_until, self._sent[0] + self.limits.global_window)

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go out, and count it as sent now."""
        while True:
            ready = self._chat_ready_at(chat_id)
            now = self._clock()
            if ready > now:
                await self._sleep(ready - now)
                continue
            async with self._lock:
                while (wait := self._global_ready_at() - self._clock()) > 0:
                    await self._sleep(wait)
                now = self._clock()
                if self._chat_ready_at(chat_id) > now:  # a 429 for this chat came meanwhile
                    continue
                self._grant(chat_id, now)
                return

    def _grant(self, chat_id: int, now: float) -> None:
        self._sent.append(now)
        while len(self._sent) > self.limits.global_count:
            self._sent.popleft()
        self._chat_ready[chat_id] = now + self.limits.chat_interval
        if is_group(chat_id):
            window = self._group_sent.setdefault(chat_id, collections.deque())
            window.append(now)
            while len(window) > self.limits.group_per_window:
                window.popleft()
        self._granted += 1
        if self._granted % 5000 == 0:
            self._forget(now)

    def retry_after(self, chat_id: int, seconds: float) -> None:
        """A 429: that chat waits `seconds`; several at once pause every chat."""
        now = self._clock()
        self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, 0.0), now + seconds)
        self._floods.append(now)
        while self._floods and self._floods[0] < now - self.limits.flood_window:
            self._floods.popleft()
        if len(self._floods) >= self.limits.flood_count:
            self._paused_until = max(self._paused_until, now + seconds)
            self._floods.clear()

    def _forget(self, now: float) -> None:
        """Drop per-chat state that no longer restricts anything, so memory stays flat."""
        self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        horizon = now - self.limits.group_window
        self._group_sent = {c: w for c, w in self._group_sent.items() if w and w[-1] > horizon}


@dataclass
class DeliveryStats:
    sent: int = 0
    retried_after_429: int = 0
    transient_retries: int = 0
    blocked: int = 0
    failed: int = 0
    migrated: int = 0
    requeued_after_crash: int = 0
    rescheduled: int = 0
    results: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Job:
    row: ClaimedRow
    html: str
    buttons: Buttons


class OutboxWorker:
    """Claims due rows in small batches and sends them through `sender` at the limiter's pace.

    `lease_seconds` is how long a claim holds without renewal; the worker renews it a few times
    per lease while it holds rows, so it only runs out when the worker is gone (or stalled that
    long), and then is how long its rows wait before another worker sends them."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        limiter: RateLimiter | None = None,
        *,
        concurrency: int = 16,
        window: int = 48,
        max_attempts: int = 6,
        retry_base: float = 1.0,
        in_place_retries: int = 2,
        stop_grace: float = 5.0,
        lease_seconds: float = 30.0,
        owner: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self.limiter = limiter or RateLimiter()
        self._concurrency = concurrency
        self._window = max(window, concurrency)  # most rows in flight at once
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._in_place_retries = in_place_retries
        self._digests: dict[int, tuple[str, Buttons]] = {}
        self._settled: list[dict[str, object]] = []
        self._effects: list[tuple[str, int, int]] = []  # ("blocked"|"migrated", chat, new chat)
        self._progress = asyncio.Event()
        self._blocked: set[int] = set()
        self._unsettled = 0  # rows marked "sending" and not written back: the duplicate window
        self._stop_grace = stop_grace  # how long a stop waits for messages being sent
        self._started: set[int] = set()  # rows a sending task holds, not yet settled
        self._on_the_wire: set[int] = set()  # rows whose request is out, answer not yet in
        self.stats = DeliveryStats()
        self.owner = owner or uuid.uuid4().hex  # this worker's claims, in the store
        self._lease = lease_seconds
        self._renew_at = 0.0  # monotonic times of the next renewal and the next look for
        self._reclaim_at = 0.0  # leases that ran out

    def _lease_end(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._lease)

    async def recover(self) -> int:
        """Rows whose sender's lease ran out go back to the queue; returns how many (they may
        have been delivered, so they are counted). Rows other senders hold stay theirs."""
        async with self._sessions.begin() as session:
            count = await outbox_queries.requeue_expired(session, dt.datetime.now(dt.UTC))
        if count:
            log.warning("%s outbox messages a stopped sender held are sent again", count)
        self.stats.requeued_after_crash += count
        self._reclaim_at = time.monotonic() + RECLAIM_SECONDS
        return count

    async def _keep_leases(self) -> None:
        """Renew the lease on the rows this worker holds, and now and then take back the rows
        of a sender whose lease ran out."""
        now = time.monotonic()
        if self._unsettled > 0 and now >= self._renew_at:
            self._renew_at = now + self._lease / 3
            async with self._sessions.begin() as session:
                await outbox_queries.renew(session, self.owner, self._lease_end())
        if now >= self._reclaim_at:
            await self.recover()

    async def _others_in_flight(self) -> bool:
        async with self._sessions() as session:
            return await outbox_queries.in_flight(session) > 0

    async def run(
        self,
        *,
        keep_going: Callable[[], bool] = lambda: True,
        until_empty: bool = True,
        idle_seconds: float = 1.0,
    ) -> DeliveryStats:
        """Deliver until the queue is empty (or for ever), stopping cleanly when told to."""
        queue: asyncio.Queue[_Job] = asyncio.Queue()
        in_flight = 0

        async def work() -> None:
            nonlocal in_flight
            while True:
                job = await queue.get()
                self._started.add(job.row.id)
                try:
                    await self._deliver(job)
                except Exception:  # one message must not stop the loop
                    log.exception("outbox message %s could not be handled", job.row.id)
                    self._settle(job.row.id, status="failed", error="internal error")
                finally:
                    in_flight -= 1
                    self._progress.set()

        workers = [asyncio.create_task(work()) for _ in range(self._concurrency)]
        try:
            while True:
                await self._flush()
                await self._keep_leases()
                if not keep_going():
                    break
                claimed: list[_Job] = []
                if self._unsettled < self._window:
                    claimed = await self._claim(self._window - self._unsettled)
                    for job in claimed:
                        queue.put_nowait(job)
                    in_flight += len(claimed)
                    self._unsettled += len(claimed)
                if not claimed and in_flight == 0:
                    # Empty only when no other sender holds rows either: a sender that stops
                    # may leave rows that come back to the queue when its lease runs out.
                    if until_empty and not await self._others_in_flight():
                        break
                    await self._wait(idle_seconds, keep_going)
                    continue
                # Settle in batches (a quarter window, or every 0.1 s): fewer transactions.
                with contextlib.suppress(TimeoutError):  # (wait_for may swallow a cancel)
                    async with asyncio.timeout(0.1):
                        while in_flight and len(self._settled) < self._window // 4:
                            self._progress.clear()
                            await self._progress.wait()
            # A clean stop: rows claimed but not started go back; those being sent finish.
            unstarted = []
            while not queue.empty():
                unstarted.append(queue.get_nowait().row.id)
            in_flight -= len(unstarted)
            async with self._sessions.begin() as session:
                await outbox_queries.release(session, unstarted, self.owner)
            self._unsettled -= len(unstarted)
            # Those being sent finish, for a while: a message waiting out a long 429 goes back
            # to the queue instead of holding up the stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._stop_grace):
                    while in_flight > 0:
                        self._progress.clear()
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(0.1):
                                await self._progress.wait()
                        await self._keep_leases()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        waiting = [i for i in self._started if i not in self._on_the_wire]
        async with self._sessions.begin() as session:  # rows whose request is out stay "sending":
            await outbox_queries.release(session, waiting, self.owner)  # resent once the lease ends
        self._unsettled -= len(waiting)
        self._started.clear()
        self._on_the_wire.clear()
        await self._flush()
        return self.stats

    async def _wait(self, seconds: float, keep_going: Callable[[], bool]) -> None:
        for _ in range(max(1, round(seconds / 0.2))):
            if not keep_going():
                return
            await asyncio.sleep(0.2)

    async def _claim(self, limit: int) -> list[_Job]:
        async with self._sessions.begin() as session:
            now = dt.datetime.now(dt.UTC)
            rows = await outbox_queries.claim(session, limit, now, self.owner, self._lease_end())
            missing = {r.digest_id for r in rows} - set(self._digests)
            if missing:
                content = await outbox_queries.digest_content(session, list(missing))
                for digest_id, (html, encoded) in content.items():
                    self._digests[digest_id] = (html, decode_buttons(encoded))
        jobs = []
        for row in rows:
            text, buttons = self._digests.get(row.digest_id, ("", ()))
            jobs.append(_Job(row, text, buttons))
        return jobs

    async def _deliver(self, job: _Job) -> None:
        chat_id = job.row.chat_id
        transient = migrations = 0
        while True:
            await self.limiter.acquire(chat_id)
            if chat_id in self._blocked:  # an earlier message of this run found it blocked
                self._settle(job.row.id, status="blocked", chat_id=chat_id)
                return
            self._on_the_wire.add(job.row.id)
            result = await self._sender.send(chat_id, job.html, job.buttons)
            self._on_the_wire.discard(job.row.id)
            self.stats.results[result.outcome] = self.stats.results.get(result.outcome, 0) + 1
            if result.outcome == "sent":
                self.stats.sent += 1
                self._settle(
                    job.row.id,
                    status="sent",
                    chat_id=chat_id,
                    sent_at=dt.datetime.now(dt.UTC),
                    telegram_message_id=result.message_id,
                )
                return
            if result.outcome == "retry_after":
                self.stats.retried_after_429 += 1
                self.limiter.retry_after(chat_id, max(result.retry_after, 0.0))
                continue  # never dropped: the same message again, after the wait
            if result.outcome == "migrated" and result.new_chat_id and migrations < 2:
                self.stats.migrated += 1
                migrations += 1
                self._effects.append(("migrated", chat_id, result.new_chat_id))
                chat_id = result.new_chat_id
                continue
            if result.outcome == "blocked":
                self.stats.blocked += 1
                self._blocked.add(chat_id)
                self._effects.append(("blocked", chat_id, chat_id))
                self._settle(
                    job.row.id, status="blocked", chat_id=chat_id, error=result.reason[:300]
                )
                return
            if result.outcome == "transient":
                self.stats.transient_retries += 1
                transient += 1
                attempt = job.row.attempts + transient - 1
                if transient <= self._in_place_retries:
                    await asyncio.sleep(self._retry_base * 2 ** (transient - 1))
                    continue
                if attempt < self._max_attempts:
                    self.stats.rescheduled += 1
                    later = dt.datetime.now(dt.UTC) + dt.timedelta(
                        seconds=self._retry_base * 2**attempt
                    )
                    self._settle(
                        job.row.id,
                        status="pending",
                        chat_id=chat_id,
                        not_before=later,
                        error=result.reason[:300],
                    )
                    return
            self.stats.failed += 1
            log.warning(
                "outbox message %s to chat %s failed: %s", job.row.id, chat_id, result.reason
            )
            self._settle(job.row.id, status="failed", chat_id=chat_id, error=result.reason[:300])
            return

    def _settle(self, outbox_id: int, **values: object) -> None:
        self._started.discard(outbox_id)
        self._settled.append({"id": outbox_id, **values})

    async def _flush(self) -> None:
        """Write settled rows and their effects on subscriptions, in one transaction."""
        if not self._settled and not self._effects:
            return
        settled, self._settled = self._settled, []
        effects, self._effects = self._effects, []
        async with self._sessions.begin() as session:
            for kind, chat_id, new_chat_id in effects:
                if kind == "blocked":
                    await sub_queries.deactivate(session, [chat_id])
                    await queries.update_chat(session, chat_id, active=False)
                    await outbox_queries.settle_chat(session, chat_id, "blocked")
                else:
                    await queries.ensure_chat(session, new_chat_id, "supergroup", None)
                    await sub_queries.move_subscription(session, chat_id, new_chat_id)
                    await outbox_queries.move_chat(session, chat_id, new_chat_id)
            await outbox_queries.record(session, settled)
        self._unsettled -= len(settled)
