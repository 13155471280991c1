"""A synthetic corpus: new articles made by recombining the seed articles' sentences."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from bot.pipeline.text import normalize_text, sentences, split_paragraphs

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
OUTLETS = [f"Outlet {chr(65 + i)}{j}" for i in range(26) for j in range(4)]
NAMES = ["Alden", "Brisco", "Calloway", "Dunmore", "Ellery", "Fairbank", "Garside", "Holloway"]


def seed_sentences() -> list[str]:
    pool: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        paragraphs = split_paragraphs(normalize_text(path.read_text(encoding="utf-8")))
        pool += [s.text for s in sentences(paragraphs) if len(s.text.split()) >= 8]
    return pool


def synthetic_articles(count: int, *, seed: int = 7, size: int = 5000) -> Iterator[str]:
    """`count` articles of about `size` characters with a header, each different from the rest.

    Sentences are drawn from the seeds and altered (figures, a name, a place word), so the store
    keeps growing in distinct claims and quotes as a real story would.
    """
    rng = random.Random(seed)
    pool = seed_sentences()
    start = dt.date(2026, 1, 1)
    for index in range(count):
        body: list[str] = []
        length = 0
        while length < size:
            sentence = _alter(rng.choice(pool), rng, index)
            body.append(sentence)
            length += len(sentence) + 1
        paragraphs = [" ".join(body[i : i + 3]) for i in range(0, len(body), 3)]
        published = start + dt.timedelta(days=index % 300)
        header = (
            f"url: https://example.org/{index}\noutlet: {rng.choice(OUTLETS)}\n"
            f"published: {published.isoformat()}\ntitle: Synthetic report {index}\n---\n"
        )
        yield header + "\n\n".join(paragraphs)


def _alter(sentence: str, rng: random.Random, index: int) -> str:
    words = sentence.split()
    for _ in range(2):
        position = rng.randrange(len(words))
        if words[position].isalpha() and words[position].islower() and len(words[position]) > 4:
            words[position] = f"{words[position]}{rng.randrange(1000)}"
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.choice(NAMES)}-{index % 97}")
    return " ".join(words)
