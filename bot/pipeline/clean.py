"""Boilerplate removal: what a page wraps around an article (navigation, bylines, captions,
comment widgets, author biographies, repeated headlines) is dropped before any analysis."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.pipeline.text import fold, words

# A short line that is page furniture wherever it stands.
_CLUTTER = re.compile(
    r"^(?:you may also like|you might also like|also read|read more|read next|related(?: articles"
    r"| stories| posts| news| coverage)?|more from .{1,40}|leave a (?:comment|reply)|post a comment"
    r"|no comments?|\d+ comments?|comments?"
    r"|share(?: this)?(?: article| story| post)?(?: on .{1,30})?"
    r"|advertisement|sponsored|tags?|topics?|follow us.*|sign up .*|subscribe .*|newsletter.*"
    r"|.*akismet.*|.*comment data is processed.*|.*all rights reserved.*|©.*|click here.*"
    r"|main news of the day|latest news|top stories|trending(?: now)?|most read|editor'?s picks"
    r"|skip to (?:main )?content|print|email|whatsapp|facebook|twitter|telegram|linkedin)"
    r"[\s:.!|]*$",
    re.IGNORECASE,
)
# Markers after which the rest of a page is comments, teasers and links, not the article.
_END_MARKERS = re.compile(
    r"^(?:you may also like|you might also like|related(?: articles| stories| posts)?|leave a "
    r"(?:comment|reply)|post a comment|no comments?|\d+ comments?|comments|read next|more from .+)"
    r"[\s:.!]*$",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(r"\s[»›>/|]\s")
_BYLINE = re.compile(r"^by[:\s]\s*(?P<rest>.+)$", re.IGNORECASE)
_METADATA_LINE = re.compile(
    r"^(?:date|published|updated|posted|first published|last updated)\b|\bmin read\b"
    r"|\bfirst published\b|\bupdated on\b",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"\((?:[^()]*\b(?:photo|photos|pictured|via|file|credit|image|courtesy|pool)\b[^()]*"
    r"|[^()]*\b(?:AP|AFP|Reuters|Getty|EPA|Anadolu|TASS|Xinhua)\b[^()]*)\)\s*\.?$",
    re.IGNORECASE,
)
_CAPTION_START = re.compile(
    r"^(?:in this (?:photo|image|picture|handout)|photo|image|picture|pictured|file photo"
    r"|caption|watch|video)\b\s*[:(—–-]?",
    re.IGNORECASE,
)
_SHORT_CREDIT = re.compile(r"(?:[.|]\s*(?:photo|image|source|credit)s?\s*:\s*[^.]{1,60}\.?$)", re.I)
_AGENCY_TAIL = re.compile(r"\s\|\s*[A-Z][\w.&/ -]{1,30}$")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_READ_MORE = re.compile(r"(?:\.\.\.|…)?\s*read more\s*$", re.IGNORECASE)
_BIO_CUES = frozenset(
    "editor editors editorial journalist journalists reporter reporters correspondent covers "
    "covering focuses focus specialising specializing specialises expertise experience desk "
    "team writer writes columnist contributor bio biography".split()
)
_ROLE_WORDS = frozenset(
    "editor correspondent reporter writer desk staff columnist contributor journalist "
    "bureau chief senior deputy news world".split()
)
_OUTLET_AT = r"(?:at|of|for)\s+(?P<outlet>(?:The\s+)?[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*){0,4})"

HEADING_WORDS = 14  # a line this short without a full stop is a heading, not prose
BODY_WORDS = 12  # a line this long ending in a full stop is article prose
TOP_LINES = 6  # bylines and datelines stand this close to the start of the prose


@dataclass(frozen=True, slots=True)
class CleanText:
    """The article's own paragraphs, and what the furniture said about it."""

    paragraphs: tuple[str, ...]
    title: str | None
    author: str | None
    outlet: str | None
    datelines: tuple[str, ...]  # lines near the top that carry the publication date


def clean_paragraphs(paragraphs: Sequence[str], *, title: str | None = None) -> CleanText:
    """Drop page furniture; find the headline, byline and dateline among the leading lines."""
    paragraphs = _cut_at_end_marker(list(paragraphs))
    first_prose = _first_body_paragraph(paragraphs)

    headings: list[str] = []
    crumbs: list[str] = []
    datelines: list[str] = []
    author: str | None = None
    outlet: str | None = None
    body: list[str] = []
    for index, line in enumerate(paragraphs):
        near_top = index < first_prose + TOP_LINES
        byline = _BYLINE.match(line)
        if near_top and _is_breadcrumb(line):
            crumbs.append(_BREADCRUMB.split(line)[-1].strip())
        elif near_top and byline and len(words(line)) <= 20:
            author, outlet_in_byline, dated = _read_byline(byline.group("rest"))
            outlet = outlet or outlet_in_byline
            datelines.extend(dated)
        elif near_top and _METADATA_LINE.search(line) and len(words(line)) <= 25:
            datelines.append(line)
        elif index < first_prose and _is_heading(line) and not _is_furniture(line):
            headings.append(line)
        else:
            body.append(line)

    title = title or _choose_title(headings, crumbs, paragraphs)
    if author:
        outlet = outlet or _outlet_of_author(author, body)
    kept = _clean_body(body, title=title, author=author)
    return CleanText(tuple(kept), title, author, outlet, tuple(datelines))


def _cut_at_end_marker(paragraphs: list[str]) -> list[str]:
    """Everything after "You may also like" or "Leave a Comment" in the last part of a page."""
    start = len(paragraphs) // 2
    for index in range(start, len(paragraphs)):
        if _END_MARKERS.match(paragraphs[index].strip()):
            return paragraphs[:index]
    return paragraphs


def _first_body_paragraph(paragraphs: Sequence[str]) -> int:
    for index, paragraph in enumerate(paragraphs[:12]):
        if _is_prose(paragraph) and not _BYLINE.match(paragraph):
            return index
    return 0


def _is_prose(paragraph: str) -> bool:
    return len(words(paragraph)) >= BODY_WORDS and bool(_SENTENCE_END.search(paragraph.rstrip()))


def _is_breadcrumb(line: str) -> bool:
    parts = _BREADCRUMB.split(line)
    return len(parts) >= 3 and all(len(words(p)) <= 12 for p in parts)


def _is_heading(line: str) -> bool:
    return len(words(line)) <= 25 and not _SENTENCE_END.search(line.rstrip())


def _is_furniture(line: str) -> bool:
    """Clutter, captions and notes, wherever they stand."""
    stripped = line.strip()
    count = len(words(stripped))
    if count <= 25 and _CLUTTER.match(stripped):
        return True
    if _CREDIT.search(stripped) or (_CAPTION_START.match(stripped) and count <= 60):
        return True
    if count <= 15 and (_SHORT_CREDIT.search(stripped) or _AGENCY_TAIL.search(stripped)):
        return True
    # A note from whoever stored the page: "(The stored copy breaks off here.)"
    return stripped[:1] in "([" and stripped.rstrip(".")[-1:] in ")]"


def _read_byline(rest: str) -> tuple[str | None, str | None, list[str]]:
    """ "Jane Doe | Jan 28, 2026" or "Jane Doe, Reuters": the author, an outlet, date parts."""
    parts = [p.strip() for p in re.split(r"\s*[|•·]\s*|\s+[-–—]\s+|,\s+(?=[A-Z])", rest) if p]
    author = parts[0] if parts else None
    outlet: str | None = None
    dated: list[str] = []
    for part in parts[1:]:
        if any(c.isdigit() for c in part):
            dated.append(part)
        elif not _ROLE_WORDS & {w.lower() for w in words(part)} and len(words(part)) <= 5:
            outlet = outlet or part
    return author, outlet, dated


def _choose_title(headings: list[str], crumbs: list[str], paragraphs: Sequence[str]) -> str | None:
    """The headline: the heading the page repeats or its breadcrumb ends with, else the fullest."""
    if not headings:
        return None
    keys = [fold(p) for p in paragraphs]
    crumb_keys = {fold(c) for c in crumbs}
    for heading in headings:
        key = fold(heading)
        repeated = sum(1 for k in keys if k.startswith(key)) > 1
        if key in crumb_keys or repeated:
            return heading
    fullest = max(headings, key=lambda h: len(words(h)))
    return fullest if len(words(fullest)) >= 4 else None


def _outlet_of_author(author: str, body: Sequence[str]) -> str | None:
    """A desk's biography names its paper: "The Global Desk at The Daily Example ..."."""
    pattern = re.compile(re.escape(author) + r"\s+" + _OUTLET_AT)
    for paragraph in body:
        match = pattern.search(paragraph)
        if match:
            return match.group("outlet").strip(" .,’'")
    return None


def _clean_body(paragraphs: Sequence[str], *, title: str | None, author: str | None) -> list[str]:
    title_key = fold(title or "")
    author_key = fold(author or "")
    seen: set[str] = set()
    kept: list[str] = []
    for paragraph in paragraphs:
        key = fold(paragraph)
        if not key or key in seen:
            continue
        seen.add(key)
        glued = len(title_key.split()) >= 4 and key.startswith(title_key)
        if title_key and (key == title_key or glued):
            continue  # the headline again, often glued to a photo caption
        if author_key and (key == author_key or _is_biography(paragraph, author_key)):
            continue
        if _is_furniture(paragraph) or _is_subheading(paragraph):
            continue
        kept.append(paragraph)
    return kept


def _is_subheading(paragraph: str) -> bool:
    return len(words(paragraph)) <= HEADING_WORDS and not _SENTENCE_END.search(paragraph.rstrip())


def _is_biography(paragraph: str, author_key: str) -> bool:
    key = fold(paragraph)
    if _READ_MORE.search(paragraph) and author_key in key:
        return True
    cues = len(_BIO_CUES & set(key.split()))
    return author_key in key and cues >= 3
