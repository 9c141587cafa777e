"""programme search: a programme item's documents are of kind "session", no longer "talk"

The code names the programme item "session" everywhere; the index rows written by older
versions are renamed here so search keeps finding them without a rebuild.

Revision ID: 0013_r12_fold
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_r12_fold"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE programme_search SET kind = 'session' WHERE kind = 'talk'")


def downgrade() -> None:
    op.execute("UPDATE programme_search SET kind = 'talk' WHERE kind = 'session'")
