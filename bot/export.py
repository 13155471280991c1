"""The whole fact store as one JSON document, for analysts and for checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from store import queries


async def export_store(session: AsyncSession) -> dict[str, Any]:
    articles = await queries.list_articles(session)
    quotes = await queries.all_quotes(session)
    events, _ = await queries.timeline_page(session, 0, 1_000_000)
    claims = await queries.all_claims(session)
    claim_articles = await queries.claim_article_ids(session)
    conflicts = await queries.claim_conflicts(session, [c.id for c in claims])
    return {
        "articles": [
            {
                "id": a.id,
                "title": a.title,
                "outlet": a.outlet,
                "url": a.url,
                "published": a.published.isoformat() if a.published else None,
                "published_inferred": a.published_inferred,
                "status": a.status,
                "source_group": a.source_group,
            }
            for a in articles
        ],
        "quotes": [
            {
                "speaker": speaker,
                "text": q.text,
                "partial": q.partial,
                "sources": [s.article_id for s in q.sources],
            }
            for speaker, q in quotes
        ],
        "events": [
            {
                "date": e.date,
                "precision": e.precision,
                "season": e.season,
                "approximate": e.approximate,
                "inferred": e.inferred,
                "text": e.text,
                "sources": e.article_ids,
            }
            for e in events
        ],
        "claims": [
            {
                "text": c.text,
                "sources": claim_articles.get(c.id, []),
                "outlets": c.outlet_count,
                "status": c.status,
                "conflicts": conflicts.get(c.id, []),
            }
            for c in claims
        ],
    }
