"""quote shingles: find a quote's earlier wordings through an index, not a scan

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.queries import quote_shingles

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    shingles = op.create_table(
        "quote_shingles",
        sa.Column("shingle", sa.BigInteger(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_shingles_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shingle", "quote_id", name=op.f("pk_quote_shingles")),
    )
    op.create_index(op.f("ix_quote_shingles_quote_id"), "quote_shingles", ["quote_id"])
    # Quotes stored before this revision get their shingles now.
    connection = op.get_bind()
    rows: list[dict[str, object]] = []
    for quote_id, key in connection.execute(sa.text("SELECT id, key FROM quotes")):
        rows += [{"shingle": s, "quote_id": quote_id} for s in quote_shingles(key)]
        if len(rows) >= BATCH:
            op.bulk_insert(shingles, rows)
            rows = []
    if rows:
        op.bulk_insert(shingles, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_quote_shingles_quote_id"), table_name="quote_shingles")
    op.drop_table("quote_shingles")
