"""Is an article about the story? Compared with the vocabulary of the articles already stored."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence

from bot.pipeline.text import stems

PROFILE_TERMS = 40  # the article's most frequent words that are compared with the story


def article_terms(paragraphs: Sequence[str], limit: int = PROFILE_TERMS) -> Counter[str]:
    """The article's most frequent meaningful words (stemmed), with their counts."""
    # Counted at C speed, short words dropped after: the words kept are counted, and ordered
    # among equals, as if only they had been counted.
    counts = Counter(itertools.chain.from_iterable(map(stems, paragraphs)))
    for short in [w for w in counts if len(w) <= 2]:
        del counts[short]
    return Counter(dict(counts.most_common(limit)))


def relevance(terms: Counter[str], story: Mapping[str, int], story_size: int) -> float:
    """0..1: the weighted share of the article's main words that the story's articles use.

    A word counts fully when at least a fifth of the stored articles use it, partly when fewer do,
    so one shared common word cannot make a football report look like the story.
    """
    if story_size == 0:
        return 1.0
    total = sum(terms.values())
    if not total:
        return 0.0
    enough = max(1.0, story_size / 5)
    score = sum(count * min(1.0, story.get(term, 0) / enough) for term, count in terms.items())
    return score / total
