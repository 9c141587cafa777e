"""recordings keep their HLS playlist beside the downloadable MP4

``recordings.storage_key`` stays the playable MP4 (faststart, H.264 + AAC);
``playlist_key`` names the HLS media playlist (VOD, CMAF segments) written while the talk
was live, so the library can stream the same segments.

Revision ID: 0004
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("playlist_key", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("playlist_key")
