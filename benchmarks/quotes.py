"""Quote extraction speed on the seed articles: the best of several rounds, per article.

Run with `python -m benchmarks.quotes [--rounds N]`; the target is well under 5 ms an article."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.pipeline.quotes import extract_quotes
from bot.pipeline.text import normalize_text, split_paragraphs

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def measure(rounds: int = 5) -> tuple[int, float]:
    """(articles, best milliseconds per article)."""
    articles = [
        split_paragraphs(normalize_text(path.read_text(encoding="utf-8")))
        for path in sorted(SEEDS.glob("*.txt"))
    ]
    for paragraphs in articles:  # warm-up
        extract_quotes(paragraphs)
    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        for paragraphs in articles:
            extract_quotes(paragraphs)
        best = min(best, (time.perf_counter() - began) / len(articles))
    return len(articles), best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    count, best_ms = measure(parser.parse_args().rounds)
    print(f"{'articles':>8} {'best ms/article':>16}")
    print(f"{count:>8} {best_ms:>16.2f}")


if __name__ == "__main__":
    main()
