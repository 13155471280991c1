"""Dated events: sentences saying something happened at a time the source gives or leaves blank."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.pipeline.dates import (
    DateMention,
    FuzzyDate,
    Precision,
    find_date_mentions,
    without_blank_dates,
)
from bot.pipeline.text import sentences, stems

MAX_EVENT_TEXT = 280
SAME_EVENT = 0.34  # weighted share of words in common at which two event texts tell one event

_CLAUSE_END = re.compile(r"[,;:]\s|\s[–—-]\s|\s(?:while|but|whereas)\s")
_QUOTE_MARKS = '"“”«»'


@dataclass(frozen=True, slots=True)
class EventCandidate:
    text: str
    date: FuzzyDate | None  # None: the source names the event but gives no date
    evidence: str  # the sentence it comes from
    terms: frozenset[str]


def extract_events(
    paragraphs: Sequence[str],
    anchor: dt.date | None,
    people: Sequence[tuple[str, Sequence[str]]] = (),
) -> list[EventCandidate]:
    """One candidate per date expression (or blank date) found in the article's sentences.

    `people` (each a name and its other forms) lets an event told with "He ..." name the person
    the article was last speaking of."""
    found: list[EventCandidate] = []
    last_person: str | None = None
    last_day: FuzzyDate | None = None  # for "the following day"
    forms = _name_forms(people)
    for sentence in sentences(paragraphs):
        mentioned = _last_named(sentence.text, forms)
        if sentence.text[:1] in _QUOTE_MARKS:
            last_person = mentioned or last_person
            continue  # somebody's words, not the writer's account of what happened
        mentions = [
            m for m in find_date_mentions(sentence.text, anchor, last_day) if m.date or m.blank
        ]
        days = [m.date for m in mentions if m.date and m.date.precision is Precision.DAY]
        last_day = days[-1] if days else last_day
        for mention in mentions:
            text = without_blank_dates(
                _event_text(sentence.text, mention, several=len(mentions) > 1)
            )
            text = _named_subject(text, mentioned or last_person)
            terms = frozenset(stems(text))
            if len(terms) < 2:
                continue
            found.append(EventCandidate(text, mention.date, sentence.text, terms))
        last_person = mentioned or last_person
    return _merge_within(found)


_PRONOUN_START = re.compile(r"^(?:He|She)\b")


def _name_forms(
    people: Sequence[tuple[str, Sequence[str]]],
) -> list[tuple[str, tuple[str, ...]]]:
    """Each person with the forms of their name worth looking for, found once per article
    rather than once per sentence."""
    return [
        (name, tuple(f for f in {name, *forms, *name.split()[-1:]} if len(f) >= 3))
        for name, forms in people
    ]


def _last_named(sentence: str, people: Sequence[tuple[str, tuple[str, ...]]]) -> str | None:
    """The person named last in the sentence, by any form of their name."""
    latest: tuple[int, str] | None = None
    for name, forms in people:
        for form in forms:
            at = sentence.rfind(form)
            if at >= 0 and (latest is None or at > latest[0]):
                latest = (at, name)
    return latest[1] if latest else None


def _named_subject(text: str, person: str | None) -> str:
    """ "He set this out on January 27" reads "Rubio set this out ..." on a timeline."""
    if person is None or not _PRONOUN_START.match(text):
        return text
    return _PRONOUN_START.sub(person.split()[-1], text, count=1)


def event_similarity(a: frozenset[str], b: frozenset[str], weight: dict[str, float]) -> float:
    """Weighted overlap of two events' words: rare words count more than the story's stock words."""
    if not a or not b:
        return 0.0
    # fsum: a set's order changes from run to run, and a float sum must not change with it
    shared = math.fsum(weight.get(t, 1.0) for t in a & b)
    smaller = min(math.fsum(weight.get(t, 1.0) for t in words) for words in (a, b))
    return shared / smaller if smaller else 0.0


def dates_compatible(a: FuzzyDate | None, b: FuzzyDate | None) -> bool:
    """Whether two dates can describe the same moment (one may be vaguer than the other)."""
    if a is None or b is None:
        return True
    if a.year != b.year:
        return a.approximate or b.approximate or Precision.DECADE in (a.precision, b.precision)
    if a.month and b.month and a.month != b.month:
        return False
    if a.day and b.day and a.day != b.day:
        return abs(a.day - b.day) <= 1 and (a.approximate or b.approximate)
    return True


def more_precise(a: FuzzyDate | None, b: FuzzyDate | None) -> FuzzyDate | None:
    order = [Precision.DAY, Precision.MONTH, Precision.SEASON, Precision.YEAR, Precision.DECADE]
    if a is None or b is None:
        return a or b
    rank_a, rank_b = order.index(a.precision), order.index(b.precision)
    if rank_a != rank_b:
        return a if rank_a < rank_b else b
    return b if a.approximate and not b.approximate else a


def _event_text(sentence: str, mention: DateMention, *, several: bool) -> str:
    if mention.applies_to_following:
        return _clause_from(sentence, mention.end)
    named = _named_by_date(sentence, mention)
    if named:
        return named
    if several:
        return _clause_around(sentence, mention.start, mention.end)
    return _shorten(sentence, mention.start)


def _named_by_date(sentence: str, mention: DateMention) -> str | None:
    """ "after the 2014 annexation of Crimea": the date names an event; that phrase is the event."""
    before = sentence[: mention.start]
    after = sentence[mention.end :]
    if not re.search(r"\bthe\s+$", before, re.IGNORECASE) or not re.match(r"\s+[a-z]", after):
        return None
    end = _CLAUSE_END.search(after)
    phrase = after[: end.start()] if end else after
    phrase = re.split(r"\s(?:and|which|that|who)\s|[.;]", phrase, maxsplit=1)[0]
    text = (sentence[mention.start : mention.end] + phrase).strip()
    return text if len(text.split()) >= 3 else None


def _clause_from(sentence: str, start: int) -> str:
    rest = sentence[start:]
    end = _CLAUSE_END.search(rest)
    clause = rest[: end.start()] if end and end.start() > 20 else rest
    return _shorten(clause.strip(" ,.;"), 0)


def _clause_around(sentence: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_END.finditer(sentence, 0, start)), default=0)
    right_match = _CLAUSE_END.search(sentence, end)
    right = right_match.start() if right_match else len(sentence)
    clause = sentence[left:right].strip(" ,.;")
    if re.match(r"(?:which|who|that|when)\b", clause) and left:
        # "the war, which Russia launched ...": the clause needs the noun it hangs on.
        earlier = [m.end() for m in _CLAUSE_END.finditer(sentence, 0, max(0, left - 2))]
        clause = sentence[max(earlier, default=0) : right].strip(" ,.;")
    return clause if len(clause.split()) >= 5 else _shorten(sentence, start)


def _shorten(text: str, focus: int) -> str:
    text = text.strip()
    if len(text) <= MAX_EVENT_TEXT:
        return text
    begin = max(0, min(focus - MAX_EVENT_TEXT // 2, len(text) - MAX_EVENT_TEXT))
    cut = text[begin : begin + MAX_EVENT_TEXT]
    if begin:
        cut = "…" + cut.split(" ", 1)[-1]
    return cut.rsplit(" ", 1)[0] + "…"


def _merge_within(events: list[EventCandidate]) -> list[EventCandidate]:
    """Within one article, the same event told twice with the same date is kept once."""
    kept: list[EventCandidate] = []
    for event in events:
        twin = next(
            (
                k
                for k in kept
                if _same_date(k.date, event.date)
                and event_similarity(k.terms, event.terms, {}) >= 0.6
            ),
            None,
        )
        if twin is None:
            kept.append(event)
        elif twin.date and event.date and twin.date.approximate and not event.date.approximate:
            kept[kept.index(twin)] = EventCandidate(
                twin.text, event.date, twin.evidence, twin.terms
            )
    return kept


def _same_date(a: FuzzyDate | None, b: FuzzyDate | None) -> bool:
    """Equal dates, whether or not one of them is hedged with "about"."""
    if a is None or b is None:
        return a is b
    return (a.iso(), a.precision, a.season) == (b.iso(), b.precision, b.season)
