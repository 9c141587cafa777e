"""programme_sessions.source_ref: an imported event's identity as its schedule gave it

frab files of older versions and other tools write guids that are not UUIDs; the import
keeps that value here and derives the UUID in ``guid`` from it (see
:mod:`sessions.schedule_records`).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programme_sessions") as batch:
        batch.add_column(sa.Column("source_ref", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_sessions") as batch:
        batch.drop_column("source_ref")
