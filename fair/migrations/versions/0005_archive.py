"""the fair after the event: recording chapters, captions with cues, posters, opt-out

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_series") as batch_op:
        batch_op.add_column(sa.Column("archive_mode", sa.Boolean(), nullable=True))
    with op.batch_alter_table("programme_sessions") as batch_op:
        batch_op.add_column(
            sa.Column("recording_opt_out", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.add_column(
            sa.Column("poster_key", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("downloadable", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="live")
        )
        batch_op.add_column(sa.Column("views", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "recording_chapters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_recording_chapters_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["programme_sessions.id"],
            name=op.f("fk_recording_chapters_session_id_programme_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_chapters")),
    )
    op.create_index(
        op.f("ix_recording_chapters_recording_id"), "recording_chapters", ["recording_id"]
    )
    op.create_index(op.f("ix_recording_chapters_session_id"), "recording_chapters", ["session_id"])
    op.create_table(
        "recording_captions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("vtt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_recording_captions_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_captions")),
        sa.UniqueConstraint(
            "recording_id", "language", name=op.f("uq_recording_captions_recording_id")
        ),
    )
    op.create_index(
        op.f("ix_recording_captions_recording_id"), "recording_captions", ["recording_id"]
    )
    op.create_table(
        "recording_caption_cues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caption_id", sa.Integer(), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["caption_id"],
            ["recording_captions.id"],
            name=op.f("fk_recording_caption_cues_caption_id_recording_captions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_caption_cues")),
    )
    op.create_index(
        op.f("ix_recording_caption_cues_caption_id"), "recording_caption_cues", ["caption_id"]
    )
    # One index for talks, speakers and what is said in recordings (sessions.search);
    # filled by the app, like booth_search.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE programme_search USING fts5(kind UNINDEXED, ref_id UNINDEXED,"
            " seconds UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "CREATE TABLE programme_search (id SERIAL PRIMARY KEY, kind VARCHAR(20) NOT NULL,"
            " ref_id INTEGER NOT NULL, seconds DOUBLE PRECISION NOT NULL DEFAULT 0,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_programme_search_document ON programme_search USING GIN (document)"
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS programme_search")
    op.drop_table("recording_caption_cues")
    op.drop_table("recording_captions")
    op.drop_table("recording_chapters")
    with op.batch_alter_table("recordings") as batch_op:
        for column in ("views", "source", "downloadable", "poster_key"):
            batch_op.drop_column(column)
    with op.batch_alter_table("programme_sessions") as batch_op:
        batch_op.drop_column("recording_opt_out")
    with op.batch_alter_table("event_series") as batch_op:
        batch_op.drop_column("archive_mode")
