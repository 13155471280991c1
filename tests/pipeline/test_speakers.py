from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pipeline.speakers import Person, find_people, match_name, speaker_key

CANDIDATES = [
    ("Mark Rutte", ["Rutte", "the NATO chief", "the secretary-general"]),
    ("Volodymyr Zelenskyy", ["Zelenskyy"]),
    ("Sergey Lavrov", ["Lavrov"]),
    ("Russia's Defense Ministry", []),
]


def best(query: str) -> str | None:
    found = match_name(query, CANDIDATES)
    return found[0][0] if found else None


def test_speaker_key_folds_transliterations_and_forms() -> None:
    keys = {speaker_key(n) for n in ("Zelenskyy", "Zelensky", "Zelenskiy", "Volodymyr Zelenskyy")}
    assert len(keys) == 1
    assert speaker_key("Mark Rutte") == speaker_key("Rutte") == speaker_key("rutte")
    assert speaker_key("Rutte’s") == speaker_key("Rutte")
    assert speaker_key("Mr. Rutte") == speaker_key("Rutte")
    assert speaker_key("Mark Rutte") != speaker_key("Sergey Lavrov")
    # Organisations keep their whole name: one ministry is not another.
    assert speaker_key("Defense Ministry") != speaker_key("Foreign Ministry")
    assert speaker_key("") == ""


def test_match_name_surname_typo_transliteration_descriptor() -> None:
    assert best("rutte") == "Mark Rutte"
    assert best("ruttee") == "Mark Rutte"
    assert best("Zelensky") == "Volodymyr Zelenskyy"
    assert best("Zelenskiy") == "Volodymyr Zelenskyy"
    assert best("Volodymyr Zelensky") == "Volodymyr Zelenskyy"
    assert best("the nato chief") == "Mark Rutte"
    assert best("the Secretary-General") == "Mark Rutte"
    assert best("defense ministry") == "Russia's Defense Ministry"


def test_match_name_rejects_other_people_and_sorts_best_first() -> None:
    assert match_name("Putin", CANDIDATES) == []
    assert match_name("", CANDIDATES) == []
    assert match_name("the president", CANDIDATES) == []
    found = match_name("Rutte", [("Mark Rutte", []), ("Mark Rutter", [])], cutoff=50)
    assert [name for name, _ in found] == ["Mark Rutte", "Mark Rutter"]
    assert found[0][1] == 100 and 0 <= found[1][1] < 100


def test_match_name_full_names_compare_first_names_too() -> None:
    assert match_name("Marta Holt", [("Anna Holt", ["Holt"])]) == []
    assert match_name("A. Holt", [("Anna Holt", [])])[0][0] == "Anna Holt"
    assert match_name("Holt", [("Anna Holt", [])])[0][1] == 100


def test_match_name_cutoff() -> None:
    assert match_name("Rutta", CANDIDATES, cutoff=95) == []
    assert match_name("Rutta", CANDIDATES, cutoff=75)[0][0] == "Mark Rutte"


def test_find_people_roles_aliases_and_descriptors() -> None:
    paragraphs = [
        "Alliance Secretary General Tomas Brandt visited the capital on Monday.",
        "Brandt said the alliance would stay. The alliance chief also met Finance Minister"
        " Mira Kovac.",
        "Kremlin spokesman Ivan Orlov said nothing had changed.",
        "The secretary-general warned against delays, and Kovac told reporters she agreed.",
    ]
    people = {p.name: p for p in find_people(paragraphs)}
    brandt = people["Tomas Brandt"]
    assert brandt.role == "Alliance Secretary General"
    assert "Brandt" in brandt.aliases
    assert any(a.lower() == "the secretary-general" for a in brandt.aliases)
    assert any(a.lower() == "the alliance chief" for a in brandt.aliases)
    assert people["Mira Kovac"].role == "Finance Minister"
    assert people["Ivan Orlov"].role == "Kremlin spokesman"
    assert "Brandt" not in people and "Kovac" not in people


def test_find_people_needs_a_role_or_a_speech_verb() -> None:
    paragraphs = [
        "Ships from Rotterdam and Hamburg crossed the North Sea.",
        "Anna Holt, the port's director, said the quay was ready.",
        "Pieter Vos told reporters the cranes worked.",
    ]
    names = [p.name for p in find_people(paragraphs)]
    assert names == ["Anna Holt", "Pieter Vos"]
    holt = next(p for p in find_people(paragraphs) if p.name == "Anna Holt")
    assert holt.role == "port's director"


def test_find_people_merges_transliterations_and_keeps_the_fullest_form() -> None:
    paragraphs = [
        "Zelensky said the talks went well.",
        "Ukrainian President Volodymyr Zelenskyy said more help was needed.",
        "Zelenskiy added that he would travel.",
    ]
    (person,) = find_people(paragraphs)
    assert person == Person("Volodymyr Zelenskyy", "Ukrainian President", ("Zelensky", "Zelenskiy"))


def test_find_people_keeps_people_with_one_surname_apart() -> None:
    paragraphs = [
        "Senator Anna Holt said the bill would pass.",
        "Governor Marta Holt said it would not.",
    ]
    assert sorted(p.name for p in find_people(paragraphs)) == ["Anna Holt", "Marta Holt"]


def test_find_people_finds_organisations() -> None:
    paragraphs = [
        "Meanwhile Dagblad, citing sources, reported that the talks had stalled.",
        "Finland's Defense Ministry said its pilots were safe.",
        "Officials said little.",
    ]
    names = [p.name for p in find_people(paragraphs)]
    assert names == ["Dagblad", "Finland's Defense Ministry"]


def test_find_people_on_empty_and_odd_input() -> None:
    assert find_people([]) == []
    assert find_people(["", "   ", "“”", "A B C D E F G said."]) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=5), st.text(max_size=30))
def test_speakers_never_raise(paragraphs: list[str], query: str) -> None:
    people = find_people(paragraphs)
    speaker_key(query)
    found = match_name(query, [(p.name, p.aliases) for p in people])
    assert all(0 <= score <= 100 for _, score in found)
