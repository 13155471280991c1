"""Fingerprints for spotting copies: exact (a hash of the words) and near (shared word 5-grams)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.pipeline.text import fold, sentences

SHINGLE = 5
COPY_CONTAINMENT = 0.8  # this share of word 5-grams in common makes a syndicated copy
REWRITE_SENTENCES = 0.3  # this share of sentences retold makes a rewrite of the same article


def content_hash(paragraphs: Sequence[str]) -> str:
    """Equal for texts with the same words, whatever their spacing, punctuation or quote marks."""
    return hashlib.sha256(fold(" ".join(paragraphs)).encode()).hexdigest()


def shingles(text: str) -> set[int]:
    """Stable 64-bit hashes of the word 5-grams (stable across processes, unlike `hash`)."""
    tokens = fold(text).split()
    grams = [" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))]
    return {_hash64(gram) for gram in grams if gram}


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def containment(new: set[int], old: set[int]) -> float:
    """Share of the new text's shingles found in the old text."""
    return len(new & old) / len(new) if new else 0.0


def retold_share(new_paragraphs: Sequence[str], old_paragraphs: Sequence[str]) -> float:
    """Share of the new article's sentences that closely retell a sentence of the old one."""
    new = [fold(s.text) for s in sentences(new_paragraphs)]
    old = [fold(s.text) for s in sentences(old_paragraphs)]
    if not new or not old:
        return 0.0
    retold = sum(1 for sentence in new if max(fuzz.token_set_ratio(sentence, o) for o in old) >= 70)
    return retold / len(new)
