"""outbox leases: a claimed row names its sender and how long that sender holds it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows left "sending" by an older sender get no lease: they count as expired and are sent again,
# as a restart did before this revision.


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_by", sa.String(length=32), nullable=True))
    op.add_column("outbox", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
