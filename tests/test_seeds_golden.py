"""Golden tests: what a careful reader finds in the five seed articles, through the pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import Services, open_services
from bot.config import Settings
from bot.export import export_store
from bot.pipeline.text import fold
from tests.conftest import SEEDS, ingest_all


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[tuple[Services, dict[str, Any]]]:
    async with open_services(settings) as services:
        await ingest_all(services, str(SEEDS))
        async with services.sessions() as session:
            yield services, await export_store(session)


def quotes_containing(export: dict[str, Any], fragment: str) -> list[dict[str, Any]]:
    key = fold(fragment)
    return [q for q in export["quotes"] if key in fold(q["text"])]


def article_id(export: dict[str, Any], number: str) -> int:
    """Seed files are ingested in name order, so the nth file is the nth article."""
    return sorted(a["id"] for a in export["articles"])[int(number)]


def speaker_of(export: dict[str, Any], fragment: str) -> str:
    found = quotes_containing(export, fragment)
    assert found, f"no quote contains {fragment!r}"
    return str(found[0]["speaker"])


async def test_every_seed_is_stored(seeded: tuple[Services, dict[str, Any]]) -> None:
    _, export = seeded
    assert len(export["articles"]) == 5


@pytest.mark.parametrize(
    "fragment",
    [
        "Ukraine has been and remains at the centre of our security thoughts",
        "Your security is our security. Your peace is our peace. And it must be lasting.",
        "Getting to an agreement to end this terrible war will require difficult choices",
        "I can say that several European countries have stated their willingness to provide troops",
        "crazy",
        "chaos",
        "to play ball",
        "really bad signal",
    ],
)
async def test_quotes_of_the_secretary_general(
    seeded: tuple[Services, dict[str, Any]], fragment: str
) -> None:
    _, export = seeded
    assert speaker_of(export, fragment) == "Mark Rutte"


async def test_one_quote_told_by_two_articles_has_both_sources(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    found = quotes_containing(
        export, "As soon as a peace deal is signed, there will instantly appear armed forces"
    )
    assert len(found) == 1
    assert found[0]["speaker"] == "Mark Rutte"
    assert set(found[0]["sources"]) == {article_id(export, "000"), article_id(export, "002")}


async def test_partial_quotes_are_marked_partial(seeded: tuple[Services, dict[str, Any]]) -> None:
    _, export = seeded
    lavrov = quotes_containing(export, "foreign military intervention on some part of Ukrainian")
    assert lavrov and lavrov[0]["partial"] is True
    assert lavrov[0]["speaker"] == "Sergey Lavrov"
    crazy = [q for q in export["quotes"] if fold(q["text"]) == "crazy"]
    assert crazy and crazy[0]["partial"] is True


async def test_president_quote_and_one_name_per_person(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    speaker = speaker_of(export, "Taking advantage of the coldest days of winter to terrorize")
    assert fold(speaker).endswith("zelenskyy")
    speakers = {q["speaker"] for q in export["quotes"]}
    assert not {"Rutte", "Zelenskyy", "Lavrov"} & speakers


@pytest.mark.parametrize(
    "phrase",
    [
        "coalition of the willing",
        "Reliable Security Assurances for a Lasting and Durable Peace in Ukraine",
    ],
)
async def test_terms_and_titles_are_nobodys_words(
    seeded: tuple[Services, dict[str, Any]], phrase: str
) -> None:
    _, export = seeded
    assert not [q for q in export["quotes"] if fold(q["text"]) == fold(phrase)]


def events_matching(export: dict[str, Any], *words: str) -> list[dict[str, Any]]:
    return [e for e in export["events"] if all(w in e["text"].lower() for w in words)]


@pytest.mark.parametrize(
    ("words", "date", "precision"),
    [
        (("parliament",), "2026-02-03", "day"),
        (("drone", "attack"), "2026-02-02", "day"),
        (("abu dhabi",), "2026-02-04", "day"),
        (("invasion",), "2022-02", "month"),
        (("crimea",), "2014", "year"),
        (("coalition",), "2025", "season"),
    ],
)
async def test_dated_events(
    seeded: tuple[Services, dict[str, Any]], words: tuple[str, ...], date: str, precision: str
) -> None:
    _, export = seeded
    dated = [e for e in events_matching(export, *words) if e["date"] == date]
    assert dated, f"no event {words} on {date}: {events_matching(export, *words)}"
    assert dated[0]["precision"] == precision


async def test_the_drone_attack_is_one_event_with_several_sources(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    attack = [e for e in events_matching(export, "drone") if e["date"] == "2026-02-02"]
    assert len(attack) == 1
    assert len(attack[0]["sources"]) >= 2


async def test_the_declaration_signing_stays_undated(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    signing = events_matching(export, "paris declaration")
    assert signing
    assert all(e["date"] is None for e in signing)


async def test_blank_dates_never_become_today(seeded: tuple[Services, dict[str, Any]]) -> None:
    _, export = seeded
    dates = {e["date"] for e in export["events"]} | {a["published"] for a in export["articles"]}
    assert not {d for d in dates if d and d.startswith("2026-11")}


async def test_undated_article_borrows_a_date_only_from_a_corroborating_one(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    first = next(a for a in export["articles"] if a["id"] == article_id(export, "000"))
    assert first["published"] == "2026-02-03"
    assert first["published_inferred"] is True
    dated = next(a for a in export["articles"] if a["id"] == article_id(export, "002"))
    assert dated["published"] == "2026-02-03" and dated["published_inferred"] is False


async def test_rewrites_of_one_interview_are_one_voice(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    by_id = {a["id"]: a for a in export["articles"]}
    first, third = by_id[article_id(export, "001")], by_id[article_id(export, "003")]
    assert third["status"] == "rewrite"
    assert first["source_group"] == third["source_group"]


async def test_claims_are_counted_by_independent_outlets(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    statuses = {c["status"] for c in export["claims"]}
    assert {"corroborated", "single-source", "disputed"} <= statuses
    briefing = [c for c in export["claims"] if "highly confidential briefing" in c["text"]]
    assert briefing and briefing[0]["status"] == "single-source"
    missiles = [c for c in export["claims"] if "75%" in c["text"]]
    assert missiles and missiles[0]["status"] == "corroborated"


async def test_deploy_on_signing_and_deploy_on_breach_are_disputed(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    _, export = seeded
    disputed = [c for c in export["claims"] if c["status"] == "disputed"]
    assert any("breach" in c["text"] for c in disputed)
    assert any("instantly" in c["text"] or "signed" in c["text"] for c in disputed)


async def test_ingesting_the_seeds_again_changes_nothing(
    seeded: tuple[Services, dict[str, Any]],
) -> None:
    services, export = seeded
    lines = await ingest_all(services, str(SEEDS))
    assert all(line.startswith("duplicate of") for line in lines)
    async with services.sessions() as session:
        assert await export_store(session) == export
