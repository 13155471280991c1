"""`storybot sources add|list|remove`: the admin's source commands on the command line."""

from __future__ import annotations

import argparse

from bot import render_admin
from bot.app import Services
from bot.broadcast import open_broadcast


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("sources", help="the feeds and pages polled for new articles")
    parser.add_argument("action", choices=["add", "list", "remove"])
    parser.add_argument("target", nargs="?", metavar="URL|ID", help="what to add or remove")
    parser.add_argument("--minutes", type=int, help="poll interval of a new source")


async def run(services: Services, args: argparse.Namespace) -> int:
    sources = open_broadcast(services).sources
    if args.action == "list":
        print(render_admin.source_statuses(await sources.statuses()).plain)
        return 0
    if not args.target:
        print(f"storybot sources {args.action} needs a URL or a source number")
        return 2
    if args.action == "add":
        minutes = args.minutes * 60 if args.minutes else None
        result = await sources.add(args.target, minutes)
        print(render_admin.added_source(result).plain)
        return 0 if result.report and result.report.result != "error" else 1
    removed = await sources.remove(args.target)
    print(render_admin.removed_source(removed).plain)
    return 0 if removed else 1
