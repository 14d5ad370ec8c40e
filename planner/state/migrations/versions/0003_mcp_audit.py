"""The MCP server's audit log: every call that changes anything, who made it, and how it ended.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Written by hand, like 0001 and 0002.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``mcp_audit``."""
    op.create_table(
        "mcp_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("principal", sa.String(255), nullable=False),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("arguments", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("deployment_id", sa.String(36), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mcp_audit"),
    )
    op.create_index("ix_mcp_audit_at", "mcp_audit", ["at"])


def downgrade() -> None:
    """Drop what ``upgrade`` added."""
    op.drop_index("ix_mcp_audit_at", table_name="mcp_audit")
    op.drop_table("mcp_audit")
