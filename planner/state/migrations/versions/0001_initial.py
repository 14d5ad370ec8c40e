"""The state schema: deployments, resources, events and resource versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written by hand to match ``planner/state/models.py`` as of this revision; later revisions must not edit
this file but add their own. Types are spelled out here (not imported from the models) so the migration
keeps creating what it created when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _bigint_pk() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the four state tables and their indexes."""
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("intent", _json(), nullable=False),
        sa.Column("plan", _json(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", _json(), nullable=False),
        sa.Column("rollback_data", _json(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("started_at", _timestamp(), nullable=True),
        sa.Column("finished_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
    )
    op.create_index("ix_deployments_created_at", "deployments", ["created_at"])

    op.create_table(
        "infrastructure_resources",
        sa.Column("id", _bigint_pk(), autoincrement=True, nullable=False),
        sa.Column("address", sa.String(512), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("endpoint", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("observed", _json(), nullable=False),
        sa.Column("dependencies", _json(), nullable=False),
        sa.Column("deployment_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name="fk_infrastructure_resources_deployment_id_deployments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_infrastructure_resources"),
        sa.UniqueConstraint("address", name="uq_infrastructure_resources_address"),
    )
    op.create_index("ix_infrastructure_resources_deployment_id", "infrastructure_resources", ["deployment_id"])

    op.create_table(
        "infrastructure_events",
        sa.Column("id", _bigint_pk(), autoincrement=True, nullable=False),
        sa.Column("resource_id", _bigint_pk(), nullable=True),
        sa.Column("resource_address", sa.String(512), nullable=True),
        sa.Column("deployment_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name="fk_infrastructure_events_deployment_id_deployments",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["infrastructure_resources.id"],
            name="fk_infrastructure_events_resource_id_infrastructure_resources",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_infrastructure_events"),
    )
    op.create_index("ix_infrastructure_events_deployment_id_id", "infrastructure_events", ["deployment_id", "id"])

    op.create_table(
        "resource_versions",
        sa.Column("resource_id", _bigint_pk(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(36), nullable=False),
        sa.Column("endpoint", sa.String(255), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("observed", _json(), nullable=False),
        sa.Column("dependencies", _json(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name="fk_resource_versions_deployment_id_deployments",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["infrastructure_resources.id"],
            name="fk_resource_versions_resource_id_infrastructure_resources",
        ),
        sa.PrimaryKeyConstraint("resource_id", "version", name="pk_resource_versions"),
    )
    op.create_index("ix_resource_versions_resource_id_created_at", "resource_versions", ["resource_id", "created_at"])
    op.create_index("ix_resource_versions_deployment_id", "resource_versions", ["deployment_id"])


def downgrade() -> None:
    """Drop the state tables (and everything recorded in them)."""
    op.drop_table("resource_versions")
    op.drop_table("infrastructure_events")
    op.drop_table("infrastructure_resources")
    op.drop_table("deployments")
