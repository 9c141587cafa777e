"""event logo, favicon and host marks: resized picture sets on the series and its days

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_series") as batch:
        batch.add_column(sa.Column("brand_logo", sa.Text(), nullable=True))
        batch.add_column(sa.Column("brand_favicon", sa.Text(), nullable=True))
    with op.batch_alter_table("event_days") as batch:
        batch.add_column(sa.Column("host_mark", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_days") as batch:
        batch.drop_column("host_mark")
    with op.batch_alter_table("event_series") as batch:
        batch.drop_column("brand_favicon")
        batch.drop_column("brand_logo")
