"""booth full-text search index

SQLite: an FTS5 table holding pre-stemmed text (FTS5 has no German stemmer, see
:mod:`fair.search`). PostgreSQL: a tsvector per booth built with the 'german' config and
a GIN index. Both are filled by the app (``fair.search``), never by triggers, so the
document (booth, materials, contact persons) is assembled in one place.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("booths",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE booth_search USING fts5("
            "booth_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE booth_search ("
            "booth_id INTEGER PRIMARY KEY REFERENCES booths(id) ON DELETE CASCADE, "
            "document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_booth_search_document ON booth_search USING GIN (document)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS booth_search")
