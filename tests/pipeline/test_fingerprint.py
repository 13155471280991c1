from rapidfuzz import fuzz

from bot.pipeline.fingerprint import containment, content_hash, retold_share, shingles
from bot.pipeline.text import fold

STORY = [
    "The minister said on Monday that the new bridge would open to traffic in the spring.",
    "Engineers finished the last span after three years of work on the river crossing.",
]


def test_hash_ignores_spacing_punctuation_and_quote_marks() -> None:
    respaced = [
        "The minister said  on Monday, that the new bridge would open to traffic in the spring"
    ]
    assert content_hash(respaced + STORY[1:]) == content_hash(STORY)
    assert content_hash(STORY[:1]) != content_hash(STORY)


def test_shingles_are_stable_across_calls() -> None:
    assert shingles(" ".join(STORY)) == shingles(" ".join(STORY))


def test_a_copy_contains_the_original() -> None:
    copy = shingles(" ".join(STORY) + " Reporting by a wire service.")
    assert containment(shingles(" ".join(STORY)), copy) == 1.0


def test_a_retelling_shares_sentences_but_not_words_in_order() -> None:
    rewrite = [
        "On Monday the minister said the new bridge will open to traffic in spring.",
        "After three years of work, engineers finished the final span of the river crossing.",
    ]
    other = ["Stock markets fell sharply in Asia as investors worried about interest rates."]
    assert retold_share(rewrite, STORY) >= 0.5
    assert retold_share(other, STORY) == 0.0
    assert containment(shingles(" ".join(rewrite)), shingles(" ".join(STORY))) < 0.5


def test_sentences_alike_only_in_their_small_words_do_not_retell_each_other() -> None:
    old = "It is also about the future and ensuring that any peace lasts."
    alike_in_form = "It is not about the past and it is not about any of the lasting rules."
    assert fuzz.token_set_ratio(fold(alike_in_form), fold(old)) >= 60  # the form alone is alike
    assert retold_share([alike_in_form], [old]) == 0.0
