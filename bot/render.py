"""One renderer for every front end: Telegram HTML with buttons, and the same as plain text."""

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
from bot.chats import DATE_STYLES, DIGEST_MODES, ChatSettings

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
    ("settings", "your preferences: digests and how dates are written"),
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


def welcome(result: Summary) -> Reply:
    newest = result.newest.strftime("%-d %b %Y") if result.newest else "no dated article yet"
    top = result.points[0].text if result.points else None
    lines = [
        "<b>Hello! I brief you on one developing news story.</b>",
        f"I have read {result.articles} articles from {result.outlets} independent sources"
        f" (newest: {newest}).",
    ]
    if top:
        lines += ["", f"The most corroborated point: {esc(top)}"]
    lines += ["", "Tap a button, or send /help for every command."]
    buttons = ((Button("Summary", "cmd:summary"), Button("Quotes", "cmd:quotes"),
                Button("Timeline", "cmd:timeline")),)  # fmt: skip
    return Reply("\n".join(lines), buttons)


def chat_settings(current: ChatSettings) -> Reply:
    digest = {"instant": "when the picture changes", "daily": "once a day", "off": "never"}
    dates = {"day-month": "3 Feb 2026", "iso": "2026-02-03"}
    lines = [
        "<b>Your settings</b>",
        f"Digests: {esc(digest.get(current.digest_mode, current.digest_mode))}",
        f"Dates written as: {esc(dates.get(current.date_style, current.date_style))}",
    ]
    buttons = (
        tuple(
            Button(("• " if mode == current.digest_mode else "") + mode, f"set:digest_mode={mode}")
            for mode in DIGEST_MODES
        ),
        tuple(
            Button(
                ("• " if style == current.date_style else "") + dates[style],
                f"set:date_style={style}",
            )
            for style in DATE_STYLES
        ),
    )
    return Reply("\n".join(lines), buttons)


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
        f"• {esc(s.name)}"
        + (f", {esc(s.role)}" if s.role else "")
        + f" – {_count(s.quotes, 'quote')}"
        for s in result.speakers
    ]
    lines += ["", "Ask /quotes NAME for what one of them said."]
    buttons = tuple(
        (Button(f"{s.name} ({s.quotes})"[:60], f"qs:{s.id}:1"),) for s in result.speakers[:6]
    )
    return Reply("\n".join(lines), buttons)


def speaker_choice(result: SpeakerChoice) -> Reply:
    if not result.candidates:
        return Reply(
            f"Nobody called “{esc(result.query[:80])}” is quoted. Try /quotes to see who is."
        )
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
        lines += [
            f"#{hit.article.id} <b>{title}</b> ({esc(hit.article.outlet)})",
            esc(hit.snippet),
            "",
        ]
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


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(markup: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Cut a reply into messages of at most `limit` UTF-16 units (counting tags, to be safe).

    Cuts fall between paragraphs where possible, then between lines, then between words; never
    inside a tag, an entity or a surrogate pair. A tag open at a cut is closed before it and
    opened again after it, so every part is valid HTML on its own.
    """
    parts: list[str] = []
    current = ""
    for block in _blocks(markup):
        candidate = f"{current}\n\n{block}" if current else block
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if utf16_length(block) <= limit:
            current = block
        else:
            pieces = _split_long(block, limit)
            parts.extend(pieces[:-1])
            current = pieces[-1]
    if current or not parts:
        parts.append(current)
    return parts


def _blocks(markup: str) -> list[str]:
    return [b for b in markup.split("\n\n") if b.strip()] or [markup]


_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|[^<&]+|[<&]")


def _split_long(block: str, limit: int) -> list[str]:
    """Split one over-long paragraph at line breaks or spaces, balancing open tags."""
    parts: list[str] = []
    open_tags: list[str] = []  # full opening tags, innermost last
    current = ""
    reserve = 64  # room for closing tags appended at a cut

    def cut() -> None:
        nonlocal current
        closing = "".join(f"</{_tag_name(t)}>" for t in reversed(open_tags))
        parts.append(current + closing)
        current = "".join(open_tags)

    for token in _TOKEN.findall(block):
        if token.startswith("<") and token.endswith(">") and len(token) > 1:
            if utf16_length(current) + utf16_length(token) > limit - reserve:
                cut()
            current += token
            name = _tag_name(token)
            if token.startswith("</"):
                for i in range(len(open_tags) - 1, -1, -1):
                    if _tag_name(open_tags[i]) == name:
                        del open_tags[i]
                        break
            elif not token.endswith("/>"):
                open_tags.append(token)
            continue
        pieces = [token] if token.startswith("&") else re.findall(r"\S+\s*|\s+", token)
        for piece in pieces:
            while piece:
                room = limit - reserve - utf16_length(current)
                if utf16_length(piece) <= room:
                    current += piece
                    piece = ""
                elif utf16_length(current) > utf16_length("".join(open_tags)):
                    cut()
                else:  # one word longer than a message: cut it, keeping surrogate pairs whole
                    head = _take_utf16(piece, max(1, room))
                    current += head
                    piece = piece[len(head) :]
                    cut()
    if current.strip() and current != "".join(open_tags):
        parts.append(current + "".join(f"</{_tag_name(t)}>" for t in reversed(open_tags)))
    return parts or [block]


def _tag_name(tag: str) -> str:
    match = re.match(r"</?\s*([a-zA-Z0-9-]+)", tag)
    return match.group(1).lower() if match else ""


def _take_utf16(text: str, units: int) -> str:
    """The longest prefix of `text` within `units` UTF-16 code units (Python strings hold code
    points, so a prefix never splits a surrogate pair)."""
    taken = 0
    for index, char in enumerate(text):
        taken += 2 if ord(char) > 0xFFFF else 1
        if taken > units:
            return text[:index] or text[:1]
    return text
