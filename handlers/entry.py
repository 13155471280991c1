"""The `storybot` program: the command line, with the Telegram front end plugged in."""

from __future__ import annotations

from collections.abc import Sequence

from bot import cli
from handlers.app import run_telegram


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, telegram=run_telegram)


if __name__ == "__main__":
    raise SystemExit(main())
