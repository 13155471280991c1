from __future__ import annotations

from collections.abc import Iterator

from bot.pipeline.claims import (
    SAME_CLAIM,
    ClaimCandidate,
    Quantity,
    claim_candidates,
    condition_of,
    conflict,
    describe_claim,
    quantities,
    similarity,
)
from bot.pipeline.text import stem


def test_quantities_find_counted_things_and_percentages() -> None:
    found = quantities("Russia fired around 450 long-range drones and 70 missiles; 75% of it.")
    assert Quantity(450, stem("drones")) in found
    assert Quantity(70, stem("missiles")) in found
    assert Quantity(75, "%") in found


def test_years_are_not_quantities() -> None:
    assert quantities("The 2014 annexation and the war of 2022 changed things.") == []


def test_condition_tells_conditional_from_temporal() -> None:
    conditional = condition_of("Allies will deploy forces should Russia breach the agreement.")
    temporal = condition_of("Troops will deploy as soon as a peace deal is signed.")
    assert conditional is not None and conditional[0] == "if"
    assert temporal is not None and temporal[0] == "when"


def test_same_statement_in_other_words_is_similar() -> None:
    a = describe_claim(
        "Rutte stated that the forces would comprise ground, air, and naval components drawn"
        " from a coalition of the willing."
    )
    b = describe_claim(
        "According to Rutte, the troops will comprise ground, air, and naval forces from the"
        " countries part of the coalition of the willing."
    )
    assert similarity(a, b) >= SAME_CLAIM


def test_unrelated_statements_are_not_similar() -> None:
    a = describe_claim("The central bank raised interest rates by half a point on Thursday.")
    b = describe_claim("Troops will comprise ground, air and naval forces from the coalition.")
    assert similarity(a, b) < 0.2


def test_different_figures_for_the_same_thing_conflict() -> None:
    a = describe_claim("Russia fired around 450 drones and missiles at the power grid overnight.")
    b = describe_claim("Russia fired around 400 drones and missiles at the power grid overnight.")
    reason = conflict(a, b)
    assert reason is not None and "450" in reason and "400" in reason


def test_deploy_after_a_deal_versus_only_if_breached_conflict() -> None:
    a = describe_claim(
        "Allied troops will be deployed to Ukraine instantly after a peace agreement is signed."
    )
    b = describe_claim(
        "European allies are prepared to deploy troops to Ukraine if Russia breaches a peace"
        " agreement."
    )
    reason = conflict(a, b)
    assert reason is not None and "only if" in reason


def test_agreeing_statements_do_not_conflict() -> None:
    a = describe_claim("Russia fired 450 drones at the power grid overnight, officials said.")
    b = describe_claim("Officials said Russia fired 450 drones at the grid overnight.")
    assert conflict(a, b) is None


def test_candidates_skip_questions_short_lines_and_pure_quotes() -> None:
    paragraphs = [
        "Is this the end of the war?",
        "Too short.",
        "“We will never give up, whatever happens to us,” he said.",
        "The parliament approved the budget for the coming year on Monday evening.",
    ]
    texts = [c.text for c in claim_candidates(paragraphs)]
    assert texts == ["The parliament approved the budget for the coming year on Monday evening."]


class _InOrder(frozenset[str]):
    """A set of words that iterates in the order given, as a set may from one run to the next."""

    order: tuple[str, ...]

    def __new__(cls, order: tuple[str, ...]) -> _InOrder:
        words = super().__new__(cls, order)
        words.order = order
        return words

    def __iter__(self) -> Iterator[str]:
        return iter(self.order)


def test_similarity_does_not_depend_on_the_order_a_set_gives_its_words() -> None:
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit of a plain float sum.
    rarity = {"alpha": 0.1, "beta": 0.2, "gamma": 0.3, "delta": 0.7}
    other = ClaimCandidate("", frozenset({"alpha", "beta", "gamma", "delta"}), (), None)
    forwards = ClaimCandidate("", _InOrder(("alpha", "beta", "gamma")), (), None)
    backwards = ClaimCandidate("", _InOrder(("gamma", "beta", "alpha")), (), None)
    assert similarity(forwards, other, rarity) == similarity(backwards, other, rarity)
    assert similarity(other, forwards, rarity) == similarity(other, backwards, rarity)
