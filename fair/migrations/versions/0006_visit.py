"""a fair people want to visit: lead notifications, withdrawal links, legal pages

``contact_requests`` get the hash of the withdrawal token mailed to the visitor, the
moment an exhibitor first saw the request (unread badge) and the visitor's language.
``users`` get how an exhibitor wants to hear about new requests. ``legal_pages`` hold
the organisers' Impressum, privacy statement and accessibility statement per language;
``booths.image_sets`` describes resized logo and cover; ``event_series`` gets a short
brand name and an accent colour; ``booth_chat_seen`` holds when a team member last
looked at their booth's chat (unread badge); ``chat_messages.team`` marks messages
of a booth's team, set from the account (a typed name cannot earn it).

Revision ID: 0006
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_requests") as batch:
        batch.add_column(sa.Column("withdraw_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("language", sa.String(5), nullable=False, server_default="de"))
        batch.create_index("ix_contact_requests_withdraw_token_hash", ["withdraw_token_hash"])
    with op.batch_alter_table("booths") as batch:
        batch.add_column(sa.Column("image_sets", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("team", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("event_series") as batch:
        batch.add_column(sa.Column("brand_name", sa.String(60), nullable=True))
        batch.add_column(sa.Column("accent_colour", sa.String(7), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("lead_mail", sa.String(10), nullable=False, server_default="each")
        )
        batch.add_column(sa.Column("digest_sent_at", sa.DateTime(), nullable=True))
    op.create_table(
        "booth_chat_seen",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("booth_id", sa.Integer(), sa.ForeignKey("booths.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )  # fmt: skip
    op.create_table(
        "legal_pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("slug", "language"),
    )


def downgrade() -> None:
    op.drop_table("legal_pages")
    op.drop_table("booth_chat_seen")
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_column("team")
    with op.batch_alter_table("event_series") as batch:
        batch.drop_column("accent_colour")
        batch.drop_column("brand_name")
    with op.batch_alter_table("booths") as batch:
        batch.drop_column("image_sets")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest_sent_at")
        batch.drop_column("lead_mail")
    with op.batch_alter_table("contact_requests") as batch:
        batch.drop_index("ix_contact_requests_withdraw_token_hash")
        batch.drop_column("language")
        batch.drop_column("read_at")
        batch.drop_column("withdraw_token_hash")
