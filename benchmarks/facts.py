"""A synthetic fact store written straight into the tables with core inserts.

Running 10,000 articles through the pipeline takes a long while; the briefing services only
read the tables it fills, so for measuring them (and for tests that need many pages) the facts
are made up directly: articles from many outlets, speakers with aliases, quotes repeated across
outlets, claims that gather sources unevenly (a few strongly corroborated, many single-source,
some disputed), and events with every date precision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.corpus import NAMES, OUTLETS, seed_sentences
from bot.ingest import event_date_columns
from bot.pipeline.dates import FuzzyDate, Precision
from bot.pipeline.text import fold
from store import queries
from store.models import (
    Article,
    Claim,
    ClaimConflict,
    ClaimSource,
    Event,
    EventSource,
    Quote,
    QuoteSource,
    Speaker,
    SpeakerAlias,
)

ROLES = ["Foreign Minister", "Defence Minister", "President", "Prime Minister", "Envoy"]
REGIONS = ["Northland", "Eastmark", "Southvale", "Westholm", "Midreach", "Lowfield", "Highcrest"]
CHUNK = 500


async def fill_store(
    sessions: async_sessionmaker[AsyncSession],
    articles: int,
    *,
    seed: int = 11,
    body_size: int = 1500,
) -> dict[str, int]:
    """Add `articles` synthetic articles and their facts; returns how many rows of each."""
    rng = random.Random(seed)
    pool = seed_sentences() or ["A synthetic sentence about the story, long enough to count."]
    start = dt.date(2025, 6, 1)
    async with sessions() as session:
        first_id = (await session.scalar(select(func.max(Article.id))) or 0) + 1
    article_rows: list[dict[str, Any]] = []
    for offset in range(articles):
        index = first_id + offset
        body = _body(rng, pool, body_size)
        outlet = rng.choice(OUTLETS)
        article_rows.append(
            {
                "id": index,
                "url": f"https://example.org/synthetic/{index}",
                "outlet": outlet,
                "title": f"Synthetic report {index}: {rng.choice(pool)[:80]}",
                "published": start + dt.timedelta(days=offset % 240),
                "published_inferred": False,
                "status": "original",
                "source_group": outlet,
                "content_hash": hashlib.sha256(f"{seed}:{index}:{body}".encode()).hexdigest(),
                "relevance": 1.0,
                "body": body,
                "word_count": len(body.split()),
                "ingested_at": dt.datetime.now(dt.UTC),
            }
        )
    speakers = _speakers(rng, max(3, min(64, articles // 40 + 3)))
    quotes: list[dict[str, Any]] = []
    quote_sources: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    claim_sources: list[dict[str, Any]] = []
    claim_groups: list[set[str]] = []
    events: list[dict[str, Any]] = []
    event_sources: list[dict[str, Any]] = []
    now = dt.datetime.now(dt.UTC)
    for article in article_rows:
        aid, group = article["id"], article["source_group"]
        for _ in range(2):
            if quotes and rng.random() < 0.3:
                quote = quotes[_popular(rng, len(quotes))]
                if not any(q["article_id"] == aid for q in quote["_sources"]):
                    quote["_sources"].append({"quote_id": quote["id"], "article_id": aid})
                continue
            speaker = speakers[_popular(rng, len(speakers))]
            text = rng.choice(pool)
            quote = {
                "id": len(quotes) + 1,
                "speaker_id": speaker["id"],
                "text": text,
                "key": fold(text)[:300],
                "partial": rng.random() < 0.2,
                "first_published": article["published"],
                "source_count": 0,
                "_sources": [{"quote_id": len(quotes) + 1, "article_id": aid}],
            }
            quotes.append(quote)
        linked: set[int] = set()
        for _ in range(4):
            if claims and rng.random() < 0.55:
                position = _popular(rng, len(claims))
            else:
                claims.append(
                    {
                        "id": len(claims) + 1,
                        "text": rng.choice(pool),
                        "numbers": "",
                        "disputed": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                claim_groups.append(set())
                position = len(claims) - 1
            if position in linked:
                continue
            linked.add(position)
            claim_groups[position].add(group)
            claim_sources.append(
                {
                    "claim_id": position + 1,
                    "article_id": aid,
                    "sentence": claims[position]["text"],
                    "source_group": group,
                }
            )
        for _ in range(rng.choice((1, 1, 2))):
            if events and rng.random() < 0.4:
                event = events[_popular(rng, len(events))]
                if aid not in event["_articles"]:
                    event["_articles"].add(aid)
                    event_sources.append(
                        {
                            "event_id": event["id"],
                            "article_id": aid,
                            "evidence": event["text"],
                            "date": event["date"],
                        }
                    )
                continue
            event = {
                "id": len(events) + 1,
                "text": rng.choice(pool),
                "inferred": False,
                "disputed": rng.random() < 0.05,
                "_articles": {aid},
                **event_date_columns(_fuzzy_date(rng, article["published"])),
            }
            events.append(event)
            event_sources.append(
                {
                    "event_id": event["id"],
                    "article_id": aid,
                    "evidence": event["text"],
                    "date": event["date"],
                }
            )
    for quote in quotes:
        quote_sources += quote.pop("_sources")
    per_quote = Counter(s["quote_id"] for s in quote_sources)
    for quote in quotes:
        quote["source_count"] = per_quote[quote["id"]]
    counts = Counter(row["claim_id"] for row in claim_sources)
    conflicts: list[dict[str, Any]] = []
    for position, claim in enumerate(claims):
        outlets = len(claim_groups[position])
        claim["outlet_count"], claim["source_count"] = outlets, counts.get(claim["id"], 0)
        if position and rng.random() < 0.02:
            claim["disputed"] = claims[position - 1]["disputed"] = True
            conflicts.append(
                {"claim_id": position, "other_id": position + 1, "reason": "the figures differ"}
            )
    for claim in claims:
        claim["status"] = (
            "disputed"
            if claim["disputed"]
            else "corroborated"
            if claim["outlet_count"] >= 2
            else "single-source"
        )
    for event in events:
        event["source_count"] = len(event.pop("_articles"))
    per_speaker = Counter(q["speaker_id"] for q in quotes)
    for speaker in speakers:
        speaker["quote_count"] = per_speaker[speaker["id"]]
    aliases = [a for s in speakers for a in s.pop("_aliases")]
    async with sessions.begin() as session:
        await _offset_ids(
            session,
            quotes,
            claims,
            events,
            speakers,
            quote_sources,
            claim_sources,
            conflicts,
            event_sources,
            aliases,
        )
        for table, rows in (
            (Article, article_rows),
            (Speaker, speakers),
            (SpeakerAlias, aliases),
            (Quote, quotes),
            (QuoteSource, quote_sources),
            (Claim, claims),
            (ClaimSource, claim_sources),
            (ClaimConflict, conflicts),
            (Event, events),
            (EventSource, event_sources),
        ):
            await _insert(session, table, rows)
        await queries.start_kept_counts(await session.connection(), recount=True)
        await queries.bump_picture_version(session)
    return {
        "articles": len(article_rows),
        "speakers": len(speakers),
        "quotes": len(quotes),
        "claims": len(claims),
        "claim_sources": len(claim_sources),
        "events": len(events),
    }


async def _offset_ids(session: AsyncSession, *tables: list[dict[str, Any]]) -> None:
    """Shift the new rows' ids past those already stored (a fill on top of ingested seeds)."""
    starts = {
        "quote": await session.scalar(select(func.max(Quote.id))) or 0,
        "claim": await session.scalar(select(func.max(Claim.id))) or 0,
        "event": await session.scalar(select(func.max(Event.id))) or 0,
        "speaker": await session.scalar(select(func.max(Speaker.id))) or 0,
    }
    keys = {
        "quote_id": "quote",
        "claim_id": "claim",
        "other_id": "claim",
        "event_id": "event",
        "speaker_id": "speaker",
    }
    quotes, claims, events, speakers, *links = tables
    for kind, rows in (
        ("quote", quotes),
        ("claim", claims),
        ("event", events),
        ("speaker", speakers),
    ):
        for row in rows:
            row["id"] += starts[kind]
    for rows in (quotes, *links):
        for row in rows:
            for key, kind in keys.items():
                if key in row:
                    row[key] += starts[kind]


async def _insert(
    session: AsyncSession, table: type[object], rows: Sequence[dict[str, Any]]
) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), list(rows[start : start + CHUNK]))  # type: ignore[arg-type]


def _speakers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for index in range(count):
        block, first = divmod(index, len(NAMES))
        last = NAMES[(block + first + 1) % len(NAMES)] + ("son" if block >= len(NAMES) // 2 else "")
        name = f"{NAMES[first]} {last}"
        role = f"{rng.choice(ROLES)} of {REGIONS[index % len(REGIONS)]}"
        aliases = {fold(name), fold(name.split()[-1]), fold(f"the {role}")}
        found.append(
            {
                "id": index + 1,
                "name": name,
                "key": fold(name),
                "role": role,
                "quote_count": 0,
                "_aliases": [{"speaker_id": index + 1, "alias": a} for a in aliases],
            }
        )
    return found


def _popular(rng: random.Random, size: int) -> int:
    """An index weighted towards the start: a few items get most of the attention."""
    return min(size - 1, int(size * rng.random() ** 3))


def _body(rng: random.Random, pool: list[str], size: int) -> str:
    sentences: list[str] = []
    while sum(len(s) + 1 for s in sentences) < size:
        sentences.append(rng.choice(pool))
    return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))


def _fuzzy_date(rng: random.Random, published: dt.date) -> FuzzyDate | None:
    kind = rng.random()
    if kind < 0.1:
        return None
    if kind < 0.6:
        day = published - dt.timedelta(days=rng.randrange(0, 30))
        return FuzzyDate.of_day(day, approximate=rng.random() < 0.1)
    if kind < 0.8:
        return FuzzyDate(published.year, published.month, precision=Precision.MONTH)
    if kind < 0.9:
        season = rng.choice(("spring", "summer", "autumn", "winter"))
        return FuzzyDate(published.year - 1, season=season, precision=Precision.SEASON)
    return FuzzyDate(published.year - rng.randrange(1, 12), precision=Precision.YEAR)
