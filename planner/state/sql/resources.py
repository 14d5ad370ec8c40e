"""Resources with their history on SQL (``ResourceStore``): ``infrastructure_resources`` holds the
latest state of each address, ``resource_versions`` every version it went through.

Private to ``planner.state``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from planner.core.refs import renamed_refs
from planner.errors import StateError
from planner.state._rules import as_json, aware_utc, normalise_id, provider_of, utc_now
from planner.state.records import ResourceRecord, ResourceState
from planner.state.sql.models import ResourceRow, ResourceVersionRow, StackRow
from planner.state.sql.session import SqlDatabase, record_of

__all__ = ["SqlResources"]

# The states of what is not managed any more (removed, or forgotten by ``iac state rm``).
_UNMANAGED = (ResourceState.ABSENT.value, ResourceState.FORGOTTEN.value)


class SqlResources(SqlDatabase):
    """``ResourceStore`` over SQLAlchemy."""

    def record_resource(
        self,
        deployment_id: str,
        *,
        address: str,
        kind: str,
        endpoint: str,
        name: str,
        state: ResourceState,
        spec: dict[str, Any],
        observed: dict[str, Any],
        dependencies: list[str],
    ) -> ResourceRecord:
        state = ResourceState(state)
        values: dict[str, Any] = {
            "type": kind,
            "provider": provider_of(kind),
            "endpoint": endpoint,
            "name": name,
            "state": state.value,
            "spec": as_json(spec, f"the spec of {address}"),
            "observed": as_json(observed, f"the observed state of {address}"),
            "dependencies": as_json(list(dependencies), f"the dependencies of {address}"),
        }
        for attempt in range(2):
            try:
                return self._upsert_resource(deployment_id, address, values)
            except StateError as err:
                # Two writers inserting a new address at once: the loser retries as an update.
                if attempt or not isinstance(err.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _upsert_resource(self, deployment_id: str, address: str, values: dict[str, Any]) -> ResourceRecord:
        now = utc_now()
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            # The row is locked while it changes, so two deployments get consecutive versions.
            row = session.scalars(
                select(ResourceRow).where(ResourceRow.address == address).with_for_update()
            ).one_or_none()
            if row is None:
                row = ResourceRow(address=address, version=0, created_at=now)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.deployment_id = deployment.id
            row.version += 1
            row.updated_at = now
            session.flush()  # assigns the id of a new resource
            session.add(
                ResourceVersionRow(
                    resource_id=row.id,
                    version=row.version,
                    deployment_id=row.deployment_id,
                    endpoint=row.endpoint,
                    state=row.state,
                    spec=row.spec,
                    observed=row.observed,
                    dependencies=row.dependencies,
                    created_at=now,
                )
            )
        return _resource_record(row)

    def rename_resource(self, deployment_id: str, source: str, target: str) -> ResourceRecord:
        now = utc_now()
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            row = session.scalars(
                select(ResourceRow).where(ResourceRow.address == source).with_for_update()
            ).one_or_none()
            if row is None:
                raise StateError(f"{source!r} is not recorded")
            taken = session.scalars(select(ResourceRow.state).where(ResourceRow.address == target)).one_or_none()
            if taken is not None:
                raise StateError(f"{target!r} is recorded already ({taken}); choose an address not in state")
            kind, _, name = target.partition(".")
            kind = f"{kind}.{name.partition('.')[0]}"
            if kind != row.type:
                raise StateError(f"{target!r} is not a {row.type}; a move keeps the kind")
            row.address, row.name = target, target[len(kind) + 1:]
            row.deployment_id = deployment.id
            row.version += 1
            row.updated_at = now
            session.add(ResourceVersionRow(
                resource_id=row.id, version=row.version, deployment_id=row.deployment_id, endpoint=row.endpoint,
                state=row.state, spec=row.spec, observed=row.observed, dependencies=row.dependencies, created_at=now,
            ))
            # What depended on (and referred to) the old address depends on the new one; the stacks that owned
            # it own it.
            renames = {source: target}
            for other in session.scalars(select(ResourceRow).where(ResourceRow.id != row.id)):
                if source in other.dependencies:
                    other.dependencies = [target if dep == source else dep for dep in other.dependencies]
                    other.spec = renamed_refs(other.spec, renames)
            for stack in session.scalars(select(StackRow)):
                if source in stack.addresses:
                    stack.addresses = [target if address == source else address for address in stack.addresses]
            session.flush()
            return _resource_record(row)

    def get_resource(self, address: str) -> ResourceRecord | None:
        with self._session() as session:
            row = session.scalars(select(ResourceRow).where(ResourceRow.address == address)).one_or_none()
            return _resource_record(row) if row else None

    def list_resources(self, *, deployment_id: str | None = None, include_absent: bool = False) -> list[ResourceRecord]:
        if deployment_id is not None:
            return self._as_left_by(normalise_id(deployment_id), include_absent)
        query = select(ResourceRow).order_by(ResourceRow.address)
        if not include_absent:
            query = query.where(ResourceRow.state.notin_(_UNMANAGED))
        with self._session() as session:
            return [_resource_record(row) for row in session.scalars(query)]

    def _as_left_by(self, deployment_id: str, include_absent: bool) -> list[ResourceRecord]:
        query = _left_by_query(deployment_id).order_by(ResourceRow.address)
        if not include_absent:
            query = query.where(ResourceVersionRow.state.notin_(_UNMANAGED))
        with self._session() as session:
            return [_version_record(resource, version) for resource, version in session.execute(query)]

    def resource_history(self, address: str | None = None, *, limit: int = 100) -> list[ResourceRecord]:
        # One resource is looked up first, so that its versions are a backward range read of the primary
        # key (resource_id, version) with nothing to sort; all of them read ``ix_resource_versions_created_at``.
        if limit <= 0:
            return []
        with self._session() as session:
            if address is None:
                every = (
                    select(ResourceRow, ResourceVersionRow)
                    .join(ResourceVersionRow, ResourceVersionRow.resource_id == ResourceRow.id)
                    .order_by(
                        ResourceVersionRow.created_at.desc(),
                        ResourceRow.address.desc(),
                        ResourceVersionRow.version.desc(),
                    )
                    .limit(limit)
                )
                return [_version_record(resource, version) for resource, version in session.execute(every)]
            resource = session.scalars(select(ResourceRow).where(ResourceRow.address == address)).one_or_none()
            if resource is None:
                return []
            versions = session.scalars(
                select(ResourceVersionRow)
                .where(ResourceVersionRow.resource_id == resource.id)
                .order_by(ResourceVersionRow.version.desc())
                .limit(limit)
            )
            return [_version_record(resource, version) for version in versions]

    def resources_as_of(self, moment: datetime) -> list[ResourceRecord]:
        cutoff = aware_utc(moment)
        with self._session() as session:
            return _present(_latest_until(session, cutoff))

    def resources_after(self, deployment_id: str) -> list[ResourceRecord]:
        with self._session() as session:
            deployment = self._deployment_row(session, deployment_id, lock=False)
            standing = _latest_until(session, deployment.finished_at or utc_now())
            for resource, version in session.execute(_left_by_query(deployment.id)):
                standing[resource.address] = _version_record(resource, version)
            return _present(standing)


def _latest_until(session: Session, cutoff: datetime) -> dict[str, ResourceRecord]:
    """Each resource's latest version recorded at or before ``cutoff``, by address."""
    last = (
        select(ResourceVersionRow.resource_id, func.max(ResourceVersionRow.version).label("version"))
        .where(ResourceVersionRow.created_at <= cutoff)
        .group_by(ResourceVersionRow.resource_id)
        .subquery()
    )
    query = (
        select(ResourceRow, ResourceVersionRow)
        .join(ResourceVersionRow, ResourceVersionRow.resource_id == ResourceRow.id)
        .join(
            last,
            (last.c.resource_id == ResourceVersionRow.resource_id) & (last.c.version == ResourceVersionRow.version),
        )
    )
    return {resource.address: _version_record(resource, version) for resource, version in session.execute(query)}


def _left_by_query(deployment_id: str) -> Select[ResourceRow, ResourceVersionRow]:
    """Each resource the deployment recorded, with the last version it recorded of it."""
    last = (
        select(ResourceVersionRow.resource_id, func.max(ResourceVersionRow.version).label("version"))
        .where(ResourceVersionRow.deployment_id == deployment_id)
        .group_by(ResourceVersionRow.resource_id)
        .subquery()
    )
    return (
        select(ResourceRow, ResourceVersionRow)
        .join(ResourceVersionRow, ResourceVersionRow.resource_id == ResourceRow.id)
        .join(
            last,
            (last.c.resource_id == ResourceVersionRow.resource_id) & (last.c.version == ResourceVersionRow.version),
        )
    )


def _present(standing: dict[str, ResourceRecord]) -> list[ResourceRecord]:
    """The standing resources still managed (not ``absent``, not ``forgotten``), ordered by address."""
    return [record for _, record in sorted(standing.items()) if record.state.managed]


def _resource_record(row: ResourceRow) -> ResourceRecord:
    return record_of(
        ResourceRecord, row, kind=row.type, state=ResourceState(row.state), dependencies=list(row.dependencies)
    )


def _version_record(resource: ResourceRow, version: ResourceVersionRow) -> ResourceRecord:
    """The resource as one version left it (``updated_at`` is when that version was written)."""
    return replace(
        _resource_record(resource),
        endpoint=version.endpoint,
        state=ResourceState(version.state),
        spec=version.spec,
        observed=version.observed,
        dependencies=list(version.dependencies),
        deployment_id=version.deployment_id,
        version=version.version,
        updated_at=version.created_at,
    )
