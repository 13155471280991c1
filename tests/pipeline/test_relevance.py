from collections import Counter

from bot.pipeline.relevance import article_terms, relevance


def story_profile(*articles: list[str]) -> tuple[dict[str, int], int]:
    counts: Counter[str] = Counter()
    for paragraphs in articles:
        counts.update(set(article_terms(paragraphs)))
    return dict(counts), len(articles)


BRIDGE = [
    "The river bridge will open in spring, the transport minister said.",
    "Engineers finished the bridge span; the minister praised the engineers and the bridge.",
]
BRIDGE_2 = ["Traffic on the new river bridge starts in spring, the transport ministry said."]
TENNIS = ["The champion won the final in five sets, serving twenty aces in the tennis final."]


def test_an_empty_store_accepts_anything() -> None:
    assert relevance(article_terms(TENNIS), {}, 0) == 1.0


def test_same_story_scores_higher_than_another_story() -> None:
    profile, size = story_profile(BRIDGE)
    on_topic = relevance(article_terms(BRIDGE_2), profile, size)
    off_topic = relevance(article_terms(TENNIS), profile, size)
    assert on_topic > 0.3
    assert off_topic < 0.1
