"""Answers a command line such as "/timeline" with a rendered reply, for the console."""

from __future__ import annotations

from bot import render
from bot.briefing.service import Briefing
from bot.briefing.views import QuotesPage, SpeakerChoice, SpeakerList
from bot.chats import DATE_STYLES
from bot.render import Reply

MAX_ARGUMENT = 200


async def answer(briefing: Briefing, line: str) -> Reply:
    """The reply to one command, exactly as the bot would give it."""
    line = line.strip()
    if not line:
        return render.help_text()
    if not line.startswith("/"):
        return render.not_a_command()
    command, _, argument = line.partition(" ")
    command = command.split("@", 1)[0].lower()
    argument = argument.strip()[:MAX_ARGUMENT]
    if command == "/start":
        return render.welcome(await briefing.overview())
    if command == "/help":
        return render.help_text()
    if command == "/summary":
        return render.summary(await briefing.summary())
    if command == "/quotes":
        return render_quotes(await briefing.quotes(argument))
    if command == "/timeline":
        page = int(argument) if argument.isdigit() and len(argument) < 7 else 1
        return render.timeline(await briefing.timeline(page=page))
    if command == "/sources":
        page = int(argument) if argument.isdigit() and len(argument) < 7 else 1
        return render.sources(await briefing.sources(page=page))
    if command == "/search":
        return render.search(await briefing.search(argument))
    if command in CHAT_ONLY:
        return Reply(
            f"{command} belongs to a Telegram chat: digests go to chats. Here every answer is "
            "already on demand."
        )
    if command in ADMIN_ONLY:
        return Reply(
            "Admin work on the command line: storybot sources add|list|remove, storybot ingest."
        )
    return render.unknown_command(command)


CHAT_ONLY = frozenset({"/subscribe", "/unsubscribe", "/settings"})
ADMIN_ONLY = frozenset(f"/{name}" for name, _ in render.ADMIN_COMMANDS)


def render_quotes(
    result: QuotesPage | SpeakerChoice | SpeakerList, dates: str = DATE_STYLES[0]
) -> Reply:
    """The reply to /quotes: one speaker's quotes, a "did you mean", or the list of speakers."""
    if isinstance(result, QuotesPage):
        return render.quotes(result, dates)
    if isinstance(result, SpeakerChoice):
        return render.speaker_choice(result)
    return render.speakers(result)
