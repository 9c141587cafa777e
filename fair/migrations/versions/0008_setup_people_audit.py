"""first start, series details, people, drafts and the audit trail

New tables ``account_tokens`` (one-time setup and password-reset links) and
``audit_entries`` (who changed what in the programme and the hall). New columns are all
additive with server defaults, so existing rows stay valid: series dates, language and
opening hours; an organisation's region and logo; invitations that can be revoked and that link
a speaker; ``published`` on sessions and booths (existing rows stay published).

Revision ID: 0008
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
    with op.batch_alter_table("event_series") as batch_op:
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("default_language", sa.String(length=2), nullable=False, server_default="de")
        )
        batch_op.add_column(
            sa.Column("opening_hours", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(
            sa.Column("region", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("logo_key", sa.String(length=300), nullable=True))
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("speaker_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_speaker_id_speakers"),
            "speakers",
            ["speaker_id"],
            ["id"],
            ondelete="SET NULL",
        )
    for table in ("programme_sessions", "booths"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.true())
            )


def downgrade() -> None:
    for table in ("booths", "programme_sessions"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("published")
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_speaker_id_speakers"), type_="foreignkey"
        )
        batch_op.drop_column("speaker_id")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("logo_key")
        batch_op.drop_column("region")
    with op.batch_alter_table("event_series") as batch_op:
        batch_op.drop_column("opening_hours")
        batch_op.drop_column("default_language")
        batch_op.drop_column("ends_on")
        batch_op.drop_column("starts_on")
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))
    op.drop_table("audit_entries")
    op.drop_table("account_tokens")
