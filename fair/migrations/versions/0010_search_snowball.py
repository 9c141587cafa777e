"""search: empty both search indexes so start-up rebuilds them with Snowball stems

The SQLite indexes held CISTEM stems, which Snowball-stemmed queries no longer match;
the start-up hooks (``ensure_index``, ``ensure_programme_index``) refill an empty index.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM booth_search")
    op.execute("DELETE FROM programme_search")


def downgrade() -> None:
    op.execute("DELETE FROM booth_search")
    op.execute("DELETE FROM programme_search")
