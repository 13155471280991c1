"""fact store

Revision ID: 0001
Revises:
Create Date: 2026-11-25 02:22:43.449150
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Key points are ranked by independent outlets, then by articles, oldest claim first.
_CLAIM_RANK: list[str | sa.TextClause] = [
    sa.text("outlet_count DESC"),
    sa.text("source_count DESC"),
    "id",
]


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("published_inferred", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rewrite_of", sa.Integer(), nullable=True),
        sa.Column("source_group", sa.String(length=220), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("relevance", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rewrite_of"],
            ["articles.id"],
            name=op.f("fk_articles_rewrite_of_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_articles_content_hash")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_articles_source_group"), ["source_group"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_articles_url"), ["url"], unique=False)
        batch_op.create_index(
            "ix_articles_newest", [sa.text("published DESC"), sa.text("id DESC")], unique=False
        )
        batch_op.create_index("ix_articles_status", ["status"], unique=False)

    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("summary_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("digest_mode", sa.String(length=10), nullable=False),
        sa.Column("date_style", sa.String(length=10), nullable=False),
        sa.Column("pages", sa.Text(), nullable=False),
        sa.Column("seen_version", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outlet_count", sa.Integer(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.Column("numbers", sa.String(length=500), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_rank", _CLAIM_RANK, unique=False)
        batch_op.create_index("ix_claims_status_rank", ["status", *_CLAIM_RANK], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("precision", sa.String(length=10), nullable=True),
        sa.Column("season", sa.String(length=10), nullable=True),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.Column("inferred", sa.Boolean(), nullable=False),
        sa.Column("sort_key", sa.Integer(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_order", ["sort_key", sa.text("source_count DESC"), "id"], unique=False
        )

    op.create_table(
        "speakers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("quote_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speakers")),
        sa.UniqueConstraint("name", name=op.f("uq_speakers_name")),
    )
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_speakers_key"), ["key"], unique=False)

    op.create_table(
        "store_state",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_state")),
    )
    op.create_table(
        "story_terms",
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("doc_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_story_terms")),
    )
    op.create_table(
        "article_terms",
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_terms_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "article_id", name=op.f("pk_article_terms")),
    )
    with op.batch_alter_table("article_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_terms_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "claim_conflicts",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_conflicts_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["claims.id"],
            name=op.f("fk_claim_conflicts_other_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "other_id", name=op.f("pk_claim_conflicts")),
    )
    op.create_table(
        "claim_sources",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("source_group", sa.String(length=220), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_claim_sources_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_sources_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", "article_id", name=op.f("pk_claim_sources")),
    )
    with op.batch_alter_table("claim_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_sources_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index("ix_claim_sources_group", ["claim_id", "source_group"], unique=False)

    op.create_table(
        "claim_terms",
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_terms_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "claim_id", name=op.f("pk_claim_terms")),
    )
    with op.batch_alter_table("claim_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_terms_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "event_sources",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_event_sources_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_sources_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "article_id", name=op.f("pk_event_sources")),
    )
    with op.batch_alter_table("event_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_sources_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "event_terms",
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_terms_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "event_id", name=op.f("pk_event_terms")),
    )
    with op.batch_alter_table("event_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_terms_event_id"), ["event_id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("first_published", sa.Date(), nullable=True),
        sa.Column("source_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_quotes_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_key"), ["key"], unique=False)
        batch_op.create_index(
            "ix_quotes_speaker_first",
            ["speaker_id", "partial", sa.text("source_count DESC"), "id"],
            unique=False,
        )

    op.create_table(
        "speaker_aliases",
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_speaker_aliases_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("speaker_id", "alias", name=op.f("pk_speaker_aliases")),
    )
    with op.batch_alter_table("speaker_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_speaker_aliases_alias"), ["alias"], unique=False)

    op.create_table(
        "quote_sources",
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_quote_sources_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_sources_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("quote_id", "article_id", name=op.f("pk_quote_sources")),
    )
    with op.batch_alter_table("quote_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quote_sources_article_id"), ["article_id"], unique=False
        )
    _create_search_index()


def downgrade() -> None:
    _drop_search_index()
    with op.batch_alter_table("quote_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_sources_article_id"))

    op.drop_table("quote_sources")
    with op.batch_alter_table("speaker_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speaker_aliases_alias"))

    op.drop_table("speaker_aliases")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_speaker_first")
        batch_op.drop_index(batch_op.f("ix_quotes_key"))

    op.drop_table("quotes")
    with op.batch_alter_table("event_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_terms_event_id"))

    op.drop_table("event_terms")
    with op.batch_alter_table("event_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_sources_article_id"))

    op.drop_table("event_sources")
    with op.batch_alter_table("claim_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_terms_claim_id"))

    op.drop_table("claim_terms")
    with op.batch_alter_table("claim_sources", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_sources_group")
        batch_op.drop_index(batch_op.f("ix_claim_sources_article_id"))

    op.drop_table("claim_sources")
    op.drop_table("claim_conflicts")
    with op.batch_alter_table("article_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_terms_article_id"))

    op.drop_table("article_terms")
    op.drop_table("story_terms")
    op.drop_table("store_state")
    with op.batch_alter_table("speakers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speakers_key"))

    op.drop_table("speakers")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_order")

    op.drop_table("events")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_updated_at"))
        batch_op.drop_index("ix_claims_status_rank")
        batch_op.drop_index("ix_claims_rank")

    op.drop_table("claims")
    op.drop_table("chats")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_status")
        batch_op.drop_index("ix_articles_newest")
        batch_op.drop_index(batch_op.f("ix_articles_url"))
        batch_op.drop_index(batch_op.f("ix_articles_source_group"))

    op.drop_table("articles")


# Full-text search over articles: FTS5 kept in step by triggers on SQLite, a GIN index on
# PostgreSQL's own text search vector there.
_SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE article_search USING fts5("
    "title, body, content='articles', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO article_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO article_search(article_search, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER articles_search_update AFTER UPDATE OF title, body ON articles BEGIN "
    "INSERT INTO article_search(article_search, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO article_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
_POSTGRES_SEARCH = [
    "CREATE INDEX ix_articles_search ON articles USING gin "
    "(to_tsvector('english', coalesce(title, '') || ' ' || body))",
]


def _create_search_index() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_SEARCH if dialect == "sqlite" else _POSTGRES_SEARCH:
        op.execute(statement)


def _drop_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS articles_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS article_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
