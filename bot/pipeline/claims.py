"""Statements of fact: picking claim sentences, comparing them across articles, conflicts."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.pipeline.dates import without_blank_dates
from bot.pipeline.text import Sentence, fold, may_contain, sentences, stems, words

SAME_CLAIM = 0.5  # similarity at or above which two sentences state the same thing
RELATED_CLAIM = 0.3  # similarity at which two sentences are about the same thing

# The lookahead lets a search skip to the next digit instead of trying the pattern everywhere.
_NUMBER = re.compile(
    r"(?=\d)(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(%|percent|per cent))?"
    r"(?:\s+([A-Za-z-]+))?"
    r"(?:\s+([A-Za-z-]+))?"
)
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "twenty": 20, "hundred": 100,
}  # fmt: skip
_CONDITIONAL = re.compile(
    r"\b(?:if|should|unless|in the event (?:of|that)|in case(?: of)?|provided that)\b"
    r"\s+([^,.;]{3,80})",
    re.IGNORECASE,
)
_TEMPORAL = re.compile(
    r"\b(?:as soon as|once|immediately after|instantly after|after|following|when)\b\s+"
    r"([^,.;]{3,80})",
    re.IGNORECASE,
)
# Every match of _CONDITIONAL holds one of the first words, every match of _TEMPORAL one of the
# second: a statement with none of them is not searched.
_CONDITIONAL_CUES = ("if", "should", "unless", "in the event", "in case", "provided that")
_TEMPORAL_CUES = ("as soon as", "once", "after", "following", "when")
_QUOTE_MARKS = '"“”«»'
_UNKNOWN_RARITY = itertools.repeat(1.0)  # the weight of a word `rarity` does not know
_VAGUE_START = re.compile(r"^(?:he|she|it|they|this|that|these|those|but|and|however)\b", re.I)


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str  # the stemmed word counted ("drone"), or "%"


@dataclass(frozen=True, slots=True)
class ClaimCandidate:
    """One sentence of an article that states something checkable."""

    text: str
    terms: frozenset[str]
    quantities: tuple[Quantity, ...]
    condition: tuple[str, str] | None  # ("if" | "when", clause) for conditional statements

    @property
    def vague(self) -> bool:
        """Starts with a pronoun or connective, so it reads badly on its own."""
        return bool(_VAGUE_START.match(self.text))


def claim_candidates(paragraphs: Sequence[str]) -> list[ClaimCandidate]:
    """Sentences that state facts: long enough, not questions, not mostly a direct quote."""
    found: list[ClaimCandidate] = []
    seen: set[str] = set()
    for sentence in sentences(paragraphs):
        if not _is_statement(sentence):
            continue
        key = fold(sentence.text)
        if key in seen:
            continue
        seen.add(key)
        found.append(describe_claim(without_blank_dates(sentence.text)))
    return found


def describe_claim(text: str) -> ClaimCandidate:
    """A statement's words, figures and condition."""
    terms, figures, condition = _described(text)
    # A new set each time, built as it always was: the order a set is summed in can move a
    # similarity by a rounding error, and two statements with equal texts are two sets.
    return ClaimCandidate(
        text=text, terms=frozenset(terms), quantities=figures, condition=condition
    )


@functools.lru_cache(maxsize=20_000)
def _described(text: str) -> tuple[tuple[str, ...], tuple[Quantity, ...], tuple[str, str] | None]:
    """Kept per text: the claims an article adds are the statements it was just read for, and
    later articles are compared with them."""
    return stems(text), tuple(quantities(text)), condition_of(text)


def quantities(text: str) -> list[Quantity]:
    """Counted things: "450 long-range drones" -> 450 drone, "75%" -> 75 %."""
    found: list[Quantity] = []
    for match in _NUMBER.finditer(text):
        raw, percent, first, second = match.groups()
        value = float(raw.replace(",", ""))
        if 1900 <= value <= 2100 and not percent and "." not in raw:
            continue  # a year, handled by the date stage
        if percent:
            found.append(Quantity(value, "%"))
            continue
        unit = _unit_word(first, second)
        if unit:
            found.append(Quantity(value, unit))
    tokens = words(text)
    for word_index, word in enumerate(map(str.lower, tokens)):
        if word in _NUMBER_WORDS:
            following = tokens[word_index + 1 : word_index + 3]
            unit = _unit_word(*[*following, None, None][:2])
            if unit:
                found.append(Quantity(float(_NUMBER_WORDS[word]), unit))
    return found


def condition_of(text: str) -> tuple[str, str] | None:
    """The condition a statement hangs on, if any: ("if", "russia breach the terms")."""
    conditional = may_contain(text, _CONDITIONAL_CUES) and _CONDITIONAL.search(text)
    if conditional:
        return ("if", _clause(conditional.group(1)))
    temporal = may_contain(text, _TEMPORAL_CUES) and _TEMPORAL.search(text)
    if temporal:
        return ("when", _clause(temporal.group(1)))
    return None


def _clause(text: str) -> str:
    """The condition as the source wrote it, without quote marks, for showing to readers."""
    return " ".join(text.replace("“", "").replace("”", "").replace('"', "").split())


def similarity(
    a: ClaimCandidate, b: ClaimCandidate, rarity: Mapping[str, float] | None = None
) -> float:
    """0..1: how far two statements say the same thing (shared vocabulary, word order).

    With `rarity` (a weight per word, higher for words the story seldom uses), sharing the
    story's stock words counts for little and sharing its rare words for much."""
    if not a.terms or not b.terms:
        return 0.0

    def weight(terms: frozenset[str]) -> float:
        # fsum: a set's order changes from run to run, and a float sum must not change with it
        return math.fsum(map(rarity.get, terms, _UNKNOWN_RARITY)) if rarity else float(len(terms))

    shared_terms = a.terms & b.terms
    if not shared_terms:
        return 0.0
    shared = weight(shared_terms)
    weight_a, weight_b = weight(a.terms), weight(b.terms)
    jaccard = shared / (weight_a + weight_b - shared)
    overlap = shared / min(weight_a, weight_b)
    # The token-sort ratio of the two word lists: they are kept sorted and joined, and words
    # have no blanks in them, so sorting them again would change nothing.
    order = fuzz.ratio(_in_order(a.terms), _in_order(b.terms)) / 100
    penalty = 0.2 if len(shared_terms) < 3 else 0.0
    return 0.4 * jaccard + 0.4 * overlap + 0.2 * order - penalty


@functools.lru_cache(maxsize=20_000)
def _in_order(terms: frozenset[str]) -> str:
    """A statement's words sorted and joined: each is compared with many others."""
    return " ".join(sorted(terms))


def conflict(
    a: ClaimCandidate,
    b: ClaimCandidate,
    rarity: Mapping[str, float] | None = None,
    *,
    score: float | None = None,
) -> str | None:
    """Why two statements about the same thing disagree, or None when they do not.
    `score` is their `similarity`, when the caller has it already."""
    if (similarity(a, b, rarity) if score is None else score) < RELATED_CLAIM:
        return None
    for qa in a.quantities:
        for qb in b.quantities:
            if qa.unit == qb.unit and qa.value != qb.value:
                if any(q.unit == qa.unit and q.value == qb.value for q in a.quantities):
                    continue  # a lists both figures, so they are different things
                return f"{_figure(qa)} vs {_figure(qb)}"
    if a.condition and b.condition and a.condition[0] != b.condition[0]:
        first, second = (a, b) if a.condition[0] == "when" else (b, a)
        assert first.condition and second.condition
        return f"after {first.condition[1]} vs only if {second.condition[1]}"
    return None


def _is_statement(sentence: Sentence) -> bool:
    text = sentence.text
    if text.endswith("?") or len(words(text)) < 6 or len(text) > 600:
        return False
    quoted = sum(map(text.count, _QUOTE_MARKS))
    if quoted >= 2:
        inside = _inside_quotes(text)
        if inside > 0.6 * len(text):
            return False
    return text[0] not in _QUOTE_MARKS and not text.rstrip().endswith(":")


def _inside_quotes(text: str) -> int:
    total = 0
    for match in re.finditer(r"[\"“«]([^\"”»]*)[\"”»]", text):
        total += len(match.group(1))
    return total


def _unit_word(first: str | None, second: str | None) -> str | None:
    for word in (first, second):
        if not word:
            continue
        lowered = word.lower()
        if lowered in {"of", "and", "or", "to", "the", "a", "in", "on", "at", "for", "per"}:
            return None
        stemmed = stems(lowered)
        if stemmed and not lowered.endswith(("-range", "-long", "-old")):
            return stemmed[0]
    return None


def _figure(quantity: Quantity) -> str:
    value = f"{quantity.value:g}"
    return f"{value}%" if quantity.unit == "%" else f"{value} {quantity.unit}"
