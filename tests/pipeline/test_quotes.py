from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.pipeline.quotes import ExtractedQuote, extract_quotes, quotes_and_people
from bot.pipeline.text import normalize_text, split_paragraphs

SEEDS = Path(__file__).parents[2] / "seeds"


def seed(prefix: str) -> list[str]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return split_paragraphs(normalize_text(path.read_text(encoding="utf-8")))


def by_text(quotes: list[ExtractedQuote], fragment: str) -> ExtractedQuote:
    found = [q for q in quotes if fragment in q.text]
    assert found, f"no quote contains {fragment!r}: {[q.text for q in quotes]}"
    return found[0]


def attributed(quotes: list[ExtractedQuote]) -> list[ExtractedQuote]:
    return [q for q in quotes if q.speaker]


def assert_spans(paragraphs: list[str], quotes: list[ExtractedQuote]) -> None:
    for q in quotes:
        assert 0 <= q.paragraph < len(paragraphs)
        assert 0 <= q.start < q.end <= len(paragraphs[q.paragraph])
        # Equal for a one-paragraph quote; the first part of a quote over several paragraphs.
        assert q.text.startswith(paragraphs[q.paragraph][q.start : q.end])


# --- golden tests on the seeds ----------------------------------------------------------------


def test_seed_000_speech_and_partials() -> None:
    paragraphs = seed("000")
    quotes = extract_quotes(paragraphs)
    assert_spans(paragraphs, quotes)
    deal = by_text(quotes, "As soon as a peace deal is signed, there will instantly appear armed")
    assert deal.speaker == "Mark Rutte" and not deal.partial
    centre = by_text(quotes, "Ukraine has been and remains at the centre of our security thoughts")
    assert centre.speaker == "Mark Rutte"
    assert centre.speaker_role == "NATO Secretary General"
    decisions = by_text(quotes, "difficult decisions")
    assert decisions.speaker == "Mark Rutte" and decisions.partial
    instantly = [q for q in quotes if q.text == "instantly" and q.paragraph == deal.paragraph - 1]
    assert instantly and instantly[0].speaker == "Mark Rutte" and instantly[0].partial
    texts = {q.text.rstrip(".") for q in attributed(quotes)}
    assert "coalition of the willing" not in texts
    assert not any("Reliable Security Assurances" in t for t in texts)


def test_seed_001_descriptor_names_the_secretary_general() -> None:
    quotes = extract_quotes(seed("001"))
    fatal = by_text(quotes, "fatal")
    assert fatal.speaker == "Mark Rutte" and fatal.partial


def test_seed_002_missing_and_misplaced_opening_marks() -> None:
    paragraphs = seed("002")
    quotes = extract_quotes(paragraphs, title=paragraphs[1])
    assert_spans(paragraphs, quotes)
    deal = by_text(quotes, "As soon as a peace deal is signed, there will instantly appear armed")
    assert deal.speaker == "Mark Rutte"
    assert deal.text.startswith("Ukraine needs strong support.")
    assert paragraphs[deal.paragraph][deal.start : deal.end] == deal.text
    assured = by_text(quotes, "Be assured that NATO stands with Ukraine")
    assert assured.speaker == "Mark Rutte"
    assert assured.text.startswith("Be assured") and assured.text.endswith("for years to come")
    assert not any("fearing Moscow" in q.text for q in quotes)
    lasting = by_text(quotes, "Your security is our security. Your peace is our peace.")
    assert lasting.speaker == "Mark Rutte" and not lasting.partial
    assert (
        by_text(quotes, "Getting to an agreement to end this terrible war").speaker == "Mark Rutte"
    )
    grid = by_text(quotes, "Taking advantage of the coldest days of winter to terrorize people")
    assert grid.speaker == "Volodymyr Zelenskyy"
    # The subheading that is only a quoted phrase is nobody's quote.
    assert not any(q.text == "Your security is our security" for q in quotes)
    assert not any(q.text.rstrip(".") == "coalition of the willing" for q in attributed(quotes))


def test_seed_003_single_marks() -> None:
    quotes = extract_quotes(seed("003"))
    troops = by_text(
        quotes, "I can say that several European countries have stated their willingness"
    )
    assert troops.speaker == "Mark Rutte" and not troops.partial
    assert troops.text.endswith("if that is needed")
    assert by_text(quotes, "fatal").speaker == "Mark Rutte"
    assert not any(q.text == "general principles" for q in attributed(quotes))


def test_seed_004_partial_quotes() -> None:
    quotes = extract_quotes(seed("004"))
    for fragment in ("crazy", "chaos", "to play ball", "really bad signal"):
        quote = next(q for q in quotes if q.text == fragment)
        assert quote.speaker == "Mark Rutte" and quote.partial, fragment
    for fragment in ("burden-sharing", "are doing a lot", "doing nothing"):
        quote = next(q for q in quotes if q.text == fragment)
        assert quote.speaker in {"Mark Rutte", None}
    lavrov = by_text(quotes, "foreign military intervention on some part of Ukrainian territory")
    assert lavrov.speaker == "Sergey Lavrov" and lavrov.partial
    assert lavrov.speaker_role == "Foreign Minister"
    assert not any(q.text == "coalition of the willing" for q in quotes)


def test_seeds_boilerplate_gives_no_quotes() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        paragraphs = seed(prefix)
        quotes = extract_quotes(paragraphs)
        assert_spans(paragraphs, quotes)
        for q in quotes:
            line = paragraphs[q.paragraph]
            assert "Comment" not in line and "Read More" not in line


# --- quote marks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("“", "”"), ('"', '"'), ("‘", "’"), ("'", "'"), ("«", "»"), ('"', "”")],
)
def test_every_kind_of_mark(opening: str, closing: str) -> None:
    paragraph = f"{opening}We will rebuild the bridge by spring,{closing} Anna Holt said on Monday."
    (quote,) = extract_quotes([paragraph])
    assert quote.text == "We will rebuild the bridge by spring"
    assert quote.speaker == "Anna Holt" and not quote.partial
    assert paragraph[quote.start : quote.end] == quote.text


def test_apostrophes_are_not_quote_marks() -> None:
    paragraph = (
        "Anna Holt said the city's plan, which the council's members don't like, was 'bold' and"
        " that Europe’s mayors ’ll follow."
    )
    quotes = extract_quotes([paragraph])
    assert [q.text for q in quotes] == ["bold"]
    assert quotes[0].speaker == "Anna Holt" and quotes[0].partial


def test_several_fragments_in_one_sentence_are_separate_partials() -> None:
    paragraph = 'Anna Holt said the city needs a "steady" budget and a "fair" tax.'
    quotes = extract_quotes([paragraph])
    assert [(q.text, q.speaker, q.partial) for q in quotes] == [
        ("steady", "Anna Holt", True),
        ("fair", "Anna Holt", True),
    ]


def test_quote_continues_over_paragraphs() -> None:
    paragraphs = [
        "Mayor Anna Holt spoke at length.",
        "“The bridge will open in spring. We found the money.",
        "“Nobody will pay a toll for it,” she said.",
        "The council meets next week.",
    ]
    quotes = extract_quotes(paragraphs)
    assert len(quotes) == 1
    quote = quotes[0]
    assert quote.text == (
        "The bridge will open in spring. We found the money. Nobody will pay a toll for it"
    )
    assert quote.paragraph == 1 and quote.speaker == "Anna Holt"
    assert (
        paragraphs[1][quote.start : quote.end]
        == "The bridge will open in spring. We found the money."
    )


def test_unclosed_quote_ends_with_its_paragraph() -> None:
    paragraphs = ["“We will finish the job,” Holt said. “And then we will rest", "Other news."]
    quotes = extract_quotes(paragraphs)
    assert [q.text for q in quotes] == ["We will finish the job", "And then we will rest"]
    assert all(q.speaker == "Holt" for q in quotes)


def test_closing_mark_without_opening_mark_quotes_from_paragraph_start() -> None:
    paragraph = "The budget is balanced. Every school gets a new roof,” Holt said."
    (quote,) = extract_quotes([paragraph])
    assert quote.text == "The budget is balanced. Every school gets a new roof"
    assert quote.start == 0 and quote.speaker == "Holt" and not quote.partial


def test_misplaced_opening_mark_at_paragraph_end_is_not_a_quote() -> None:
    paragraphs = [
        "Mayor Anna Holt visited the harbour on Friday.",
        "Residents, weary of floods, want walls along the river.“",
        "We will build them before the autumn storms,” Holt said.",
    ]
    quotes = extract_quotes(paragraphs)
    assert [q.text for q in quotes] == ["We will build them before the autumn storms"]
    assert quotes[0].speaker == "Anna Holt" and quotes[0].paragraph == 2


# --- attribution ------------------------------------------------------------------------------


def test_speech_verb_before_with_colon_and_appositive() -> None:
    paragraphs = [
        "Pieter Vos, the port authority chief, said: “Ships will dock again next month.”",
        "Vos told reporters: “The cranes are fixed.”",
    ]
    quotes = extract_quotes(paragraphs)
    assert [(q.speaker, q.partial) for q in quotes] == [("Pieter Vos", False)] * 2


def test_inverted_attribution_and_according_to() -> None:
    paragraphs = [
        "Finance Minister Mira Kovac presented the budget.",
        "“Taxes will not rise this year,” said Kovac.",
        "Spending will grow “only modestly,” according to Kovac.",
    ]
    quotes = extract_quotes(paragraphs)
    assert [q.speaker for q in quotes] == ["Mira Kovac", "Mira Kovac"]
    assert quotes[0].speaker_role == "Finance Minister"


def test_pronoun_resolves_to_the_subject_not_to_an_object_in_a_relative_clause() -> None:
    paragraphs = [
        "Pieter Vos, who met Mayor Anna Holt on Monday, announced a new ferry line.",
        "“It will run every hour,” he said.",
    ]
    quotes = extract_quotes(paragraphs)
    assert [q.speaker for q in quotes] == ["Pieter Vos"]


def test_pronoun_follows_the_latest_subject() -> None:
    paragraphs = [
        "Mayor Anna Holt opened the session.",
        "Pieter Vos, the harbour master, warned that the quay was unsafe.",
        "“Nobody should walk there at night,” he said.",
    ]
    assert [q.speaker for q in extract_quotes(paragraphs)] == ["Pieter Vos"]


def test_descriptor_resolves_by_role() -> None:
    paragraphs = [
        "Port authority chief Pieter Vos and Finance Minister Mira Kovac met on Tuesday.",
        "“We agreed on the money,” the finance minister said.",
        "“The work starts in May,” the port chief added.",
    ]
    quotes = extract_quotes(paragraphs)
    assert [q.speaker for q in quotes] == ["Mira Kovac", "Pieter Vos"]


def test_descriptor_secretary_general_with_hyphen() -> None:
    paragraphs = [
        "Alliance Secretary General Tomas Brandt visited the base.",
        "The secretary-general warned that the threat was ‘serious’ for everyone.",
    ]
    (quote,) = extract_quotes(paragraphs)
    assert quote.speaker == "Tomas Brandt" and quote.partial


def test_paragraph_that_is_only_a_quote_belongs_to_the_previous_speaker() -> None:
    paragraphs = [
        "“We will not give up,” Anna Holt said.",
        "“The river is ours. The city is ours.”",
    ]
    quotes = extract_quotes(paragraphs)
    assert [q.speaker for q in quotes] == ["Anna Holt", "Anna Holt"]
    assert not quotes[1].partial


def test_quote_after_an_attributed_quote_in_the_same_paragraph() -> None:
    paragraph = "“We have the votes,” Holt told reporters. “And we will use them.”"
    quotes = extract_quotes([paragraph])
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We have the votes", "Holt"),
        ("And we will use them.", "Holt"),
    ]


def test_partial_quote_with_speech_verb_after_it() -> None:
    paragraph = "Rebuilding will need “hard sacrifices” from every district, Anna Holt admitted."
    (quote,) = extract_quotes([paragraph])
    assert quote.speaker == "Anna Holt" and quote.partial


def test_speaker_said_that_something_was_a_partial() -> None:
    paragraphs = [
        "Mayor Anna Holt said the flood, which hit in March, was “brutal” and said its cost is"
        " rising, causing “misery” for families.",
        "Foreign Minister Mira Kovac has been blunter, stating that any plan based on “outside"
        " money alone” would fail.",
    ]
    quotes = extract_quotes(paragraphs)
    assert [(q.text, q.speaker, q.partial) for q in quotes] == [
        ("brutal", "Anna Holt", True),
        ("misery", "Anna Holt", True),
        ("outside money alone", "Mira Kovac", True),
    ]


def test_unnamed_sources_give_no_speaker() -> None:
    paragraph = "At least ten people were hurt, “most of them children,” officials said."
    assert [q.speaker for q in extract_quotes([paragraph])] == [None]


def test_organisations_can_speak() -> None:
    paragraphs = [
        "Meanwhile Dagblad, citing sources, reported that the talks had stalled.",
        '"The delegations left without a date for the next round," the newspaper wrote.',
        "Finland's Defense Ministry said its pilots “completed the exercise” on time.",
    ]
    quotes = extract_quotes(paragraphs)
    assert quotes[0].speaker == "Dagblad"
    assert quotes[1].speaker is not None and "Defense Ministry" in quotes[1].speaker


def test_comma_introduced_quote_takes_the_sentence_subject() -> None:
    paragraph = "Asked about it, spokesman Jonas Lind gave no details, “I cannot comment yet.”"
    (quote,) = extract_quotes([paragraph])
    assert quote.speaker == "Jonas Lind" and not quote.partial


def test_one_canonical_name_per_person() -> None:
    paragraphs = [
        "Mayor Anna Holt opened the bridge.",
        "“It is a great day,” Holt said.",
        "“We waited ten years,” Anna Holt added.",
    ]
    assert {q.speaker for q in extract_quotes(paragraphs)} == {"Anna Holt"}


def test_transliteration_variants_share_one_name() -> None:
    paragraphs = [
        "President Oleksandr Marchenkyy spoke in the capital.",
        "“We stand firm,” Marchenkiy said. Later Marchenky added: “We will win.”",
    ]
    quotes = extract_quotes(paragraphs)
    assert {q.speaker for q in quotes} == {"Oleksandr Marchenkyy"}


# --- not quotes -------------------------------------------------------------------------------


def test_scare_quotes_and_terms_are_not_quotes() -> None:
    paragraphs = [
        "Mayor Anna Holt said the so-called “green corridor” would open soon.",
        "The “green corridor” was first proposed in 2019.",
        "The council has started work on “a cleaner river plan” meant to cut waste.",
        "Officials call it a “river shield” in their reports.",
    ]
    texts = {q.text for q in attributed(extract_quotes(paragraphs))}
    assert texts == set()


def test_document_titles_are_not_quotes() -> None:
    paragraph = (
        "The ministers signed a declaration, which outlined “Common Rules for Safe and Open"
        " Harbours in Europe.” Anna Holt said it was “a start”."
    )
    quotes = extract_quotes([paragraph])
    assert not any("Common Rules" in q.text for q in quotes)
    assert [(q.text, q.speaker) for q in quotes] == [("a start", "Anna Holt")]


def test_headline_and_subheading_lines_are_not_quotes() -> None:
    title = "Holt: ‘The bridge opens in spring’"
    paragraphs = [
        title,
        "Mayor Anna Holt announced the date on Monday.",
        "‘A bridge for everyone’",
        "“The bridge opens in spring,” Holt said.",
    ]
    quotes = extract_quotes(paragraphs, title=title)
    assert [(q.paragraph, q.speaker) for q in quotes] == [(3, "Anna Holt")]


def test_organisation_names_with_of_and_possessives() -> None:
    paragraphs = [
        "The Institute for the Study of Rivers, a research group, said the dams were “at risk”.",
        "“Water levels keep falling,” the Ministry of Water Affairs said.",
    ]
    quotes = extract_quotes(paragraphs)
    assert [q.speaker for q in quotes] == [
        "Institute for the Study of Rivers",
        "Ministry of Water Affairs",
    ]


def test_said_before_a_name_is_not_always_inverted() -> None:
    paragraph = "Anna Holt said Western Partners would stay “as long as needed”."
    (quote,) = extract_quotes([paragraph])
    assert quote.speaker == "Anna Holt"


def test_plural_possessive_inside_single_marks() -> None:
    paragraph = "‘The allies’ plans are clear,’ Anna Holt said."
    (quote,) = extract_quotes([paragraph])
    assert quote.text == "The allies’ plans are clear" and quote.speaker == "Anna Holt"


def test_accusations_are_attributed_to_the_accuser() -> None:
    paragraphs = [
        "Harbour chief Pieter Vos says the port is open.",
        "Mayor Anna Holt accuses Vos of “reckless promises”.",
    ]
    assert [q.speaker for q in extract_quotes(paragraphs)] == ["Anna Holt"]


def test_quoted_term_repeated_in_the_article_is_a_term() -> None:
    paragraphs = [
        "Mayor Anna Holt said the “blue line” project would start soon.",
        "The blue line will cross the river twice.",
    ]
    assert attributed(extract_quotes(paragraphs)) == []


# --- robustness -------------------------------------------------------------------------------


def test_degenerate_inputs_do_not_raise() -> None:
    cases: list[list[str]] = [
        [],
        [""],
        ["“"],
        ["”"],
        ["'"],
        ['"' * 1000],
        ["“" * 500 + "”" * 500],
        ["“a” " * 1000],
        ["he said: " + "“x, ” " * 300],
        ["no sentences here at all just words " * 50],
        ["“", "“", "“"],
        ["...", "!!!", "“ ”", "‘’", "«»"],
    ]
    for paragraphs in cases:
        quotes = extract_quotes(paragraphs, title="“")
        for q in quotes:
            assert 0 <= q.start <= q.end <= len(paragraphs[q.paragraph])


def test_long_paragraphs_stay_fast() -> None:
    big = ("Anna Holt said: “We will build it, and we will pay for it.” " * 1700)[:100_000]
    marks = '“ab” ‘c’ "d" ' * 8000
    began = time.perf_counter()
    quotes = extract_quotes([big, marks[:100_000]])
    assert time.perf_counter() - began < 5.0
    assert quotes and all(q.end <= len([big, marks][q.paragraph]) for q in quotes)


_ALPHABET = st.sampled_from(
    list("abcXYZ .,;:!?-—()")
    + list("\"'“”‘’«»„")
    + ["é", "\u0301", "\u0308", "😀", "🇺🇦", "ש", "ل", "\u200f", "<", "&", "\n", "  "]
    + ["said", "Holt", "the", "he", " told ", "according to", "so-called"]
)
_PARAGRAPH = st.lists(_ALPHABET, max_size=80).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PARAGRAPH, max_size=6), st.one_of(st.none(), _PARAGRAPH))
def test_never_raises_and_spans_stay_inside(paragraphs: list[str], title: str | None) -> None:
    quotes = extract_quotes(paragraphs, title=title)
    for q in quotes:
        assert 0 <= q.paragraph < len(paragraphs)
        paragraph = paragraphs[q.paragraph]
        assert 0 <= q.start < q.end <= len(paragraph)
        assert q.text.startswith(paragraph[q.start : q.end])
        assert q.text.strip() == q.text and q.text
        if q.text != paragraph[q.start : q.end]:
            # Only a quote running on into later paragraphs is longer than its first span.
            assert len(q.text) > q.end - q.start and q.paragraph + 1 < len(paragraphs)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(
                codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs", "Cf", "Co"]
            ),
            max_size=60,
        ),
        max_size=5,
    )
)
def test_never_raises_on_any_unicode(paragraphs: list[str]) -> None:
    for q in extract_quotes(paragraphs):
        assert paragraphs[q.paragraph][q.start : q.end] and q.end <= len(paragraphs[q.paragraph])


def test_the_people_come_with_the_quotes_from_one_analysis() -> None:
    paragraphs = [
        "Foreign Minister Anna Holt said on Monday that talks would resume.",
        "“We will not accept a deal that Viktor Marsh wrote,” Holt told reporters.",
    ]
    quotes, people = quotes_and_people(paragraphs)
    assert [q.speaker for q in quotes] == ["Anna Holt"]
    assert [p.name for p in people] == ["Anna Holt"]  # named only inside a quote: not an actor
    assert quotes == extract_quotes(paragraphs)
    assert quotes_and_people(["No quotes here, said nobody in particular today."])[0] == []
