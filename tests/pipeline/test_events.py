"""Events: dated sentences become events; one event told twice is one event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from bot.pipeline.dates import FuzzyDate, Precision
from bot.pipeline.events import (
    dates_compatible,
    event_similarity,
    extract_events,
    more_precise,
)

MONDAY = dt.date(2026, 3, 2)


def test_each_dated_sentence_is_an_event_with_its_date() -> None:
    events = extract_events(
        [
            "The council voted on Monday to close the harbour bridge for repairs.",
            "The bridge first opened in 1998 after a decade of planning.",
            "Engineers will report to the council next month on the cost.",
        ],
        MONDAY,
    )
    dated = {e.date.iso() if e.date else None: e.text for e in events}
    assert "2026-03-02" in dated and "bridge" in dated["2026-03-02"]
    assert "1998" in dated


def test_a_day_after_dates_the_clause_that_follows() -> None:
    (event,) = extract_events(
        ["The vote came a day after a lorry struck the harbour bridge, officials said."], MONDAY
    )
    assert event.text.startswith("a lorry struck the harbour bridge")
    assert event.date == FuzzyDate.of_day(dt.date(2026, 3, 1), approximate=True)


def test_a_blank_date_gives_an_undated_event_without_the_gap() -> None:
    (event,) = extract_events(
        ["A meeting of the council took place in the town hall on , resulting in a vote."], MONDAY
    )
    assert event.date is None
    assert "on ," not in event.text


def test_the_same_event_twice_in_one_article_is_kept_once() -> None:
    events = extract_events(
        [
            "A lorry struck the harbour bridge overnight, closing it to traffic.",
            "Police said the lorry struck the harbour bridge overnight at high speed.",
        ],
        MONDAY,
    )
    assert len(events) == 1


def test_quoted_sentences_are_not_the_writers_account() -> None:
    assert extract_events(["“We voted on Monday to close it,” the mayor said."], MONDAY) == []


def test_a_year_naming_an_event_gives_that_phrase() -> None:
    (event,) = extract_events(
        ["Relations soured after the 2014 annexation of the peninsula by its neighbour."], MONDAY
    )
    assert event.text == "2014 annexation of the peninsula by its neighbour"


def test_dates_compatible_and_more_precise_never_invent_precision() -> None:
    day = FuzzyDate.of_day(MONDAY)
    month = FuzzyDate(2026, 3, precision=Precision.MONTH)
    other_month = FuzzyDate(2026, 4, precision=Precision.MONTH)
    assert dates_compatible(day, month) and dates_compatible(None, day)
    assert not dates_compatible(day, other_month)
    assert more_precise(month, day) == day
    assert more_precise(None, month) == month


def test_an_event_told_with_a_pronoun_names_the_person() -> None:
    paragraphs = [
        "The transport minister Ada Quill told a hearing that the bridge was unsafe.",
        "She said so while testifying before the committee on Monday.",
    ]
    (event,) = extract_events(paragraphs, MONDAY, [("Ada Quill", ("Quill",))])
    assert event.text.startswith("Quill said so")


def test_event_similarity_does_not_depend_on_the_order_a_set_gives_its_words() -> None:
    class InOrder(frozenset[str]):
        order: tuple[str, ...] = ()

        def __iter__(self) -> Iterator[str]:
            return iter(self.order)

    forwards, backwards = InOrder({"a", "b", "c"}), InOrder({"a", "b", "c"})
    forwards.order, backwards.order = ("a", "b", "c"), ("c", "b", "a")
    weights = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 5.0}
    other = frozenset({"a", "b", "c", "d"})
    assert event_similarity(other, forwards, weights) == event_similarity(other, backwards, weights)
