"""Answers a command line such as "/quotes rutte" with a rendered reply, for the console."""

from __future__ import annotations

from bot import render
from bot.briefing.service import Briefing
from bot.render import Reply

MAX_ARGUMENT = 200


async def answer(briefing: Briefing, line: str) -> Reply:
    """The reply to one command, exactly as the bot would give it."""
    line = line.strip()
    if not line:
        return render.help_text()
    if not line.startswith("/"):
        return Reply("Commands start with a slash, e.g. /summary. Try /help.")
    command, _, argument = line.partition(" ")
    command = command.split("@", 1)[0].lower()
    argument = argument.strip()[:MAX_ARGUMENT]
    if command in ("/help", "/start"):
        return render.help_text()
    if command == "/summary":
        return render.summary(await briefing.summary())
    if command == "/quotes":
        return render_quotes(await briefing.quotes(argument))
    if command == "/timeline":
        page = int(argument) if argument.isdigit() else 1
        return render.timeline(await briefing.timeline(page=page))
    if command == "/sources":
        return render.sources(await briefing.sources())
    if command == "/search":
        return render.search(await briefing.search(argument))
    return render.unknown_command(command)


def render_quotes(result: object) -> Reply:
    from bot.briefing.views import QuotesPage, SpeakerChoice, SpeakerList

    if isinstance(result, QuotesPage):
        return render.quotes(result)
    if isinstance(result, SpeakerChoice):
        return render.speaker_choice(result)
    if isinstance(result, SpeakerList):
        return render.speakers(result)
    raise TypeError(type(result))
