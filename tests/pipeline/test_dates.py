"""Dates in sentences: explicit, partial, relative to the article's date, and left blank."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.pipeline.dates import (
    FuzzyDate,
    Precision,
    find_date_mentions,
    parse_published,
    without_blank_dates,
)

TUESDAY = dt.date(2026, 2, 3)


def resolved(sentence: str, anchor: dt.date | None = TUESDAY) -> list[tuple[str | None, str]]:
    return [
        (m.date.iso() if m.date else None, m.date.precision.value if m.date else "none")
        for m in find_date_mentions(sentence, anchor)
    ]


@pytest.mark.parametrize(
    ("sentence", "iso", "precision"),
    [
        ("The minister spoke on Tuesday in the capital.", "2026-02-03", "day"),
        ("The minister spoke on Monday in the capital.", "2026-02-02", "day"),
        ("Storms hit the coast last night, officials said.", "2026-02-02", "day"),
        ("Rockets were fired overnight at the port.", "2026-02-02", "day"),
        ("The plan was first floated last summer by envoys.", "2025", "season"),
        ("The republic declared independence nearly four years ago.", "2022", "year"),
        ("The offensive began in February 2022 along the border.", "2022-02", "month"),
        ("The peninsula was annexed in 2014 after a vote.", "2014", "year"),
        ("Talks were held on January 27 in the capital.", "2026-01-27", "day"),
        ("The accord was signed on 15 August 2025 in the north.", "2025-08-15", "day"),
        ("Delegates met in December to prepare the summit.", "2025-12", "month"),
        ("The treaty dates from the 1990s and still holds.", "1990", "decade"),
        ("Envoys met in the capital last week for talks.", "2026-01", "month"),
    ],
)
def test_expressions_resolve_with_their_precision(sentence: str, iso: str, precision: str) -> None:
    assert resolved(sentence) == [(iso, precision)]


def test_a_day_after_dates_what_follows_approximately() -> None:
    (mention,) = find_date_mentions("The visit came a day after the storm hit.", TUESDAY)
    assert mention.applies_to_following
    assert mention.date == FuzzyDate.of_day(dt.date(2026, 2, 2), approximate=True)
    (before,) = find_date_mentions("The storm came a day before talks opened.", TUESDAY)
    assert before.date is not None and before.date.iso() == "2026-02-04"


def test_a_blank_date_is_blank_never_today() -> None:
    (mention,) = find_date_mentions("The minister announced on , that the bridge opens.", TUESDAY)
    assert mention.blank and mention.date is None


def test_relative_dates_need_the_articles_date() -> None:
    assert resolved("The minister spoke on Tuesday.", None) == [(None, "none")]
    assert resolved("The bridge opened in 2014.", None) == [("2014", "year")]


def test_lowercase_may_and_march_are_not_months() -> None:
    assert resolved("Protesters may march in the city.") == []


def test_a_weekday_next_to_its_date_is_one_date() -> None:
    assert resolved("A house burned in the city, Tuesday, Feb. 3, 2026.") == [("2026-02-03", "day")]


def test_numbers_are_not_years() -> None:
    assert resolved("About 2,000 troops and 1,950 vehicles crossed.") == []


def test_impossible_dates_are_ignored() -> None:
    assert resolved("The report was dated February 31, 2026.") == []


def test_labels_show_precision() -> None:
    assert FuzzyDate(2025, season="summer", precision=Precision.SEASON).label() == "summer 2025"
    assert FuzzyDate(2026, 2, precision=Precision.MONTH).label() == "Feb 2026"
    assert FuzzyDate.of_day(TUESDAY, approximate=True).label() == "about 3 Feb 2026"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-03", dt.date(2026, 2, 3)),
        ("Feb 3, 2026 05:56 PM IST", dt.date(2026, 2, 3)),
        ("", None),
        ("soon", None),
    ],
)
def test_publication_dates(value: str, expected: dt.date | None) -> None:
    assert parse_published(value) == expected


@pytest.mark.parametrize(
    ("text", "tidy"),
    [
        ("On , the storm hit the coast.", "The storm hit the coast."),
        ("He announced on , that it opens.", "He announced that it opens."),
        ("They met in Paris on , resulting in a pact.", "They met in Paris, resulting in a pact."),
    ],
)
def test_blank_dates_leave_no_gap(text: str, tidy: str) -> None:
    assert without_blank_dates(text) == tidy


def test_the_following_day_counts_from_the_day_last_named() -> None:
    previous = FuzzyDate.of_day(dt.date(2025, 8, 15))
    (mention,) = find_date_mentions("On the following day they spoke.", TUESDAY, previous)
    assert mention.date == FuzzyDate.of_day(dt.date(2025, 8, 16))
    (earlier,) = find_date_mentions("A day earlier they had met.", TUESDAY, previous)
    assert earlier.date == FuzzyDate.of_day(dt.date(2025, 8, 14))
    (unknown,) = find_date_mentions("On the following day they spoke.", TUESDAY)
    assert unknown.date is None
