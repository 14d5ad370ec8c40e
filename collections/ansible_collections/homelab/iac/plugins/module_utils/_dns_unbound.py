# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``opnsense_unbound`` DNS provider: records as OPNsense Unbound host overrides.

It reuses the OPNsense backend's ``HostOverride`` resource class and session (one cached search,
the apply area, the API's validation messages) instead of talking to the API itself. A host
override holds one value per (hostname, domain, type), so here every type is single-valued, and
only A, AAAA and MX exist. Unbound is reconfigured once at the end of a run, if anything changed.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    DnsError,
    DnsProvider,
    ObservedRecord,
    RecordSpec,
    normalise_content,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseError, api_from_params
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import Session
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import HostOverride

UNBOUND_TYPES = ("A", "AAAA", "MX")


class UnboundProvider(DnsProvider):
    """Host overrides of one OPNsense firewall."""

    name = "opnsense_unbound"
    supports = frozenset({"comment"})
    single_valued = frozenset(UNBOUND_TYPES)

    def __init__(self, connection: dict[str, Any], zone: str | None, check_mode: bool) -> None:
        super().__init__()
        try:
            self.api = api_from_params(connection)
        except OpnsenseError as exc:
            raise DnsError(f"provider opnsense_unbound: {exc}") from None
        self.session = Session(self.api, check_mode)
        self.zone = zone.rstrip(".").lower() if zone else None

    def split(self, name: str) -> tuple[str, str]:
        """(hostname, domain): the zone is the domain when given, else everything after the first label."""
        if self.zone:
            if name == self.zone:
                return "", self.zone
            if not name.endswith("." + self.zone):
                raise DnsError(f"{name!r} is not inside zone {self.zone!r}")
            return name[: -len(self.zone) - 1], self.zone
        parts = name.split(".", 1)
        return parts[0], parts[1] if len(parts) > 1 else ""

    def _resource(self, rtype: str, name: str, **values: Any) -> HostOverride:
        if rtype not in UNBOUND_TYPES:
            raise DnsError(f"provider opnsense_unbound cannot hold {rtype} records (only {', '.join(UNBOUND_TYPES)})")
        hostname, domain = self.split(name)
        params = {
            "hostname": hostname,
            "domain": domain,
            "rr": rtype,
            "server": "",
            "mx": "",
            "mxprio": None,
            "description": "",
            "enabled": True,
            "state": "present",
        }
        params.update(values)
        return HostOverride(self.session, params)

    def _wrap(self, what: str, func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except OpnsenseError as exc:
            raise DnsError(f"OPNsense refused to {what}: {exc}") from None

    def find(self, rtype: str, name: str) -> list[ObservedRecord]:
        resource = self._resource(rtype, name)
        observed = self._wrap(f"read {rtype} {name}", resource.read)
        if observed is None:
            return []
        return [self._observed(rtype, name, resource.current(observed), observed)]

    @staticmethod
    def _observed(rtype: str, name: str, view: dict[str, Any], observed: Any) -> ObservedRecord:
        value = view["mx"] if rtype == "MX" else view["server"]
        return ObservedRecord(
            rtype,
            name,
            normalise_content(rtype, value or ""),
            None,
            comment=view["description"],
            priority=view["mxprio"] if rtype == "MX" else None,
            ref=observed,
            extra={"uuid": observed[0]},
        )

    def zone_records(self) -> list[tuple[str, ObservedRecord]]:
        """Every host override (of the zone, when given) as a record, its domain as the zone: one search."""
        probe = HostOverride(self.session, {})  # its view of an item needs no options
        items = self._wrap("list host overrides", self.session.cache.items, HostOverride.item_kind)
        found = []
        for uuid, item in items.items():
            view = probe.current((uuid, item))
            domain = str(view["domain"]).lower().rstrip(".")
            name = f"{view['hostname']}.{domain}".lower() if view["hostname"] else domain
            if self.zone and name != self.zone and not name.endswith("." + self.zone):
                continue
            found.append((self.zone or domain, self._observed(view["rr"], name, view, (uuid, item))))
        return found

    def _values(self, spec: RecordSpec, observed: ObservedRecord | None) -> dict[str, Any]:
        value = spec.value if spec.value is not None else (observed.value if observed else "")
        values: dict[str, Any] = (
            {"mx": value, "mxprio": spec.priority or 10} if spec.type == "MX" else {"server": value}
        )
        comment = spec.comment if spec.comment is not None else (observed.comment if observed else None)
        values["description"] = comment or ""
        return values

    def create(self, spec: RecordSpec) -> None:
        self.writes += 1
        self._wrap(f"create {spec.label}", self._resource(spec.type, spec.name, **self._values(spec, None)).create)

    def update(self, observed: ObservedRecord, spec: RecordSpec, changed: list[str]) -> None:
        self.writes += 1
        resource = self._resource(spec.type, spec.name, **self._values(spec, observed))
        self._wrap(f"update {spec.label}", resource.update, observed.ref, changed)

    def delete(self, observed: ObservedRecord) -> None:
        self.writes += 1
        self._wrap(
            f"delete {observed.type} {observed.name}", self._resource(observed.type, observed.name).delete, observed.ref
        )

    def finish(self) -> list[str]:
        applied = []
        if not self.session.check_mode:
            for area, path in self.session.changed_areas:
                self._wrap(f"apply {area}", self.api.post, path)
                self.writes += 1
                applied.append(area)
        return applied
