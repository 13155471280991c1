"""The quick screens in front of costly searches never turn a text away that the search would
have matched: a screened result is the unscreened one."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.pipeline import claims, dates, fingerprint
from bot.pipeline.text import fold, may_contain

_PIECES = st.sampled_from(
    [*"abcfiklnosuwxyzIKS 0123456789.,;:!?-—()\n\t", "\u0130", "\u0131", "\u017f", "\u212a",
     "Σ", "é", "\u0301", "’", "“", "_", "  ", "if ", "IF ", "ıf ", "ſhould ", "unleſs ",
     "in the event of ", "in caſe ", "provided that ", "once ", "after ", "When ", "as soon as ",
     "following ", "on , ", "in .", "May ", "2014", "1990s", "yesterday", "Tuesday",
     "last summer", "days ago", "tomorrow", "nov"]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CUES = ["if", "should", "in case", "once", "day", "nov", "ago"]


@_PROPERTY
@given(_TEXT, st.sampled_from(_CUES))
def test_a_case_insensitive_match_is_never_screened_out(text: str, cue: str) -> None:
    if re.search(re.escape(cue), text, re.IGNORECASE):
        assert may_contain(text, [cue])


_ONE_TRIGGER = re.compile(
    r"\d|\s[,.]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun"
    r"|spring|summer|autumn|fall|winter|yesterday|today|tonight|tomorrow|overnight|night|ago"
    r"|week|month|year|days?)",
    re.IGNORECASE,
)


@_PROPERTY
@given(_TEXT)
def test_the_date_trigger_is_the_single_pattern_it_replaces(text: str) -> None:
    assert dates._has_trigger(text) == (_ONE_TRIGGER.search(text) is not None)


@_PROPERTY
@given(_TEXT)
def test_conditions_are_found_as_by_the_patterns_alone(text: str) -> None:
    conditional = claims._CONDITIONAL.search(text)
    temporal = claims._TEMPORAL.search(text)
    expected = (
        ("if", claims._clause(conditional.group(1)))
        if conditional
        else ("when", claims._clause(temporal.group(1)))
        if temporal
        else None
    )
    assert claims.condition_of(text) == expected


@_PROPERTY
@given(_TEXT)
def test_blank_dates_are_closed_as_by_the_patterns_alone(text: str) -> None:
    tidied = dates._BLANK_AT_START.sub("", text)
    if tidied != text and tidied:
        tidied = tidied[0].upper() + tidied[1:]
    tidied = dates._BLANK_BEFORE_THAT.sub(" ", tidied)
    assert dates.without_blank_dates(text) == dates._BLANK_INSIDE.sub("", tidied)


@_PROPERTY
@given(st.lists(_TEXT, max_size=6))
def test_line_breaks_and_spaces_join_paragraphs_into_the_same_shingles(
    paragraphs: list[str],
) -> None:
    assert fingerprint.shingles("\n".join(paragraphs)) == fingerprint.shingles(" ".join(paragraphs))


_SENTENCES = st.lists(
    st.lists(st.sampled_from("peace deal troops border talks the of ukraine minister".split()),
             min_size=1, max_size=8).map(" ".join),
    min_size=1, max_size=8,
)  # fmt: skip


@_PROPERTY
@given(_SENTENCES, _SENTENCES)
def test_a_sentence_is_retold_when_any_old_one_reaches_the_ratio(
    new: list[str], old: list[str]
) -> None:
    assert all(fold(s) == s for s in new + old)  # sentences are compared folded
    index = fingerprint._word_index(tuple(old))
    for sentence in new:
        chosen = fingerprint._sharing_words(sentence, old, index)
        words = fingerprint._content_words(sentence)
        enough = min(fingerprint.RETOLD_SHARED_WORDS, len(words))
        expected = [o for o in old if len(words & fingerprint._content_words(o)) >= enough]
        assert sorted(chosen) == (sorted(expected) if words else [])
        retold = any(fuzz.token_set_ratio(sentence, o) >= fingerprint.RETOLD_RATIO for o in chosen)
        assert fingerprint._retells(sentence, chosen, fingerprint.RETOLD_RATIO) == retold
