"""One renderer for every front end: Telegram HTML with buttons, and the same content as plain text."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.briefing.views import (
    KeyPoint,
    QuotesPage,
    SearchResults,
    SourceList,
    SpeakerChoice,
    SpeakerList,
    Summary,
    TimelinePage,
)

MAX_MESSAGE_UTF16 = 4096
_TAG = re.compile(r"</?(?:b|i|u|s|code|pre|blockquote|a)(?:\s[^>]*)?>")


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True, slots=True)
class Reply:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)

    @property
    def plain(self) -> str:
        return to_plain(self.html)


COMMANDS: tuple[tuple[str, str], ...] = (
    ("summary", "the picture now: key points and how many outlets back each"),
    ("quotes", "what a person said, e.g. /quotes rutte; alone, lists the speakers"),
    ("timeline", "dated events in order, with the precision the sources give"),
    ("sources", "the articles and outlets in the store"),
    ("search", "find articles by words, e.g. /search peace deal"),
    ("help", "this list"),
)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def to_plain(markup: str) -> str:
    """The plain-text form of our HTML: tags dropped, quotes set off, entities decoded."""
    markup = re.sub(r"<blockquote>", "  “", markup)
    markup = re.sub(r"</blockquote>", "”", markup)
    return html.unescape(_TAG.sub("", markup))


def help_text() -> Reply:
    lines = ["<b>What you can ask</b>", ""]
    lines += [f"/{name} – {esc(about)}" for name, about in COMMANDS]
    return Reply("\n".join(lines))


def unknown_command(command: str) -> Reply:
    return Reply(f"I don't know {esc(command[:40])}. Try /help for the list of commands.")


def summary(result: Summary) -> Reply:
    if not result.articles:
        return Reply("The store is empty: nothing to brief on yet. Ingest some articles first.")
    newest = result.newest.strftime("%-d %b %Y") if result.newest else "undated"
    lines = [
        f"<b>The picture now</b> ({result.articles} articles, {result.outlets} independent sources,"
        f" newest {newest})",
    ]
    if result.changed:
        lines += ["", "<b>Since you last looked</b>"]
        lines += [f"• {esc(p.text)} {_marks(p)}" for p in result.changed]
    lines += ["", "<b>Key points</b>"]
    if result.points:
        lines += [f"{i}. {esc(p.text)} {_marks(p)}" for i, p in enumerate(result.points, 1)]
    else:
        lines.append("No point is backed by two independent sources yet.")
    if result.disputed:
        lines += ["", "<b>Disputed</b>"]
        for point in result.disputed:
            reason = f" ({esc(point.conflicts[0])})" if point.conflicts else ""
            lines.append(f"• {esc(point.text)}{reason} {_marks(point)}")
    if result.single_source:
        lines += ["", "<b>Single-source</b>"]
        lines += [f"• {esc(p.text)} {_marks(p)}" for p in result.single_source]
    buttons = tuple(
        (Button(f"Sources of {i}", f"kp:{p.claim_id}"),) for i, p in enumerate(result.points[:3], 1)
    )
    return Reply("\n".join(lines), buttons)


def key_point(point: KeyPoint | None) -> Reply:
    if point is None:
        return Reply("That point is no longer in the store.")
    lines = [f"<b>{esc(point.text)}</b> {_marks(point)}", ""]
    lines += [f"• {esc(s.label())}" for s in point.sources]
    for reason in point.conflicts:
        lines.append(f"⚠ disputed: {esc(reason)}")
    return Reply("\n".join(lines))


def speakers(result: SpeakerList) -> Reply:
    if not result.speakers:
        return Reply("No quotes in the store yet.")
    lines = ["<b>Who is quoted</b>", ""]
    lines += [
        f"• {esc(s.name)}" + (f", {esc(s.role)}" if s.role else "") + f" – {_count(s.quotes, 'quote')}"
        for s in result.speakers
    ]
    lines += ["", "Ask /quotes NAME for what one of them said."]
    buttons = tuple((Button(f"{s.name} ({s.quotes})"[:60], f"qs:{s.id}:1"),) for s in result.speakers[:6])
    return Reply("\n".join(lines), buttons)


def speaker_choice(result: SpeakerChoice) -> Reply:
    if not result.candidates:
        return Reply(f"Nobody called “{esc(result.query[:80])}” is quoted. Try /quotes to see who is.")
    names = ", ".join(esc(c.name) for c in result.candidates)
    buttons = tuple((Button(c.name[:60], f"qs:{c.id}:1"),) for c in result.candidates)
    return Reply(f"Did you mean: {names}?", buttons)


def quotes(result: QuotesPage) -> Reply:
    speaker = result.speaker
    role = f", {esc(speaker.role)}" if speaker.role else ""
    lines = [f"<b>{esc(speaker.name)}</b>{role} – {_count(speaker.quotes, 'quote')}"]
    for quote in result.quotes:
        sources = "; ".join(esc(s.label()) for s in quote.sources)
        kind = " (partial)" if quote.partial else ""
        lines += ["", f"<blockquote>{esc(quote.text)}</blockquote>", f"— {sources}{kind}"]
    if result.pages > 1:
        lines += ["", f"Page {result.page} of {result.pages}"]
    return Reply("\n".join(lines), _pager(f"qs:{speaker.id}", result.page, result.pages))


def timeline(result: TimelinePage) -> Reply:
    if not result.total:
        return Reply("No dated events in the store yet.")
    lines = ["<b>Timeline</b>"]
    for event in result.events:
        marks = [_count(event.sources, "source")]
        if event.inferred:
            marks.append("date inferred")
        if event.disputed:
            marks.append("date disputed")
        lines += ["", f"<b>{esc(event.date_label)}</b> – {esc(event.text)} ({', '.join(marks)})"]
    if result.pages > 1:
        lines += ["", f"Page {result.page} of {result.pages}"]
    return Reply("\n".join(lines), _pager("tl", result.page, result.pages))


def sources(result: SourceList) -> Reply:
    if not result.articles:
        return Reply("No articles in the store yet.")
    lines = [f"<b>Sources</b> ({len(result.articles)} articles, {result.outlets} independent)", ""]
    for article in result.articles:
        date = article.published.isoformat() if article.published else "undated"
        if article.inferred:
            date += " (inferred)"
        title = esc(article.title or "(untitled)")
        if article.url:
            title = f'<a href="{html.escape(article.url, quote=True)}">{title}</a>'
        status = "" if article.status == "original" else f" [{esc(article.status)}]"
        lines.append(f"#{article.id} {esc(article.outlet)}, {date}: {title}{status}")
    return Reply("\n".join(lines))


def search(result: SearchResults) -> Reply:
    if not result.query.strip():
        return Reply("Tell me what to look for, e.g. /search peace deal")
    if not result.hits:
        return Reply(f"Nothing in the store mentions “{esc(result.query[:80])}”.")
    lines = [f"<b>Search:</b> {esc(result.query[:80])}", ""]
    for hit in result.hits:
        title = esc(hit.article.title or "(untitled)")
        lines += [f"#{hit.article.id} <b>{title}</b> ({esc(hit.article.outlet)})", esc(hit.snippet), ""]
    return Reply("\n".join(lines).rstrip())


def _marks(point: KeyPoint) -> str:
    outlets = _count(point.outlets, "outlet")
    if point.status == "disputed":
        return f"[{outlets}, disputed]"
    if point.status == "single-source":
        return f"[{outlets}, single source]"
    return f"[{outlets}]"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _pager(prefix: str, page: int, pages: int) -> tuple[tuple[Button, ...], ...]:
    if pages <= 1:
        return ()
    row = []
    if page > 1:
        row.append(Button("◀ Previous", f"{prefix}:{page - 1}"))
    if page < pages:
        row.append(Button("Next ▶", f"{prefix}:{page + 1}"))
    return (tuple(row),)
