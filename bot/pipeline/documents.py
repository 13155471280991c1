"""Reading an article as it arrives: bytes to text, an optional metadata header, HTML through a
main-text extractor, then the cleaner. The result is a `Document`: clean paragraphs and metadata."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

import trafilatura

from bot.pipeline.clean import clean_paragraphs
from bot.pipeline.dates import parse_published
from bot.pipeline.text import STOPWORDS, normalize_text, split_paragraphs, words

HEADER_KEYS = frozenset({"url", "outlet", "published", "title", "author"})
HEADER_LINES = 20  # a metadata header ends within this many lines, or there is none
ENGLISH_SHARE = 0.2  # English prose is about 40% function words; other languages almost none
PRINTABLE_SHARE = 0.95

_HEADER_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]{0,30})\s*:\s*(?P<value>.*?)\s*$")
_HTML_SNIFF = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.I)
_CHARSET = re.compile(r"charset=[\"']?([\w-]+)", re.I)
_DATE_IN_LINE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4})",
    re.IGNORECASE,
)


class UnreadableDocument(ValueError):
    """The bytes are not a text or HTML article; the message says why."""


@dataclass(frozen=True, slots=True)
class Document:
    """One article, cleaned: its own paragraphs and what is known about it."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: dt.date | None = None
    english: bool = True


def parse_document(
    data: bytes,
    *,
    source_name: str,
    url: str | None = None,
    content_type: str | None = None,
) -> Document:
    """A `Document` from raw bytes; raises `UnreadableDocument` for binary or empty input."""
    text = normalize_text(decode(data, content_type))
    if is_html(text, source_name, content_type):
        meta, body = _from_html(text, url)
    else:
        meta, body = split_header(text)
    cleaned = clean_paragraphs(split_paragraphs(body), title=meta.get("title") or None)
    published = parse_published(meta.get("published", ""))
    if published is None:
        published = _first_date(cleaned.datelines)
    return Document(
        paragraphs=cleaned.paragraphs,
        title=_clip(meta.get("title") or cleaned.title, 500),
        url=_clip(meta.get("url") or url, 2000),
        outlet=_clip(meta.get("outlet") or cleaned.outlet, 200),
        author=_clip(meta.get("author") or cleaned.author, 200),
        published=published,
        english=is_english(cleaned.paragraphs),
    )


def decode(data: bytes, content_type: str | None = None) -> str:
    """Text from bytes: the declared charset, else UTF-8, else Windows-1252."""
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("binary data, not a text or HTML article")
    declared = _CHARSET.search(content_type or "") or _CHARSET.search(
        data[:2048].decode("ascii", "ignore")
    )
    encodings = [declared.group(1)] if declared else []
    for encoding in [*encodings, "utf-8-sig", "cp1252"]:
        try:
            text = data.decode(encoding)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    else:
        text = data.decode("utf-8", "replace")
    sample = text[:20_000]
    printable = len(sample)
    # Most text is printable once its line breaks and tabs are set aside; `replace` tells at C
    # speed, where `translate` with a table walks the text in Python objects.
    if not sample.replace("\n", "").replace("\r", "").replace("\t", "").isprintable():
        printable = sum(1 for c in sample if c.isprintable() or c in "\n\r\t")
    if not sample.strip():
        raise UnreadableDocument("empty file")
    if printable < PRINTABLE_SHARE * len(sample):
        raise UnreadableDocument("binary data, not a text or HTML article")
    return text


def is_html(text: str, source_name: str, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    if source_name.lower().endswith((".html", ".htm")):
        return True
    return bool(_HTML_SNIFF.match(text))


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Metadata from `key: value` lines ended by `---` (or front matter between two `---`)."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start < len(lines) and lines[start].strip() == "---":
        start += 1  # YAML-style front matter
    meta: dict[str, str] = {}
    for index in range(start, min(len(lines), start + HEADER_LINES)):
        line = lines[index]
        if line.strip() == "---":
            if meta:
                return meta, "\n".join(lines[index + 1 :])
            break
        match = _HEADER_LINE.match(line)
        if not match:
            break
        key = match.group("key").lower()
        if key in HEADER_KEYS:
            meta[key] = match.group("value").strip().strip("\"'")
    return {}, text


def _from_html(html: str, url: str | None) -> tuple[dict[str, str], str]:
    """Main text and metadata of a web page; scripts, navigation and asides are left behind."""
    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    if extracted is None:
        return {}, ""
    if not isinstance(extracted, dict):
        extracted = extracted.as_dict()
    meta = {
        "title": extracted.get("title") or "",
        "url": extracted.get("url") or url or "",
        "outlet": extracted.get("sitename") or "",
        "author": extracted.get("author") or "",
    }
    if extracted.get("date"):
        meta["published"] = str(extracted["date"])
    return {k: v for k, v in meta.items() if v}, str(extracted.get("text") or "")


def is_english(paragraphs: tuple[str, ...]) -> bool:
    leading = itertools.chain.from_iterable(map(words, paragraphs[:20]))
    tokens = list(itertools.islice(leading, 2000))
    if len(tokens) < 30:
        return True  # too little text to tell
    function_words = sum(map(STOPWORDS.__contains__, map(str.lower, tokens)))
    return function_words >= ENGLISH_SHARE * len(tokens)


def _first_date(lines: tuple[str, ...]) -> dt.date | None:
    for line in lines:
        for match in _DATE_IN_LINE.finditer(line):
            found = parse_published(match.group(0))
            if found:
                return found
    return None


def _clip(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None
