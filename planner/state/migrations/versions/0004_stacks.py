"""Stacks: which intent file (stack) declares which resources, and what it declared.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Written by hand, like the others. Resources recorded before this revision belong to no stack: no stack's
apply deletes them, and the first stack that declares one again owns it from then on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``stacks``."""
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "stacks",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("intents", json, nullable=False),
        sa.Column("addresses", json, nullable=False),
        sa.Column("deployment_id", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployments.id"], name="fk_stacks_deployment_id_deployments"),
        sa.PrimaryKeyConstraint("name", name="pk_stacks"),
    )


def downgrade() -> None:
    """Drop what ``upgrade`` added."""
    op.drop_table("stacks")
