"""search by recency: on PostgreSQL the newest matches of a search come from one index scan

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A search looks for its candidates among the newest articles first. With the vector alone
# in the index, the scan hands over every article that holds the words before the window of
# the newest is applied, so its cost grows with the store; with the id beside the vector
# (btree_gin, a contrib extension PostgreSQL marks trusted), the window is part of the scan.
# The vector's own index stays for searches that need every match (rare words). Where the
# extension is not installed the search still works, from the vector's index alone.


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gin'")
    ).first()
    if available is None:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("CREATE INDEX ix_articles_search_recent ON articles USING gin (search_vector, id)")


def downgrade() -> None:
    # The extension stays: other tables may use it, and it costs nothing unused.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search_recent")
