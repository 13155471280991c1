"""One renderer for every front end: Telegram HTML with buttons, and the same as plain text."""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass, field

from bot.briefing.views import (
    EventView,
    KeyPoint,
    Overview,
    QuotesPage,
    SearchResults,
    SourceList,
    SourceRef,
    SpeakerChoice,
    SpeakerList,
    Summary,
    TimelinePage,
)
from bot.chats import DATE_STYLES

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
    ("quotes", "what a person said, e.g. /quotes NAME; alone, lists the speakers"),
    ("timeline", "dated events in order, with the precision the sources give"),
    ("sources", "the articles and outlets in the store"),
    ("search", "find articles by words, e.g. /search peace deal"),
    ("subscribe", "digests here whenever the picture changes"),
    ("unsubscribe", "no more digests here"),
    ("settings", "your preferences: digests and how dates are written"),
    ("help", "this list"),
)
# For the bot's admins (ADMIN_IDS) only; listed in their /help and their command menu.
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("addsource", "poll a feed or page: /addsource URL [minutes]"),
    ("feeds", "the polled sources: last fetch, articles, errors"),
    ("removesource", "stop polling a source: /removesource ID"),
    ("ingest", "read one article now: /ingest URL"),
    ("stats", "articles, quotes, subscribers, queue and last errors"),
    ("digest", "preview the next digest"),
)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def to_plain(markup: str) -> str:
    """The plain-text form of our HTML: tags dropped, quotes set off, entities decoded."""
    markup = re.sub(r"<blockquote>", "  “", markup)
    markup = re.sub(r"</blockquote>", "”", markup)
    return html.unescape(_TAG.sub("", markup))


def format_date(
    day: dt.date | None, style: str = DATE_STYLES[0], *, missing: str = "undated"
) -> str:
    """A publication date in the reader's style: "3 Feb 2026" or "2026-02-03"."""
    if day is None:
        return missing
    return day.isoformat() if style == "iso" else f"{day.day} {day:%b %Y}"


def source_label(ref: SourceRef, style: str = DATE_STYLES[0]) -> str:
    label = f"{ref.outlet}, {format_date(ref.published, style)}"
    return label + (" (date inferred)" if ref.published and ref.inferred else "")


def help_text(*, admin: bool = False) -> Reply:
    lines = ["<b>What you can ask</b>", ""]
    lines += [f"/{name} – {esc(about)}" for name, about in COMMANDS]
    if admin:
        lines += ["", "<b>For admins</b>"]
        lines += [f"/{name} – {esc(about)}" for name, about in ADMIN_COMMANDS]
    return Reply("\n".join(lines))


def welcome(result: Overview, dates: str = DATE_STYLES[0]) -> Reply:
    lines = ["<b>Hello! I brief you on one developing news story.</b>"]
    if result.headline:
        lines += ["", f"In short: {esc(_shorten(result.headline, 300))}"]
    if result.articles:
        newest = format_date(result.newest, dates, missing="no dated article yet")
        lines += [
            "",
            f"I have read {_count(result.articles, 'article')} from "
            f"{_count(result.outlets, 'independent outlet')}; the newest is from {newest}.",
        ]
    else:
        lines += ["", "I have not read any article yet, so there is nothing to brief on."]
    lines += ["", "Tap a button, or send /help for every command."]
    buttons = ((Button("Summary", "cmd:summary"), Button("Quotes", "cmd:quotes"),
                Button("Timeline", "cmd:timeline")),)  # fmt: skip
    return Reply("\n".join(lines), buttons)


def unknown_command(command: str) -> Reply:
    return Reply(f"I don't know {esc(command[:40])}. Try /help for the list of commands.")


def not_a_command() -> Reply:
    return Reply("I answer commands: try /summary for the picture now, or /help for the list.")


def stale_button() -> Reply:
    return Reply("That button is from an older message; send the command again.")


def summary(result: Summary, dates: str = DATE_STYLES[0]) -> Reply:
    if not result.articles:
        return Reply("The store is empty: nothing to brief on yet. Ingest some articles first.")
    newest = format_date(result.newest, dates)
    lines = []
    if result.changed:
        lines += ["<b>Since you last looked</b>"]
        lines += [f"• {esc(p.text)} {_marks(p)}" for p in result.changed]
        lines.append("")
    lines += [
        f"<b>The picture now</b> ({_count(result.articles, 'article')}, "
        f"{_count(result.outlets, 'independent outlet')}, newest {newest})",
        "",
        "<b>Key points</b>",
    ]
    if result.points:
        lines += [
            f"{i}. {esc(p.text)}{_reason(p)} {_marks(p)}" for i, p in enumerate(result.points, 1)
        ]
    else:
        lines.append("No point is backed by two independent outlets yet.")
    listed = {p.claim_id for p in result.points}
    disputed = [p for p in result.disputed if p.claim_id not in listed]
    if disputed:
        lines += ["", "<b>Disputed</b>"]
        lines += [f"• {esc(p.text)}{_reason(p)} {_marks(p)}" for p in disputed]
    if result.single_source:
        lines += ["", "<b>Single-source</b>"]
        lines += [f"• {esc(p.text)} {_marks(p)}" for p in result.single_source]
    if result.points:
        lines += ["", "Tap a number for the sources of that point."]
    numbered = [Button(f"Sources {i}", f"kp:{p.claim_id}") for i, p in enumerate(result.points, 1)]
    return Reply("\n".join(lines), _rows(numbered, 4))


def key_point(point: KeyPoint | None, dates: str = DATE_STYLES[0], limit: int = 40) -> Reply:
    if point is None:
        return Reply("That point is no longer in the store.")
    lines = [f"<b>{esc(point.text)}</b> {_marks(point)}", ""]
    lines += [f"• {esc(source_label(s, dates))}" for s in point.sources[:limit]]
    if len(point.sources) > limit:
        lines.append(f"… and {_count(len(point.sources) - limit, 'more article')}.")
    for reason in point.conflicts:
        lines.append(f"⚠ disputed: {esc(reason)}")
    return Reply("\n".join(lines))


def speakers(result: SpeakerList, limit: int = 20) -> Reply:
    if not result.speakers:
        return Reply("No quotes in the store yet.")
    lines = ["<b>Who is quoted</b>", ""]
    lines += [
        f"• {esc(s.name)}"
        + (f", {esc(s.role)}" if s.role else "")
        + f" – {_count(s.quotes, 'quote')}"
        for s in result.speakers[:limit]
    ]
    if len(result.speakers) > limit:
        lines.append(f"… and {len(result.speakers) - limit} more.")
    lines += ["", "Tap a name, or ask /quotes NAME."]
    buttons = [Button(_label(f"{s.name} ({s.quotes})"), f"qs:{s.id}:1") for s in result.speakers]
    return Reply("\n".join(lines), _rows(buttons[:8], 2))


def speaker_choice(result: SpeakerChoice) -> Reply:
    if not result.candidates:
        return Reply(
            f"Nobody called “{esc(_shorten(result.query, 80))}” is quoted. "
            "Try /quotes to see who is."
        )
    names = ", ".join(esc(c.name) for c in result.candidates)
    buttons = [Button(_label(c.name), f"qs:{c.id}:1") for c in result.candidates]
    return Reply(f"Did you mean: {names}?", _rows(buttons, 2))


def quotes(result: QuotesPage, dates: str = DATE_STYLES[0]) -> Reply:
    speaker = result.speaker
    role = f", {esc(speaker.role)}" if speaker.role else ""
    lines = [f"<b>{esc(speaker.name)}</b>{role} – {_count(speaker.quotes, 'quote')}"]
    for quote in result.quotes:
        sources = "; ".join(esc(source_label(s, dates)) for s in quote.sources) or "no source"
        kind = " (partial)" if quote.partial else ""
        lines += ["", f"<blockquote>{esc(quote.text)}</blockquote>", f"— {sources}{kind}"]
    if result.pages > 1:
        lines += ["", f"Page {result.page} of {result.pages}"]
    return Reply("\n".join(lines), _pager(f"qs:{speaker.id}", result.page, result.pages))


def timeline(result: TimelinePage, dates: str = DATE_STYLES[0]) -> Reply:
    if not result.total:
        return Reply("No dated events in the store yet.")
    lines = ["<b>Timeline</b>"]
    for event in result.events:
        marks = [_count(event.sources, "source")]
        if event.inferred:
            marks.append("date inferred")
        if event.disputed:
            marks.append("date disputed")
        when = esc(_event_date(event, dates))
        lines += ["", f"<b>{when}</b> – {esc(event.text)} ({', '.join(marks)})"]
    if result.pages > 1:
        lines += ["", f"Page {result.page} of {result.pages}"]
    return Reply("\n".join(lines), _pager("tl", result.page, result.pages))


def sources(result: SourceList, dates: str = DATE_STYLES[0]) -> Reply:
    if not result.articles:
        return Reply("No articles in the store yet.")
    total = result.total or len(result.articles)
    lines = [
        f"<b>Sources</b> ({_count(total, 'article')}, "
        f"{_count(result.outlets, 'independent outlet')})",
        "",
    ]
    for article in result.articles:
        date = format_date(article.published, dates)
        if article.published and article.inferred:
            date += " (inferred)"
        title = esc(_shorten(article.title or "(untitled)", 200))
        if article.url and article.url.startswith(("http://", "https://")):
            title = f'<a href="{html.escape(article.url, quote=True)}">{title}</a>'
        status = "" if article.status == "original" else f" [{esc(article.status)}]"
        lines.append(f"#{article.id} {esc(article.outlet)}, {date}: {title}{status}")
    if result.pages > 1:
        lines += ["", f"Page {result.page} of {result.pages}"]
    return Reply("\n".join(lines), _pager("src", result.page, result.pages))


def search(result: SearchResults) -> Reply:
    if not result.query.strip():
        return Reply("Tell me what to look for, e.g. /search peace deal")
    query = esc(_shorten(result.query, 80))
    if not result.hits:
        return Reply(f"Nothing in the store mentions “{query}”.")
    lines = [f"<b>Search:</b> {query}", ""]
    for hit in result.hits:
        title = esc(_shorten(hit.article.title or "(untitled)", 200))
        lines += [
            f"#{hit.article.id} <b>{title}</b> ({esc(hit.article.outlet)})",
            esc(hit.snippet),
            "",
        ]
    return Reply("\n".join(lines).rstrip())


def _event_date(event: EventView, dates: str) -> str:
    if dates != "iso" or not event.date or event.precision not in ("day", "month"):
        return event.date_label
    prefix = "about " if event.date_label.startswith("about ") else ""
    return prefix + event.date


def _reason(point: KeyPoint) -> str:
    """Why a disputed point is disputed, in brackets after it."""
    return f" ({esc(point.conflicts[0])})" if point.status == "disputed" and point.conflicts else ""


def _marks(point: KeyPoint) -> str:
    outlets = _count(point.outlets, "outlet")
    if point.status == "disputed":
        return f"[{outlets}, disputed]"
    if point.status == "single-source":
        return f"[{outlets}, single source]"
    return f"[{outlets}]"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(text: str) -> str:
    """A button's text: one line, short, never empty."""
    return _shorten(" ".join(text.split()), 60) or "?"


def _rows(buttons: list[Button], width: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


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

    Cuts fall between paragraphs where possible, then between lines, then between words, and
    only then inside a word; never inside a tag, an entity or a surrogate pair, nor before a
    combining mark. A tag open at a cut is closed before it and opened again after it, so every
    part is valid HTML on its own.
    """
    parts: list[str] = []
    rest = _drop_empty_tags(markup.strip())
    while utf16_length(rest) > limit:
        cut = _best_cut(rest, limit)
        if cut is None:  # no cut with text before it (a giant tag, a sea of blank lines)
            plain = html.unescape(re.sub(r"<[^<>]*>", "", rest))
            rest = re.sub(r"\s*\n\s*\n\s*", "\n\n", esc(plain)).strip()
            rest = re.sub(r"[^\S\n]+", " ", rest)
            cut = _best_cut(rest, limit) if utf16_length(rest) > limit else None
            if cut is None:
                break
        position, stack = cut
        head = rest[:position].rstrip() + "".join(f"</{_tag_name(t)}>" for t in reversed(stack))
        parts.append(_drop_empty_tags(head))
        rest = _drop_empty_tags("".join(stack) + rest[position:].lstrip())
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_EMPTY_TAG = re.compile(r"<([a-zA-Z-]+)(?:\s[^<>]*)?>\s*</\1>")
# Cut kinds, best first: paragraph at top level, paragraph, line, word, character, anything.
_KINDS = 6
_GLUE = {"\u200d", "\ufe0e", "\ufe0f"}  # zero-width joiner and emoji variation selectors


def _best_cut(text: str, limit: int) -> tuple[int, tuple[str, ...]] | None:
    """Where to cut `text` so the head, with its open tags closed, fits in `limit` units."""
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * _KINDS  # units, pos, stack
    stack: list[str] = []
    closing = 0  # units needed to close the open tags
    units = 0
    content = False  # the head would have something visible
    position = 0

    def offer(kind: int, at: int) -> None:
        if content and units + closing <= limit:
            best[kind] = (units, at, tuple(stack))

    for token in _TOKEN.findall(text):
        if units + closing > limit:
            break
        if len(token) > 1 and token[0] == "<" and token[-1] == ">":
            offer(4, position)
            name = _tag_name(token)
            if token.startswith("</"):
                for index in range(len(stack) - 1, -1, -1):
                    if _tag_name(stack[index]) == name:
                        del stack[index]
                        closing -= len(name) + 3
                        break
            elif not token.endswith("/>"):
                stack.append(token)
                closing += len(name) + 3
        elif token[0] == "&" and len(token) > 1:
            offer(4, position)
            content = True
        else:
            for index, char in enumerate(token):
                at = position + index
                previous = text[at - 1] if at else ""
                if char == "\n" and text[at + 1 : at + 2] == "\n":
                    offer(0 if not stack else 1, at)
                elif char == "\n":
                    offer(2, at)
                elif char.isspace():
                    offer(3, at)
                elif unicodedata.combining(char) or char in _GLUE or previous in _GLUE:
                    offer(5, at)
                else:
                    offer(4, at)
                units += 2 if ord(char) > 0xFFFF else 1
                content = content or not char.isspace()
                if units + closing > limit:
                    break
            position += len(token)
            continue
        units += utf16_length(token)
        position += len(token)
    for kind, found in enumerate(best):
        # A paragraph, line or word break is worth a shorter part, but not a tiny one.
        if found is not None and (kind >= 4 or found[0] >= limit // 3):
            return found[1], found[2]
    fallback = [found for found in best if found is not None]
    if fallback:
        _, at, tags = max(fallback)
        return at, tags
    return None


def _drop_empty_tags(markup: str) -> str:
    while True:
        cleaned = _EMPTY_TAG.sub("", markup)
        if cleaned == markup:
            return markup
        markup = cleaned


def _tag_name(tag: str) -> str:
    match = re.match(r"</?\s*([a-zA-Z0-9-]+)", tag)
    return match.group(1).lower() if match else ""
