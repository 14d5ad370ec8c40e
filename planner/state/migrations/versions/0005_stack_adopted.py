"""Stacks remember what they adopted (``iac import``) and no intent has declared since.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

A stack's apply removes what it declared before and no longer declares; what it adopted without declaring
(an alias or a firewall rule made by hand: no intent kind declares those) is not removed that way, only by
a destroy of the stack.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``stacks.adopted`` (an empty list for every stack there is)."""
    with op.batch_alter_table("stacks") as batch:
        batch.add_column(sa.Column("adopted", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                                   nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    """Drop what ``upgrade`` added."""
    with op.batch_alter_table("stacks") as batch:
        batch.drop_column("adopted")
