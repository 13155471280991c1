"""read indexes: conflicts found from either claim, a stored search vector on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The vector is computed once when an article is written, so ranking a candidate reads it
# instead of parsing the article again; the GIN index moves from the expression to the column.
_VECTOR = "to_tsvector('english', coalesce(title, '') || ' ' || body)"


def upgrade() -> None:
    op.create_index("ix_claim_conflicts_other_id", "claim_conflicts", ["other_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE articles ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
        op.execute("DROP INDEX IF EXISTS ix_articles_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({_VECTOR})")
        op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    op.drop_index("ix_claim_conflicts_other_id", table_name="claim_conflicts")
