"""The `storybot` command line: ingest, ask, chat, export, run and database upgrades."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence

from bot import commands, source_commands
from bot.app import Services, StoreUnavailable, open_services
from bot.config import Settings, load_settings
from bot.export import export_store
from bot.ingest import IngestOutcome
from store import migrate

log = logging.getLogger("storybot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storybot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="add articles from files, directories or URLs")
    ingest.add_argument("items", nargs="+", metavar="PATH|URL")
    ingest.add_argument("--force", action="store_true", help="add off-topic articles anyway")

    ask = sub.add_parser("ask", help='answer one command, e.g. storybot ask "/quotes NAME"')
    ask.add_argument("line", nargs="+")

    sub.add_parser("chat", help="an interactive console session with the bot's commands")
    sub.add_parser("export", help="the whole fact store as JSON on stdout")
    sub.add_parser("run", help="seed an empty store, then start the Telegram bot or the console")

    source_commands.add_parser(sub)

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    return parser


TelegramRunner = Callable[[Services], Awaitable[int]]


def main(argv: Sequence[str] | None = None, *, telegram: TelegramRunner | None = None) -> int:
    """Run one command. `telegram` starts the bot; the outer layer passes it in."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return asyncio.run(_dispatch(args, settings, telegram))
    except KeyboardInterrupt:
        return 130
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _dispatch(
    args: argparse.Namespace, settings: Settings, telegram: TelegramRunner | None
) -> int:
    if args.command == "db":
        async with open_services(settings, upgrade=False) as services:
            await migrate.upgrade(services.engine)
        print("database is at the latest schema")
        return 0
    async with open_services(settings) as services:
        if args.command == "sources":
            return await source_commands.run(services, args)
        if args.command == "ingest":
            return await ingest(services, args.items, force=args.force)
        if args.command == "ask":
            reply = await commands.answer(services.briefing, " ".join(args.line))
            print(reply.plain)
            return 0
        if args.command == "export":
            async with services.sessions() as session:
                data = await export_store(session)
            json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
            print()
            return 0
        if args.command == "chat":
            return await chat(services)
        if args.command == "run":
            return await run(services, telegram)
    return 2


async def ingest(services: Services, items: Sequence[str], *, force: bool) -> int:
    """Ingest and report one line per article; a progress bar when a person is watching."""
    outcomes: list[IngestOutcome] = []
    if sys.stdout.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task("ingesting", total=None)
            async for outcome in services.ingestor.ingest(items, force=force):
                outcomes.append(outcome)
                progress.console.print(outcome.line(), markup=False, highlight=False)
                progress.advance(task)
        counts = {
            s: sum(1 for o in outcomes if o.status == s)
            for s in ("added", "duplicate", "skipped", "error")
        }
        print(", ".join(f"{n} {s}" for s, n in counts.items()))
    else:
        async for outcome in services.ingestor.ingest(items, force=force):
            outcomes.append(outcome)
            print(outcome.line(), flush=True)
    return 1 if any(o.status == "error" for o in outcomes) else 0


async def seed_if_empty(services: Services) -> None:
    if await services.article_count() == 0 and services.settings.seeds_dir.is_dir():
        print(f"The store is empty: reading the articles in {services.settings.seeds_dir}/ ...")
        async for outcome in services.ingestor.ingest([str(services.settings.seeds_dir)]):
            print("  " + outcome.line())


async def run(services: Services, telegram: TelegramRunner | None) -> int:
    await seed_if_empty(services)
    if services.settings.telegram_bot_token and telegram is not None:
        return await telegram(services)
    print("No TELEGRAM_BOT_TOKEN set: starting the console. The same commands work here.")
    return await chat(services)


async def chat(services: Services) -> int:
    """Read commands from the terminal and answer them until /quit or end of input."""
    with contextlib.suppress(ImportError):  # line editing and history for input()
        import readline  # noqa: F401
    print("storybot console. Type /help for commands, /quit to leave.")
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, input, "> ")
        except EOFError:
            print()
            return 0
        if line.strip() in ("/quit", "/exit", "quit", "exit"):
            return 0
        if not line.strip():
            continue
        reply = await commands.answer(services.briefing, line)
        print(reply.plain)
        print()


if __name__ == "__main__":
    raise SystemExit(main())
