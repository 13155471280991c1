"""Scheduled jobs on the PTB JobQueue: the digest check, source polling and outbox delivery."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.outbox import Limits, OutboxWorker, RateLimiter
from handlers.admin import broadcast
from handlers.commands import BotServices, services
from handlers.delivery import TelegramSender

log = logging.getLogger(__name__)

SOURCE_TICK_SECONDS = 30  # how often due sources are looked for; each has its own interval
DELIVERY_PAUSE_SECONDS = 1.0  # between two delivery runs once the outbox is empty


async def check_digests(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Compare the store's picture with what subscribers got; queue digests for those due."""
    result = await broadcast(context).digests.check()
    if result.enqueued:
        log.info("queued %s digests (picture v%s)", result.enqueued, result.version)


async def poll_sources(context: ContextTypes.DEFAULT_TYPE) -> None:
    for report in await broadcast(context).sources.poll_due():
        added = report.count("added")
        if added or report.result == "error":
            log.info("source %s: %s, %s added", report.source.url, report.result, added)


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the outbox until it is empty, then come back shortly: one run at a time. A failed
    run (the database gone for a while) is logged by the error handler and tried again."""
    application = context.application
    try:
        worker = await _outbox_worker(context)
        await worker.run(keep_going=lambda: application.running)
    finally:
        if application.running and application.job_queue is not None:
            application.job_queue.run_once(deliver, DELIVERY_PAUSE_SECONDS, name="outbox")


async def _outbox_worker(context: ContextTypes.DEFAULT_TYPE) -> OutboxWorker:
    """The process's worker, made (and what a stopped sender left in flight requeued once its
    lease ran out) on first use; it keeps to this process's share of the overall limit."""
    worker = context.bot_data.get("outbox_worker")
    if not isinstance(worker, OutboxWorker):
        core = services(context).core
        worker = OutboxWorker(
            core.sessions,
            TelegramSender(context.bot),
            RateLimiter(Limits().shared_by(core.settings.outbox_senders)),
            lease_seconds=core.settings.outbox_lease_seconds,
        )
        await worker.recover()
        context.bot_data["outbox_worker"] = worker
    return worker


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    """Start the digest, polling and delivery jobs when the application starts."""
    jobs = application.job_queue
    if jobs is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): no digests, no polling")
        return
    found = application.bot_data["services"]
    assert isinstance(found, BotServices)
    settings = found.core.settings
    jobs.run_repeating(check_digests, interval=settings.digest_check_seconds, first=1,
                       name="digests")  # fmt: skip
    jobs.run_repeating(poll_sources, interval=SOURCE_TICK_SECONDS, first=2, name="sources")
    jobs.run_once(deliver, 0.5, name="outbox")
