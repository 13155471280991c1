"""Dates as the sources give them: publication dates, and dates in the text with their precision."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

import dateparser

from bot.pipeline.text import may_contain


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    DECADE = "decade"


SEASON_MONTH = {"spring": 4, "summer": 7, "autumn": 10, "fall": 10, "winter": 1}


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date known only to some precision; it never claims more than the source said."""

    year: int
    month: int | None = None
    day: int | None = None
    season: str | None = None
    precision: Precision = Precision.YEAR
    approximate: bool = False

    def iso(self) -> str:
        if self.precision is Precision.DAY:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.precision is Precision.MONTH:
            return f"{self.year:04d}-{self.month:02d}"
        if self.precision is Precision.DECADE:
            return f"{self.year - self.year % 10:04d}"
        return f"{self.year:04d}"

    def sort_key(self) -> tuple[int, int, int]:
        """Orders dates chronologically; a vaguer date sorts at the start of its range."""
        month = self.month or (SEASON_MONTH.get(self.season or "", 1))
        year = self.year - self.year % 10 if self.precision is Precision.DECADE else self.year
        return (year, month, self.day or 0)

    def label(self) -> str:
        """Human form with the precision shown: "3 Feb 2026", "Feb 2026", "summer 2025"."""
        prefix = "about " if self.approximate else ""
        if self.precision is Precision.DAY:
            text = dt.date(self.year, self.month or 1, self.day or 1).strftime("%-d %b %Y")
        elif self.precision is Precision.MONTH:
            text = dt.date(self.year, self.month or 1, 1).strftime("%b %Y")
        elif self.precision is Precision.SEASON:
            text = f"{self.season} {self.year}"
        elif self.precision is Precision.DECADE:
            text = f"{self.year - self.year % 10}s"
        else:
            text = str(self.year)
        return prefix + text

    @classmethod
    def of_day(cls, day: dt.date, *, approximate: bool = False) -> FuzzyDate:
        return cls(day.year, day.month, day.day, precision=Precision.DAY, approximate=approximate)

    @classmethod
    def from_iso(cls, iso: str, precision: str, *, approximate: bool = False) -> FuzzyDate:
        """Inverse of `iso()` plus the stored precision (seasons keep their name in `precision`)."""
        parts = [int(p) for p in iso.split("-")]
        kind = Precision(precision) if precision in Precision._value2member_map_ else Precision.YEAR
        month = parts[1] if len(parts) > 1 else None
        day = parts[2] if len(parts) > 2 else None
        return cls(parts[0], month, day, precision=kind, approximate=approximate)


def parse_published(value: str) -> dt.date | None:
    """A publication date from a header value or a dateline ("Feb 3, 2026 05:56 PM IST")."""
    value = value.strip()
    if not value or not any(c.isdigit() for c in value):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    parsed = dateparser.parse(
        value,
        languages=["en"],
        settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    return parsed.date() if parsed else None


# Dates inside sentences: explicit, partial, relative (resolved against the article's date) or blank

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
WEEKDAYS = {
    name: number
    for number, name in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
SEASONS = ("spring", "summer", "autumn", "fall", "winter")
SEASON_LAST_MONTH = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 2}
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a": 1, "an": 1,
}  # fmt: skip

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_RANGE_END = r"(?:\s*[–—-]\s*[0-3]?\d)?"

_SEASON = r"(?P<season>spring|summer|autumn|fall|winter)"
_WHICH = r"(?P<which>last|this|next|past)"
_COUNT = r"(?P<count>\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|an)"
_HEDGE = r"(?P<hedge>nearly|almost|about|around|some|roughly|more than|over)"

# Ordered: the first pattern to match a span wins, so longer forms come first.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("iso", r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
        ("month_day_year", rf"\b{_MONTH}\s+{_DAY}{_RANGE_END},?\s+{_YEAR}\b"),
        ("day_month_year", rf"\b{_DAY}{_RANGE_END}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
        ("month_year", rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b"),
        ("month_day", rf"\b{_MONTH}\s+{_DAY}{_RANGE_END}\b(?!\s*(?:,\s*)?\d)"),
        ("day_month", rf"\b{_DAY}{_RANGE_END}\s+(?:of\s+)?{_MONTH}\b"),
        ("day_after_that",
         r"\b(?:on\s+)?(?:the\s+(?P<which>following|next|previous)\s+day"
         r"|(?:a|one)\s+day\s+(?P<later>later|earlier))\b"),
        ("relative_day",
         r"\b(?:a|one|two|three|the)\s+days?\s+(?P<direction>after|before|later|earlier)\b"),
        ("ago", rf"\b{_HEDGE}?\s*{_COUNT}\s+(?P<unit>years?|months?|weeks?|days?)\s+ago\b"),
        ("season", rf"\b{_WHICH}\s+{_SEASON}\b"),
        ("season_year", rf"\b{_SEASON}\s+(?:of\s+)?{_YEAR}\b"),
        ("period",
         r"\b(?P<which>last|this|next|past|earlier this|later this)\s+(?P<unit>week|month|year)\b"),
        ("weekday",
         rf"\b(?:(?P<which>last|this|next|on|since|from|by)\s+)?(?:(?:late|early)\s+)?{_WEEKDAY}"
         r"(?:\s+(?P<part>night|morning|evening|afternoon))?\b"),
        ("yesterday", r"\b(?:yesterday|last\s+night|overnight)\b"),
        ("today", r"\b(?:today|tonight|this\s+(?:morning|evening|afternoon))\b"),
        ("tomorrow", r"\btomorrow\b"),
        ("decade", r"\b(?:the\s+)?(?P<year>(?:19|20)\d0)s\b"),
        ("month",
         rf"\b(?:in|since|until|by|last|early|late|mid-|this|next)\s+{_MONTH}(?=[\s,.;]|$)"),
        ("year", r"(?<![\d$€£.,/-])\b(?P<year>(?:19|20)\d\d)\b(?![\d,.]\d|%|-\d)"),
        ("blank", r"\b(?:on|since|from|until|by|in)\s+(?=,|\.(?:\s|$))"),
    )
)  # fmt: skip


# Something every date expression has: a digit, a month, weekday or season, a word for a
# stretch of time, or the stray comma of a blank date. The words are looked for only in
# sentences whose lower case has one of them.
_TRIGGER_WORDS = (
    "jan feb mar apr may jun jul aug sep oct nov dec mon tue wed thu fri sat sun spring summer "
    "autumn fall winter yesterday today tonight tomorrow overnight night ago week month year day"
).split()
_TRIGGER_FIGURE = re.compile(r"\d|\s[,.]")
_TRIGGER_WORD = re.compile(r"\b(?:" + "|".join(_TRIGGER_WORDS) + ")", re.IGNORECASE)
_DAY_KINDS = frozenset({"iso", "month_day_year", "day_month_year", "month_day", "day_month"})

# What a sentence must contain for a pattern to have a chance: a digit, a year-like number, a
# blank before a comma or full stop, and/or one of the words (lower case, as split by _LETTERS).
# Testing them costs a few scans of the sentence; trying every pattern on every sentence was the
# date finder's main cost, and most sentences with a figure have no year in them.
_DIGIT = "digit"
_YEARISH = "<year>"  # four digits from 1800 to 2099: every pattern with a year needs one
_GAP = "<gap>"  # a blank right before "," or ".": what a blank date leaves
_LETTERS = re.compile(r"[^\W\d_]+")
_YEAR_LIKE = re.compile(r"(?:1[89]|20)\d\d")
_GAP_LIKE = re.compile(r"\s[,.]")
_MONTH_WORDS = frozenset(MONTHS)
_NEEDS: dict[str, tuple[frozenset[str], ...]] = {
    "iso": (frozenset({_YEARISH}),),
    "month_day_year": (frozenset({_YEARISH}), _MONTH_WORDS),
    "day_month_year": (frozenset({_YEARISH}), _MONTH_WORDS),
    "month_year": (frozenset({_YEARISH}), _MONTH_WORDS),
    "month_day": (frozenset({_DIGIT}), _MONTH_WORDS),
    "day_month": (frozenset({_DIGIT}), _MONTH_WORDS),
    "day_after_that": (frozenset({"day"}),),
    "relative_day": (frozenset({"day", "days"}),),
    "ago": (frozenset({"ago"}),),
    "season": (frozenset(SEASONS),),
    "season_year": (frozenset({_YEARISH}), frozenset(SEASONS)),
    "period": (frozenset({"week", "month", "year"}),),
    "weekday": (frozenset(WEEKDAYS),),
    "yesterday": (frozenset({"yesterday", "night", "overnight"}),),
    "today": (frozenset({"today", "tonight", "morning", "evening", "afternoon"}),),
    "tomorrow": (frozenset({"tomorrow"}),),
    "decade": (frozenset({_YEARISH}),),
    "month": (_MONTH_WORDS,),
    "year": (frozenset({_YEARISH}),),
    "blank": (frozenset({_GAP}),),
}
# The patterns in their order, each with what it needs.
_SCREENED = tuple((kind, pattern, _NEEDS[kind]) for kind, pattern in _PATTERNS)
# What some pattern needs last (its rarest need): a sentence with none of it has no date, as
# most sentences with a figure have not.
_LAST_NEEDS = frozenset().union(*(needs[-1] for needs in _NEEDS.values()))


def _features(sentence: str) -> set[str]:
    features = set(_LETTERS.findall(sentence.lower()))
    if any(map(str.isdigit, sentence)):
        features.add(_DIGIT)
        if _YEAR_LIKE.search(sentence):
            features.add(_YEARISH)
    if _GAP_LIKE.search(sentence):
        features.add(_GAP)
    return features


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression found in a sentence, with the date it stands for."""

    start: int
    end: int
    date: FuzzyDate | None  # None: no date could be resolved (no anchor, or left blank)
    blank: bool = False  # the writer left the date out ("announced on , that")
    # "a day after the attack": the date belongs to what follows, not to the whole sentence.
    applies_to_following: bool = False


def _has_trigger(sentence: str) -> bool:
    return _TRIGGER_FIGURE.search(sentence) is not None or (
        may_contain(sentence, _TRIGGER_WORDS) and _TRIGGER_WORD.search(sentence) is not None
    )


def find_date_mentions(
    sentence: str, anchor: dt.date | None, previous: FuzzyDate | None = None
) -> list[DateMention]:
    """Every date expression in `sentence`, left to right; relative ones need an anchor (the
    article's date) and "the following day" the last day the text named (`previous`)."""
    if not _has_trigger(sentence):
        return []  # most sentences have no date: one scan instead of one per pattern
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    features = _features(sentence)
    if features.isdisjoint(_LAST_NEEDS):
        return []
    for kind, pattern, needs in _SCREENED:
        if any(map(features.isdisjoint, needs)):
            continue
        for match in pattern.finditer(sentence):
            start, end = match.span()
            month = match.groupdict().get("month")
            if month and month[0].isalpha() and not month[0].isupper():
                continue  # "may", "march" as verbs and nouns: English capitalises months
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            mention = (
                _day_after_that(match, previous)
                if kind == "day_after_that"
                else _resolve(kind, match, anchor)
            )
            if mention is None and kind not in _DAY_KINDS:
                continue
            taken.append((start, end))  # an impossible day ("February 31") is no date at all
            if mention is not None:
                found.append(mention)
    return _without_echoes(sorted(found, key=lambda m: m.start), sentence)


def _without_echoes(mentions: list[DateMention], sentence: str) -> list[DateMention]:
    """ "Tuesday, Feb. 3, 2026" is one date written twice: keep the fuller form."""
    kept: list[DateMention] = []
    for mention in mentions:
        previous = kept[-1] if kept else None
        adjacent = previous and not sentence[previous.end : mention.start].strip(" ,")
        if previous and adjacent and previous.date == mention.date:
            kept[-1] = mention
        else:
            kept.append(mention)
    return kept


def _day_after_that(match: re.Match[str], previous: FuzzyDate | None) -> DateMention:
    """ "On the following day": one day after the day the text last named."""
    start, end = match.span()
    if previous is None or previous.precision is not Precision.DAY or previous.month is None:
        return DateMention(start, end, None)
    groups = match.groupdict()
    back = groups["which"] == "previous" or groups["later"] == "earlier"
    day = dt.date(previous.year, previous.month, previous.day or 1)
    day += dt.timedelta(days=-1 if back else 1)
    return DateMention(start, end, FuzzyDate.of_day(day, approximate=previous.approximate))


def _resolve(kind: str, match: re.Match[str], anchor: dt.date | None) -> DateMention | None:
    start, end = match.span()
    groups = match.groupdict()
    if kind == "blank":
        return DateMention(start, end, None, blank=True)
    if kind in ("iso", "month_day_year", "day_month_year"):
        month = int(groups["month"]) if kind == "iso" else MONTHS[groups["month"].lower()]
        return _day(start, end, int(groups["year"]), month, int(groups["day"]))
    if kind == "month_year":
        date = FuzzyDate(int(groups["year"]), MONTHS[groups["month"].lower()],
                         precision=Precision.MONTH)  # fmt: skip
        return DateMention(start, end, date)
    if kind == "season_year":
        season = _season_name(groups["season"])
        return DateMention(start, end, FuzzyDate(int(groups["year"]), season=season,
                                                 precision=Precision.SEASON))  # fmt: skip
    if kind == "decade":
        return DateMention(start, end, FuzzyDate(int(groups["year"]), precision=Precision.DECADE))
    if kind == "year":
        year = int(groups["year"])
        if anchor is not None and year > anchor.year + 10:
            return None  # a figure, not a year
        return DateMention(start, end, FuzzyDate(year, precision=Precision.YEAR))
    if anchor is None:
        # Relative and year-less dates mean nothing without the article's own date.
        return DateMention(start, end, None, applies_to_following=kind == "relative_day")
    return _relative(kind, groups, start, end, anchor)


def _relative(
    kind: str, groups: dict[str, str | None], start: int, end: int, anchor: dt.date
) -> DateMention | None:
    if kind in ("month_day", "day_month"):
        month = MONTHS[(groups["month"] or "").lower()]
        day = int(groups["day"] or 0)
        year = _year_near(anchor, month)
        return _day(start, end, year, month, day)
    if kind == "month":
        month = MONTHS[(groups["month"] or "").lower()]
        return DateMention(start, end, FuzzyDate(_year_near(anchor, month), month,
                                                 precision=Precision.MONTH))  # fmt: skip
    if kind == "relative_day":
        after = groups["direction"] in ("after", "later")
        # "came a day after X": X happened the day before the news the article reports.
        other = anchor - dt.timedelta(days=1) if after else anchor + dt.timedelta(days=1)
        return DateMention(
            start, end, FuzzyDate.of_day(other, approximate=True), applies_to_following=True
        )
    if kind == "ago":
        return DateMention(start, end, _ago(groups, anchor))
    if kind == "season":
        season = _season_name(groups["season"] or "")
        which = groups["which"]
        year = anchor.year
        if which in ("last", "past") and anchor.month <= SEASON_LAST_MONTH[season]:
            year -= 1
        elif which == "next" and anchor.month >= SEASON_LAST_MONTH[season] - 2:
            year += 1
        return DateMention(start, end, FuzzyDate(year, season=season, precision=Precision.SEASON))
    if kind == "period":
        return DateMention(start, end, _period(groups["which"] or "", groups["unit"] or "", anchor))
    if kind == "weekday":
        return _weekday(groups, start, end, anchor)
    if kind == "yesterday":
        return DateMention(start, end, FuzzyDate.of_day(anchor - dt.timedelta(days=1)))
    if kind == "today":
        return DateMention(start, end, FuzzyDate.of_day(anchor))
    if kind == "tomorrow":
        return DateMention(start, end, FuzzyDate.of_day(anchor + dt.timedelta(days=1)))
    return None


def _day(start: int, end: int, year: int, month: int, day: int) -> DateMention | None:
    try:
        return DateMention(start, end, FuzzyDate.of_day(dt.date(year, month, day)))
    except ValueError:
        return None  # "February 31": not a date


def _year_near(anchor: dt.date, month: int) -> int:
    """News looks back: a month well after the article's month is last year's."""
    return anchor.year - 1 if month > anchor.month + 2 else anchor.year


def _season_name(word: str) -> str:
    word = word.lower()
    return "autumn" if word == "fall" else word


def _ago(groups: dict[str, str | None], anchor: dt.date) -> FuzzyDate:
    raw = (groups["count"] or "1").lower()
    count = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 1)
    unit = (groups["unit"] or "").rstrip("s")
    hedged = groups["hedge"] is not None
    if unit == "year":
        return FuzzyDate(anchor.year - count, precision=Precision.YEAR, approximate=hedged)
    if unit == "month":
        month_index = anchor.year * 12 + anchor.month - 1 - count
        return FuzzyDate(month_index // 12, month_index % 12 + 1, precision=Precision.MONTH,
                         approximate=hedged)  # fmt: skip
    days = count * 7 if unit == "week" else count
    day = anchor - dt.timedelta(days=days)
    if unit == "week":
        return FuzzyDate(day.year, day.month, precision=Precision.MONTH, approximate=hedged)
    return FuzzyDate.of_day(day, approximate=hedged)


def _period(which: str, unit: str, anchor: dt.date) -> FuzzyDate:
    step = {"last": -1, "past": -1, "next": 1}.get(which, 0)
    if unit == "year":
        return FuzzyDate(anchor.year + step, precision=Precision.YEAR)
    if unit == "month":
        month_index = anchor.year * 12 + anchor.month - 1 + step
        return FuzzyDate(month_index // 12, month_index % 12 + 1, precision=Precision.MONTH)
    day = anchor + dt.timedelta(days=7 * step)
    return FuzzyDate(day.year, day.month, precision=Precision.MONTH)


def _weekday(groups: dict[str, str | None], start: int, end: int, anchor: dt.date) -> DateMention:
    weekday = WEEKDAYS[(groups["weekday"] or "").lower()]
    which = (groups["which"] or "").lower()
    if which == "next":
        ahead = (weekday - anchor.weekday()) % 7 or 7
        return DateMention(start, end, FuzzyDate.of_day(anchor + dt.timedelta(days=ahead)))
    # News reports what happened: a bare weekday is the latest such day up to the article's date.
    back = (anchor.weekday() - weekday) % 7
    if which == "last" and back == 0:
        back = 7
    return DateMention(start, end, FuzzyDate.of_day(anchor - dt.timedelta(days=back)))


_BLANK_AT_START = re.compile(r"^(?:on|since|from|until|by|in)\s+,\s*", re.IGNORECASE)
_BLANK_BEFORE_THAT = re.compile(r"\s+(?:on|since|from|until|by|in)\s+,\s*(?=that\b)", re.I)
_BLANK_INSIDE = re.compile(r"\s+(?:on|since|from|until|by|in)\s+(?=[,.])", re.IGNORECASE)


def without_blank_dates(text: str) -> str:
    """Close the gap a missing date leaves: "announced on , that" reads "announced that"."""
    if _GAP_LIKE.search(text) is None:
        return text  # every gap has a blank before its comma or full stop
    tidied = _BLANK_AT_START.sub("", text)
    if tidied != text and tidied:
        tidied = tidied[0].upper() + tidied[1:]
    tidied = _BLANK_BEFORE_THAT.sub(" ", tidied)
    return _BLANK_INSIDE.sub("", tidied)
