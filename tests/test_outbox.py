"""Delivery: the rate limiter, Telegram's errors through the fake Bot API, crash and restart."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot, Update

from bot.app import Services, open_services
from bot.config import Settings
from bot.digests import DigestService
from bot.outbox import Buttons, DeliveryStats, Limits, OutboxWorker, RateLimiter, SendResult
from bot.subscriptions import SubscriptionService
from handlers.app import build_application, run_telegram
from handlers.delivery import TelegramSender
from store import outbox as outbox_queries
from store import sources as source_queries
from store import subscriptions as sub_queries
from store.models import OutboxMessage
from tests.conftest import ROOT, SEEDS, ingest_all
from tests.crash_sender import FileSender
from tests.fake_bot_api import BOT_ID
from tests.fake_delivery import TIMEOUT, DeliveryBotAPI
from tests.test_digests import LATE, SEED_FILES

FAST = Limits().scaled(50)  # Telegram's limits with time 50 times faster


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_the_limiter_allows_30_sends_in_any_second_overall() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    granted = []
    for chat_id in range(1, 301):
        await limiter.acquire(chat_id)
        granted.append(clock.now)
    assert clock.now == pytest.approx(9.0)  # 300 messages: ten windows of 30
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(granted, granted[30:], strict=False))


async def test_each_of_two_senders_keeps_to_half_the_overall_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(Limits().shared_by(2), clock=clock, sleep=clock.sleep)
    for chat_id in range(1, 151):
        await limiter.acquire(chat_id)
    assert clock.now == pytest.approx(9.0)  # 150 messages: ten windows of 15
    assert Limits().shared_by(4).global_count == 7 and Limits().shared_by(100).global_count == 1


async def test_the_limiter_keeps_one_a_second_per_chat_and_20_a_minute_per_group() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(3):
        await limiter.acquire(7)
        times.append(clock.now)
    assert times == pytest.approx([0.0, 1.0, 2.0])
    clock.now = 100.0
    start = clock.now
    for _ in range(21):
        await limiter.acquire(-100123)
    assert clock.now - start == pytest.approx(60.0)  # the 21st waits for the minute to pass


async def test_a_429_pauses_the_chat_and_a_burst_of_them_pauses_everyone() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.retry_after(5, 3.0)
    await limiter.acquire(6)
    assert clock.now == 0.0  # other chats go on
    await limiter.acquire(5)
    assert clock.now == pytest.approx(3.0)
    for chat_id in (8, 9, 10):
        limiter.retry_after(chat_id, 2.0)
    await limiter.acquire(11)
    assert clock.now == pytest.approx(5.0)


# The loop, against a plain fake sender


class CountingSender:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.delivered: collections.Counter[int] = collections.Counter()

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult:
        await asyncio.sleep(self.latency)
        self.delivered[chat_id] += 1
        return SendResult("sent", message_id=sum(self.delivered.values()))


async def queue_digest(
    services: Services, chat_ids: Sequence[int], text: str = "<b>news</b>"
) -> None:
    async with services.sessions.begin() as session:
        await outbox_queries.add_digest_and_enqueue(session, 0, 1, text, "[]", list(chat_ids))


async def statuses(services: Services) -> collections.Counter[str]:
    async with services.sessions() as session:
        return collections.Counter(s for _, _, s, _ in await outbox_queries.deliveries(session))


async def test_killing_the_sender_mid_run_loses_nothing_and_resends_only_in_flight(
    services: Services, tmp_path: Path
) -> None:
    chats = list(range(1, 301))
    await queue_digest(services, chats)
    log = tmp_path / "delivered.txt"
    log.touch()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash_sender",
        services.settings.database_url,
        str(log),
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while len(log.read_text().split()) < 100 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    child.send_signal(signal.SIGKILL)  # a crash: nothing more is written, nothing cleaned up
    await child.wait()
    before = len(log.read_text().split())
    assert 100 <= before < len(chats)

    restarted = OutboxWorker(
        services.sessions, FileSender(log), RateLimiter(FAST), concurrency=8, window=16
    )
    await restarted.recover()  # the killed sender's lease may still run: it waits for it
    await restarted.run()
    in_flight = restarted.stats.requeued_after_crash
    delivered = collections.Counter(int(line) for line in log.read_text().split())
    assert set(delivered) == set(chats)  # every message arrived
    duplicates = sum(delivered.values()) - len(chats)
    assert 0 <= duplicates <= in_flight <= 16  # only the rows in flight can arrive twice
    assert await statuses(services) == {"sent": len(chats)}
    async with services.sessions() as session:
        assert await outbox_queries.resent_after_restart(session) == in_flight


async def test_two_sender_processes_on_one_store_send_each_message_once(
    services: Services, tmp_path: Path
) -> None:
    chats = list(range(1, 601))
    await queue_digest(services, chats)
    logs = [tmp_path / f"sender{n}.txt" for n in (1, 2)]
    children = []
    for n, log in enumerate(logs, start=1):
        log.touch()
        children.append(
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.crash_sender", services.settings.database_url,
                str(log), str(tmp_path / f"gate{n}"), cwd=ROOT,
            )
        )  # fmt: skip
    ready = [tmp_path / f"gate{n}.ready" for n in (1, 2)]
    deadline = time.monotonic() + 30
    while not all(p.exists() for p in ready) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    for n in (1, 2):
        (tmp_path / f"gate{n}").touch()  # both start claiming together
    assert [await child.wait() for child in children] == [0, 0]

    per_sender = [collections.Counter(int(x) for x in log.read_text().split()) for log in logs]
    assert all(per_sender)  # both took part
    delivered = per_sender[0] + per_sender[1]
    assert set(delivered) == set(chats) and set(delivered.values()) == {1}
    assert await statuses(services) == {"sent": len(chats)}


async def test_a_clean_stop_leaves_nothing_in_flight(services: Services) -> None:
    await queue_digest(services, range(1, 101))
    sender = CountingSender(latency=0.01)
    worker = OutboxWorker(services.sessions, sender, RateLimiter(FAST), concurrency=4, window=8)
    stop_at = time.monotonic() + 0.2
    await worker.run(keep_going=lambda: time.monotonic() < stop_at)
    counts = await statuses(services)
    assert "sending" not in counts and counts["sent"] == sum(sender.delivered.values())
    assert await OutboxWorker(services.sessions, sender).recover() == 0


class HeldSender:
    """Sends nothing until `release` is set: its messages stay in flight, claimed, meanwhile."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.on_the_wire = 0
        self.delivered: collections.Counter[int] = collections.Counter()

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult:
        self.on_the_wire += 1
        await self.release.wait()
        self.delivered[chat_id] += 1
        return SendResult("sent", message_id=sum(self.delivered.values()))


async def holding_all(
    services: Services, sender: HeldSender, count: int, **kwargs: Any
) -> tuple[OutboxWorker, asyncio.Task[DeliveryStats]]:
    """A worker running until `sender` holds `count` messages on the wire; returns its task."""
    holder = OutboxWorker(services.sessions, sender, RateLimiter(FAST), window=16, **kwargs)
    task = asyncio.create_task(holder.run())
    deadline = time.monotonic() + 20
    while sender.on_the_wire < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    assert sender.on_the_wire == count
    return holder, task


async def holders(services: Services) -> collections.Counter[str | None]:
    async with services.sessions() as session:
        return collections.Counter(await session.scalars(select(OutboxMessage.claimed_by)))


async def test_a_sender_that_starts_while_another_holds_live_claims_does_not_take_them(
    services: Services,
) -> None:
    chats = list(range(1, 11))
    await queue_digest(services, chats)
    held = HeldSender()
    holder, holding = await holding_all(services, held, len(chats))
    assert await holders(services) == {holder.owner: len(chats)}

    newcomer_sender = CountingSender()
    newcomer = OutboxWorker(services.sessions, newcomer_sender, RateLimiter(FAST))
    assert await newcomer.recover() == 0  # a restart: the other sender's rows are not touched
    joining = asyncio.create_task(newcomer.run(idle_seconds=0.2))  # waits: rows are in flight
    await asyncio.sleep(0.5)
    assert await holders(services) == {holder.owner: len(chats)}
    held.release.set()
    await holding
    await joining
    assert newcomer_sender.delivered == {}
    assert held.delivered == {chat: 1 for chat in chats}
    assert await statuses(services) == {"sent": len(chats)}
    async with services.sessions() as session:
        assert await outbox_queries.resent_after_restart(session) == 0


async def test_a_sender_keeps_rows_it_holds_longer_than_its_lease_by_renewing_it(
    services: Services,
) -> None:
    chats = list(range(1, 6))
    await queue_digest(services, chats)
    held = HeldSender()
    holder, holding = await holding_all(services, held, len(chats), lease_seconds=1.5)
    other_sender = CountingSender()
    other = OutboxWorker(services.sessions, other_sender, RateLimiter(FAST))
    looking = asyncio.create_task(other.run(idle_seconds=0.2))  # looks for run-out leases
    await asyncio.sleep(3.0)  # two leases long: only renewal keeps the rows the holder's
    assert await holders(services) == {holder.owner: len(chats)}
    held.release.set()
    await holding
    await looking
    assert other_sender.delivered == {} and other.stats.requeued_after_crash == 0
    assert held.delivered == {chat: 1 for chat in chats}
    assert await statuses(services) == {"sent": len(chats)}


async def test_the_rows_of_a_dead_sender_are_sent_by_the_survivor_once_its_lease_runs_out(
    services: Services,
) -> None:
    chats = list(range(1, 41))
    await queue_digest(services, chats)
    now = dt.datetime.now(dt.UTC)
    async with services.sessions.begin() as session:  # a sender claims 16 rows, then dies
        dead = await outbox_queries.claim(
            session, 16, now, "a-sender-now-dead", now + dt.timedelta(seconds=1)
        )
    assert len(dead) == 16
    sender = CountingSender(latency=0.001)
    survivor = OutboxWorker(services.sessions, sender, RateLimiter(FAST))
    assert await survivor.recover() == 0  # the dead sender's lease still runs
    await survivor.run(idle_seconds=0.2)  # until empty: it waits for those rows, then sends them
    assert sender.delivered == {chat: 1 for chat in chats}
    assert survivor.stats.requeued_after_crash == 16
    assert await statuses(services) == {"sent": len(chats)}
    async with services.sessions() as session:
        assert await outbox_queries.resent_after_restart(session) == 16


class FloodedSender:
    """Every send to chat 7 is answered with a long 429; other chats get their messages."""

    def __init__(self) -> None:
        self.delivered: collections.Counter[int] = collections.Counter()

    async def send(self, chat_id: int, html: str, buttons: Buttons) -> SendResult:
        if chat_id == 7:
            return SendResult("retry_after", retry_after=60)
        self.delivered[chat_id] += 1
        return SendResult("sent", message_id=1)


async def test_a_stop_does_not_wait_out_a_long_429(services: Services) -> None:
    await queue_digest(services, [7, 8])
    sender = FloodedSender()
    worker = OutboxWorker(services.sessions, sender, RateLimiter(FAST), stop_grace=0.2)
    started = time.monotonic()
    stop_at = started + 0.3
    await worker.run(keep_going=lambda: time.monotonic() < stop_at)
    assert time.monotonic() - started < 3
    assert sender.delivered == {8: 1}
    assert await statuses(services) == {"sent": 1, "pending": 1}  # chat 7's goes back
    assert await OutboxWorker(services.sessions, sender).recover() == 0


# Through the real Bot against the fake Bot API


@pytest.fixture
async def api_bot() -> AsyncIterator[tuple[DeliveryBotAPI, Bot]]:
    api = DeliveryBotAPI()
    bot = Bot("123:TEST", request=api.request())
    async with bot:
        yield api, bot


async def subscribed(services: Services, chat_ids: Sequence[int]) -> SubscriptionService:
    digests = DigestService(services.sessions, default_every_minutes=0)
    subscriptions = SubscriptionService(services.sessions, digests, default_every_minutes=0)
    for chat_id in chat_ids:
        await subscriptions.subscribe(chat_id, "private" if chat_id > 0 else "group", None)
    return subscriptions


def worker(services: Services, bot: Bot) -> OutboxWorker:
    return OutboxWorker(services.sessions, TelegramSender(bot), RateLimiter(FAST), retry_base=0.01)


# PTB itself warns when it builds a RetryAfter with an int delay (its v22 deprecation).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_is_waited_out_and_the_message_still_arrives(
    services: Services, api_bot: tuple[DeliveryBotAPI, Bot]
) -> None:
    api, bot = api_bot
    api.fail_chat[7] = [(429, "Too Many Requests: retry after 1", {"retry_after": 1})]
    await queue_digest(services, [7, 8])
    started = time.monotonic()
    stats = await worker(services, bot).run()
    assert api.delivered() == {7: 1, 8: 1}
    assert stats.retried_after_429 == 1 and time.monotonic() - started >= 1.0
    assert await statuses(services) == {"sent": 2}


async def test_a_blocked_user_is_deactivated(
    services: Services, api_bot: tuple[DeliveryBotAPI, Bot]
) -> None:
    api, bot = api_bot
    await subscribed(services, [7, 8])
    api.fail_chat[7] = [(403, "Forbidden: bot was blocked by the user", None)]
    await queue_digest(services, [7, 8])
    await queue_digest(services, [7], "second")
    await worker(services, bot).run()
    assert api.delivered() == {8: 1}
    async with services.sessions() as session:
        blocked = await sub_queries.get_subscription(session, 7)
        still = await sub_queries.get_subscription(session, 8)
    assert blocked is not None and not blocked.active
    assert still is not None and still.active
    assert await statuses(services) == {"sent": 1, "blocked": 2}


async def test_a_migrated_group_follows_its_new_id_and_gets_the_message(
    services: Services, api_bot: tuple[DeliveryBotAPI, Bot]
) -> None:
    api, bot = api_bot
    await subscribed(services, [-500])
    api.fail_chat[-500] = [
        (400, "Bad Request: group chat was upgraded to a supergroup chat",
         {"migrate_to_chat_id": -100500})]  # fmt: skip
    await queue_digest(services, [-500])
    stats = await worker(services, bot).run()
    assert api.delivered() == {-100500: 1} and stats.migrated == 1
    async with services.sessions() as session:
        assert await sub_queries.get_subscription(session, -500) is None
        moved = await sub_queries.get_subscription(session, -100500)
    assert moved is not None and moved.active


async def test_a_bad_request_is_marked_failed_and_the_loop_goes_on(
    services: Services, api_bot: tuple[DeliveryBotAPI, Bot]
) -> None:
    api, bot = api_bot
    api.fail_chat[7] = [(400, "Bad Request: chat not found", None)]
    await queue_digest(services, [7, 8, 9])
    stats = await worker(services, bot).run()
    assert api.delivered() == {8: 1, 9: 1} and stats.failed == 1
    assert await statuses(services) == {"sent": 2, "failed": 1}
    async with services.sessions() as session:
        ((_, chat, error),) = await outbox_queries.recent_failures(session)
    assert chat == 7 and "chat not found" in error.lower()


async def test_timeouts_and_network_errors_are_retried_with_backoff(
    services: Services, api_bot: tuple[DeliveryBotAPI, Bot]
) -> None:
    api, bot = api_bot
    api.fail_chat[7] = [TIMEOUT, (502, "Bad Gateway", None)]
    await queue_digest(services, [7])
    stats = await worker(services, bot).run()
    assert api.delivered() == {7: 1} and stats.transient_retries == 2


async def test_bad_html_never_reaches_telegram_as_a_crash(
    services: Services, api_bot: tuple[DeliveryBotAPI, Bot]
) -> None:
    _, bot = api_bot
    await queue_digest(services, [7], "a < b")
    await worker(services, bot).run()
    assert await statuses(services) == {"failed": 1}


# End to end: the running Application with its JobQueue


PRIVATE = {"id": 4242, "type": "private", "first_name": "Ann"}
GROUP = {"id": -100777, "type": "supergroup", "title": "Newsroom"}
USER = {"id": 4242, "is_bot": False, "first_name": "Ann"}


def command(text: str, chat: dict[str, Any], update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "chat": chat, "from": USER,
        "text": text, "entities": [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]}}  # fmt: skip


async def test_subscribers_get_the_digest_within_one_check_interval(settings: Settings) -> None:
    quick = settings.model_copy(
        update={"telegram_bot_token": "123:TEST", "digest_check_seconds": 1}
    )
    async with open_services(quick) as core:
        await ingest_all(core, *[str(p) for p in SEED_FILES if p != LATE])
        api = DeliveryBotAPI(admins={-100777: {4242}})
        application = build_application(core, request=api.request(), rate_limit=False)
        async with application:
            for number, (text, chat) in enumerate(
                [("/subscribe", PRIVATE), ("/subscribe", GROUP), ("/settings every 0", PRIVATE)]
            ):
                update = Update.de_json(command(text, chat, 900 + number), application.bot)
                await application.process_update(update)
            assert sum("Subscribed" in t for t in api.texts()) == 2
            await application.start()
            try:
                async with open_services(quick) as other:  # as `storybot ingest` would
                    await ingest_all(other, str(LATE))
                deadline = time.monotonic() + 8
                while time.monotonic() < deadline and len(digests_in(api)) < 2:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            finally:
                await application.stop()
        assert sorted(digests_in(api)) == [-100777, 4242]
        assert api.delivered()[4242] >= 1


def digests_in(api: DeliveryBotAPI) -> list[int]:
    return [int(p["chat_id"]) for p in api.sent() if "What's new" in str(p["text"])]


async def test_only_group_administrators_may_subscribe_a_group(core_bot: Any) -> None:
    application, api = core_bot
    update = Update.de_json(command("/subscribe", GROUP, 990), application.bot)
    await application.process_update(update)
    assert "administrators" in api.texts()[-1]
    api.admins[-100777] = {4242}
    update = Update.de_json(command("/subscribe", GROUP, 991), application.bot)
    await application.process_update(update)
    assert "Subscribed" in api.texts()[-1]


async def test_being_removed_from_a_group_ends_its_subscription(core_bot: Any) -> None:
    application, api = core_bot
    api.admins[-100777] = {4242}
    await application.process_update(
        Update.de_json(command("/subscribe", GROUP, 992), application.bot)
    )
    left = {"update_id": 993, "my_chat_member": {
        "chat": GROUP, "from": USER, "date": int(time.time()),
        "old_chat_member": {"status": "member", "user": {"id": BOT_ID, "is_bot": True,
                                                         "first_name": "Story"}},
        "new_chat_member": {"status": "left", "user": {"id": BOT_ID, "is_bot": True,
                                                       "first_name": "Story"}}}}  # fmt: skip
    await application.process_update(Update.de_json(left, application.bot))
    core: Services = application.bot_data["services"].core
    async with core.sessions() as session:
        sub = await sub_queries.get_subscription(session, -100777)
    assert sub is not None and not sub.active


@pytest.fixture
async def core_bot(settings: Settings) -> AsyncIterator[tuple[Any, DeliveryBotAPI]]:
    async with open_services(
        settings.model_copy(update={"telegram_bot_token": "123:TEST"})
    ) as core:
        await ingest_all(core, str(SEEDS / SEED_FILES[0].name))
        api = DeliveryBotAPI()
        application = build_application(core, request=api.request(), rate_limit=False)
        async with application:
            yield application, api


async def test_run_starts_the_jobs_and_stops_them_cleanly_on_sigterm(settings: Settings) -> None:
    """`storybot run` with a token: digests checked, outbox delivered, sources polled; SIGTERM
    ends it all with nothing left in flight."""
    quick = settings.model_copy(
        update={"telegram_bot_token": "123:TEST", "digest_check_seconds": 1}
    )
    async with open_services(quick) as core:
        await ingest_all(core, *[str(p) for p in SEED_FILES if p != LATE])
        await subscribed(core, [4242])
        async with core.sessions.begin() as session:  # a source due now, on a closed port
            await source_queries.add_source(
                session, "http://127.0.0.1:9/feed.xml", "feed", 600, dt.datetime.now(dt.UTC)
            )
        api = DeliveryBotAPI()
        task = asyncio.create_task(run_telegram(core, request=api.request()))
        async with open_services(quick) as other:  # as `storybot ingest` would
            await ingest_all(other, str(LATE))
        deadline = time.monotonic() + 15
        polled = None
        while time.monotonic() < deadline and not task.done():
            async with core.sessions() as session:
                (source,) = await source_queries.list_sources(session)
            polled = source.last_fetch_at
            if digests_in(api) and polled is not None:
                break
            await asyncio.sleep(0.1)
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(task, 10) == 0
        assert digests_in(api) == [4242]
        assert polled is not None and source.failures == 1
        assert await statuses(core) == {"sent": 1}
