"""appointments: bookable slots of contact persons, bookings, daily counts

Revision ID: 0007
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("contact_person_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["booths.id"],
            name=op.f("fk_appointment_slots_booth_id_booths"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_person_id"],
            ["contact_persons.id"],
            name=op.f("fk_appointment_slots_contact_person_id_contact_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_slots")),
    )
    op.create_index(
        op.f("ix_appointment_slots_booth_id"), "appointment_slots", ["booth_id"], unique=False
    )
    op.create_index(
        op.f("ix_appointment_slots_contact_person_id"),
        "appointment_slots",
        ["contact_person_id"],
        unique=False,
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("room_key_hash", sa.String(length=64), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["booths.id"],
            name=op.f("fk_appointments_booth_id_booths"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["appointment_slots.id"],
            name=op.f("fk_appointments_slot_id_appointment_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("slot_id", name=op.f("uq_appointments_slot_id")),
    )
    op.create_index(op.f("ix_appointments_booth_id"), "appointments", ["booth_id"], unique=False)
    op.create_table(
        "booth_appointment_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["booths.id"],
            name=op.f("fk_booth_appointment_stats_booth_id_booths"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booth_appointment_stats")),
        sa.UniqueConstraint("booth_id", "day", name=op.f("uq_booth_appointment_stats_booth_id")),
    )


def downgrade() -> None:
    op.drop_table("booth_appointment_stats")
    op.drop_index(op.f("ix_appointments_booth_id"), table_name="appointments")
    op.drop_table("appointments")
    op.drop_index(op.f("ix_appointment_slots_contact_person_id"), table_name="appointment_slots")
    op.drop_index(op.f("ix_appointment_slots_booth_id"), table_name="appointment_slots")
    op.drop_table("appointment_slots")
