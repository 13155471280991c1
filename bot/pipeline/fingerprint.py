"""Fingerprints for spotting copies: exact (a hash of the words) and near (shared word 5-grams)."""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from bot.pipeline.text import STOPWORDS, fold, sentences

SHINGLE = 5
COPY_CONTAINMENT = 0.8  # this share of word 5-grams in common makes a syndicated copy
RETOLD_RATIO = 60  # rapidfuzz token-set ratio at which a sentence retells another
# And the content words it must share with it (fewer if it has fewer); 1 or 2, as the sentences
# sharing them are found by seeing which are met once and which twice.
RETOLD_SHARED_WORDS = 2
# Retold share of sentences plus the weighted cosine of the two vocabularies: independent reports
# of one event score about 0.5 (same facts, own words); a paraphrase of one article about 0.7.
REWRITE_SCORE = 0.62


def content_hash(paragraphs: Sequence[str]) -> str:
    """Equal for texts with the same words, whatever their spacing, punctuation or quote marks."""
    return hashlib.sha256(fold(" ".join(paragraphs)).encode()).hexdigest()


def shingles(text: str) -> frozenset[int]:
    """Hashes of the word 5-grams (the whole text when shorter), for comparing texts within one
    process: Python's string hashing differs between processes, so they are never stored."""
    # Line breaks part words as spaces do: an article joined by either is one text, kept once
    # for when it is new and for when it is compared with later ones as a stored body.
    return _shingles(text.replace("\n", " "))


@functools.lru_cache(maxsize=1024)
def _shingles(text: str) -> frozenset[int]:
    tokens = fold(text).split()
    if len(tokens) < SHINGLE:
        return frozenset({hash(tuple(tokens))}) if tokens else frozenset()
    return frozenset(map(hash, zip(*(tokens[i:] for i in range(SHINGLE)), strict=False)))


def containment(new: frozenset[int], old: frozenset[int]) -> float:
    """Share of the new text's shingles found in the old text."""
    return len(new & old) / len(new) if new else 0.0


def retold_share(
    new_paragraphs: Sequence[str], old_paragraphs: Sequence[str], ratio: int = RETOLD_RATIO
) -> float:
    """Share of the new article's sentences that closely retell a sentence of the old one."""
    new = folded_sentences(tuple(new_paragraphs))
    old = folded_sentences(tuple(old_paragraphs))
    return _retold_share(new, old, ratio)


@functools.lru_cache(maxsize=1024)
def folded_sentences(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """The article's sentences, folded; kept because one article is compared with several."""
    return tuple(fold(s.text) for s in sentences(paragraphs))


def _retold_share(
    new: Sequence[str],
    old: Sequence[str],
    ratio: int,
    *,
    plus: float = 0.0,
    needed: float = -math.inf,
) -> float:
    """The retold share of `new`; once `plus` and the share can no longer reach `needed`, the
    count stops and the best share still possible is returned instead (below `needed` too).

    A sentence retells another when they share content words and their token-set ratio reaches
    `ratio`; the shared words pick the few old sentences worth scoring."""
    if not new or not old:
        return 0.0
    index_of_old = _word_index(tuple(old))
    choices = [_sharing_words(sentence, old, index_of_old) for sentence in new]
    # A sentence no old sentence shares words with cannot be retold; each one scored and not
    # retold lowers what the share can still reach, and once that falls short of `needed`
    # (or from the start) the scoring stops.
    possible = sum(1 for c in choices if c)
    if possible / len(new) + plus < needed:
        return possible / len(new)
    for sentence, candidates in zip(new, choices, strict=True):
        if not candidates or _retells(sentence, candidates, ratio):
            continue
        possible -= 1
        if possible / len(new) + plus < needed:
            return possible / len(new)
    return possible / len(new)


def _retells(sentence: str, candidates: Sequence[str], ratio: int) -> bool:
    """Whether one of the old sentences reaches `ratio` with this one: the first that does
    settles it, where finding the best of them would score every one."""
    for candidate in candidates:
        if fuzz.token_set_ratio(sentence, candidate, score_cutoff=ratio) >= ratio:
            return True
    return False


def _sharing_words(sentence: str, old: Sequence[str], index_of_old: Mapping[str, int]) -> list[str]:
    """The old sentences that share enough content words with `sentence` to retell it: those
    sharing the most first (four or more, three, then fewer), as the likeliest to be retold,
    and in their order among equals."""
    words = _content_words(sentence)
    if not words:
        return []
    # The sentences met at least once, twice, three and four times, as bit sets: a few integer
    # operations per word instead of a count per sentence position.
    once = twice = three = four = 0
    for word in words:
        positions = index_of_old.get(word, 0)
        four |= three & positions
        three |= twice & positions
        twice |= once & positions
        once |= positions
    chosen = twice if min(RETOLD_SHARED_WORDS, len(words)) == 2 else once
    found: list[str] = []
    for group in (chosen & four, chosen & three & ~four, chosen & ~three):
        while group:
            lowest = group & -group
            found.append(old[lowest.bit_length() - 1])
            group ^= lowest
    return found


@functools.lru_cache(maxsize=16_384)
def _content_words(sentence: str) -> frozenset[str]:
    """A folded sentence's distinct words that carry meaning."""
    return frozenset(w for w in sentence.split() if len(w) > 2 and w not in STOPWORDS)


@functools.lru_cache(maxsize=256)
def _word_index(sentences_: tuple[str, ...]) -> dict[str, int]:
    """Content word -> the set of the positions of the sentences using it, as bits."""
    index: dict[str, int] = {}
    for position, sentence in enumerate(sentences_):
        bit = 1 << position
        for word in _content_words(sentence):
            index[word] = index.get(word, 0) | bit
    return index


def term_cosine(
    new: Mapping[str, int], old: Mapping[str, int], doc_counts: Mapping[str, int], size: int
) -> float:
    """Cosine of two articles' word counts, each word weighted by how rare it is in the story."""

    def weights(counts: Mapping[str, int]) -> dict[str, float]:
        return {
            term: (1 + math.log(n)) * math.log((size + 2) / (doc_counts.get(term, 0) + 1))
            for term, n in counts.items()
            if n > 0
        }

    a, b = weights(new), weights(old)
    dot = sum(value * b.get(term, 0.0) for term, value in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def rewrite_score(
    new_paragraphs: Sequence[str],
    old_paragraphs: Sequence[str],
    vocabulary: tuple[Mapping[str, int], Mapping[str, int]],
    story: tuple[Mapping[str, int], int],
    *,
    needed: float = -math.inf,
) -> float:
    """How far the new article retells the old one (0..2); see REWRITE_SCORE.

    With `needed`, a score that cannot reach it is reported as soon as that is clear, as some
    score below `needed`: callers that only keep scores of at least `needed` see no difference.
    """
    new_terms, old_terms = vocabulary
    doc_counts, size = story
    cosine = term_cosine(new_terms, old_terms, doc_counts, size)
    new = folded_sentences(tuple(new_paragraphs))
    old = folded_sentences(tuple(old_paragraphs))
    return _retold_share(new, old, RETOLD_RATIO, plus=cosine, needed=needed) + cosine
