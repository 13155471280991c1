"""Properties of the cleaner and the date finder on arbitrary text: they never raise, and what
they return comes from the text they were given."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.pipeline.clean import clean_paragraphs
from bot.pipeline.dates import find_date_mentions

_PIECES = st.sampled_from(
    list("abcXYZ 0123456789.,;:!?-—()/»|")
    + list("\"'“”‘’«»")
    + ["é", "\u0301", "😀", "ש", "ل", "\u200f", "<", "&", "\x00", "\x1b", "  "]
    + ["Feb. 3, 2026", "3 February", "last summer", "Tuesday", "on , ", "2014", "1990s",
       "nearly four years ago", "a day after", "overnight", "Home » World", "By Anna Holt",
       "Leave a Comment", "No comments:", "You may also like", "said", "\n"]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=60).map("".join)
_ANCHORS = st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))
_PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(st.lists(_TEXT, max_size=8), st.one_of(st.none(), _TEXT))
def test_cleaner_never_raises_and_keeps_only_text_it_was_given(
    paragraphs: list[str], title: str | None
) -> None:
    cleaned = clean_paragraphs(paragraphs, title=title)
    source = "\n".join(paragraphs)
    for paragraph in cleaned.paragraphs:
        assert paragraph.strip() and paragraph in source
    if title:
        assert cleaned.title == title  # a title from the header is kept as given
    else:
        assert cleaned.title is None or cleaned.title.strip()


@_PROPERTY
@given(_TEXT, _ANCHORS)
def test_date_mentions_never_raise_and_lie_inside_the_sentence(
    sentence: str, anchor: dt.date | None
) -> None:
    mentions = find_date_mentions(sentence, anchor)
    previous_end = 0
    for mention in mentions:
        assert 0 <= mention.start < mention.end <= len(sentence)
        assert mention.start >= previous_end  # in order, never overlapping
        previous_end = mention.end
        if mention.date is not None:
            assert mention.date.iso()
            assert not mention.blank
