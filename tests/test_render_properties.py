"""Property tests: whatever text the store holds, every reply is valid Telegram HTML in limits."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from bot.briefing.views import (
    ArticleView,
    EventView,
    KeyPoint,
    Overview,
    QuotesPage,
    QuoteView,
    SearchHit,
    SearchResults,
    SourceList,
    SourceRef,
    SpeakerChoice,
    SpeakerList,
    SpeakerView,
    Summary,
    TimelinePage,
)
from bot.render import MAX_MESSAGE_UTF16, Reply, esc, split_message, utf16_length
from handlers.replies import GROUP_LIMIT, message_parts
from tests.fake_bot_api import parse_telegram_html

# Emoji (astral, with ZWJ and variation selectors), combining marks, RTL, markup characters.
PIECES = ["🙂", "👩‍👩‍👧", "🏳️‍🌈", "e\u0301", "\u0301", "ש", "عربى", "\u200f", "<", ">", "&", "&amp;",
          "<b>", '"', "'", " ", "\n", "\n\n", "a", "Z", "9", "—", "\u2028"]  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=60).map("".join)
LONG = st.tuples(st.sampled_from(PIECES), st.integers(2000, 4200)).map(lambda p: p[0] * p[1])
ANY_TEXT = TEXT | LONG
TAGS = ["b", "i", "u", "s", "code", "blockquote"]
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def markup(draw: st.DrawFn) -> str:
    """Our kind of HTML: escaped text in paragraphs, some of them in (nested) tags."""
    blocks = []
    for _ in range(draw(st.integers(1, 6))):
        text = esc(draw(ANY_TEXT))
        for tag in draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True)):
            text = f"<{tag}>{text}</{tag}>"
        if draw(st.booleans()):
            text = f'<a href="https://example.org/?a=1&amp;b=2">{text}</a>'
        blocks.append(text)
    return "\n\n".join(blocks)


def _visible(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _assert_sendable(part: str, limit: int = MAX_MESSAGE_UTF16) -> None:
    assert utf16_length(part) <= limit
    assert parse_telegram_html(part).strip()


@PROPERTY
@given(markup(), st.sampled_from([MAX_MESSAGE_UTF16, GROUP_LIMIT, 200]))
def test_split_parts_are_valid_and_keep_every_character(html: str, limit: int) -> None:
    parts = split_message(html, limit)
    original = parse_telegram_html(html)
    if not original.strip():
        return
    for part in parts:
        _assert_sendable(part, limit)
    assert _visible("".join(parse_telegram_html(p) for p in parts)) == _visible(original)


@PROPERTY
@given(st.sampled_from(PIECES[:8]), st.integers(4080, 4110))
def test_lengths_around_the_limit(piece: str, count: int) -> None:
    text = esc(piece * count)
    parts = split_message(text)
    for part in parts:
        _assert_sendable(part)
        part.encode("utf-16-le")  # strict: a lone surrogate (half an emoji) would raise
    assert "".join(parts) == text or len(parts) > 1


def test_a_short_reply_is_one_part_unchanged() -> None:
    assert split_message("<b>Hi</b> &amp; bye") == ["<b>Hi</b> &amp; bye"]


def test_cuts_prefer_paragraphs() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_cut_tags_are_closed_and_reopened() -> None:
    parts = split_message("<blockquote>" + "word " * 2000 + "</blockquote>")
    assert len(parts) == 3
    assert all(p.startswith("<blockquote>") and p.endswith("</blockquote>") for p in parts)


def test_no_cut_before_a_combining_mark() -> None:
    parts = split_message("e\u0301" * 5000)
    assert all(not p.startswith("\u0301") for p in parts)


REF = st.builds(SourceRef, st.integers(1, 10**9), TEXT, st.none() | st.dates(), st.booleans())
POINT = st.builds(KeyPoint, st.integers(1, 10**12), ANY_TEXT,
                  st.sampled_from(["corroborated", "single-source", "disputed"]),
                  st.integers(0, 10**6), st.lists(REF, max_size=50).map(tuple),
                  st.lists(TEXT, max_size=2).map(tuple))  # fmt: skip
POINTS = st.lists(POINT, max_size=8).map(tuple)
SPEAKER = st.builds(SpeakerView, st.integers(1, 10**12), TEXT, st.none() | TEXT,
                    st.integers(0, 10**6))  # fmt: skip
ARTICLE = st.builds(ArticleView, st.integers(1, 10**12), st.none() | TEXT, TEXT,
                    st.none() | TEXT | st.just('https://x.org/"><b>'), st.none() | st.dates(),
                    st.booleans(), st.sampled_from(["original", "<forced>"]))  # fmt: skip
EVENT = st.builds(EventView, TEXT, ANY_TEXT, st.none() | st.just("2026-02-03"),
                  st.none() | st.sampled_from(["day", "month", "season"]), st.integers(0, 99),
                  st.booleans(), st.booleans())  # fmt: skip
PAGE = st.integers(1, 10**6)
DATES = st.sampled_from(["day-month", "iso"])


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    kind = draw(st.sampled_from(["summary", "point", "quotes", "choice", "speakers", "timeline",
                                 "sources", "search", "welcome", "unknown"]))  # fmt: skip
    dates = draw(DATES)
    if kind == "summary":
        summary = Summary(draw(POINTS), draw(POINTS), draw(POINTS), draw(st.integers(0, 10**6)),
                          draw(st.integers(0, 10**6)), draw(st.none() | st.dates()),
                          draw(POINTS))  # fmt: skip
        return render.summary(summary, dates)
    if kind == "point":
        return render.key_point(draw(st.none() | POINT), dates)
    if kind == "quotes":
        refs = st.lists(REF, max_size=3).map(tuple)
        quotes = draw(st.lists(st.builds(QuoteView, ANY_TEXT, st.booleans(), refs), max_size=5))
        page, pages = sorted((draw(PAGE), draw(PAGE)))
        return render.quotes(QuotesPage(draw(SPEAKER), tuple(quotes), page, pages), dates)
    if kind == "choice":
        choice = SpeakerChoice(draw(ANY_TEXT), tuple(draw(st.lists(SPEAKER, max_size=4))))
        return render.speaker_choice(choice)
    if kind == "speakers":
        return render.speakers(SpeakerList(tuple(draw(st.lists(SPEAKER, max_size=30)))))
    if kind == "timeline":
        page, pages = sorted((draw(PAGE), draw(PAGE)))
        events = tuple(draw(st.lists(EVENT, max_size=10)))
        return render.timeline(TimelinePage(events, page, pages, len(events)), dates)
    if kind == "sources":
        page, pages = sorted((draw(PAGE), draw(PAGE)))
        articles = tuple(draw(st.lists(ARTICLE, max_size=15)))
        return render.sources(SourceList(articles, draw(PAGE), page, pages, len(articles)), dates)
    if kind == "search":
        hits = draw(st.lists(st.builds(SearchHit, ARTICLE, ANY_TEXT), max_size=8))
        return render.search(SearchResults(draw(ANY_TEXT), tuple(hits)))
    if kind == "welcome":
        overview = Overview(draw(PAGE), draw(PAGE), draw(st.none() | st.dates()),
                            draw(st.none() | ANY_TEXT))  # fmt: skip
        return render.welcome(overview, dates)
    return render.unknown_command(draw(ANY_TEXT))


@PROPERTY
@given(replies(), st.booleans())
def test_every_rendered_reply_is_sendable(reply: Reply, group: bool) -> None:
    parse_telegram_html(reply.html)
    for part in message_parts(reply, group=group):
        _assert_sendable(part, GROUP_LIMIT if group else MAX_MESSAGE_UTF16)
    for row in reply.buttons:
        assert 1 <= len(row) <= 4
        for button in row:
            assert 1 <= len(button.data.encode()) <= 64
            assert button.text.strip() and "\n" not in button.text


def test_dates_follow_the_chosen_style() -> None:
    day = dt.date(2026, 2, 3)
    assert render.format_date(day) == "3 Feb 2026"
    assert render.format_date(day, "iso") == "2026-02-03"
    assert render.format_date(None) == "undated"
