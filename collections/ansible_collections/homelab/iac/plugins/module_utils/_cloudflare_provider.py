# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The ``cloudflare`` DNS provider, through the official ``cloudflare`` SDK (v4/v5).

Pitfalls handled here (shared/reference/dns-and-certs.md §1-2): the SDK drops a token when
``CLOUDFLARE_API_KEY``/``CLOUDFLARE_EMAIL`` are set, so it gets the token explicitly and those
are ignored; v5 requires ``ttl`` on create and PUT, so writes always send one; record responses
no longer carry ``zone_id``, so the zone found for a name is kept here; TXT content may come back
quoted or not, so it is normalised before comparing. Retries are left to the SDK (it retries
409/429/5xx) but capped by ``max_retries``.
"""

from __future__ import annotations

import os
import traceback
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    DnsError,
    DnsProvider,
    ObservedRecord,
    RecordSpec,
    listed,
    normalise_content,
    txt_quoted,
)

try:
    import cloudflare
    import httpx
except ImportError:
    CLOUDFLARE_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    CLOUDFLARE_IMPORT_ERROR = None

DEFAULT_TTL = 1  # Cloudflare's "automatic"


def describe(exc: Exception) -> str:
    """The API's own codes and messages (with ``error_chain``) from an SDK exception."""
    body = getattr(exc, "body", None)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return str(exc)
    parts = []
    for error in errors:
        text = f"{error.get('code')}: {error.get('message')}"
        chain = error.get("error_chain") or []
        if chain:
            text += " (" + "; ".join(f"{item.get('code')}: {item.get('message')}" for item in chain) + ")"
        parts.append(text)
    return ", ".join(parts)


class CloudflareProvider(DnsProvider):
    """Records of the zones an API token can see."""

    name = "cloudflare"
    supports = frozenset({"ttl", "proxied", "comment"})

    def __init__(
        self,
        api_token: str,
        base_url: str | None = None,
        ca_cert: str | None = None,
        timeout: int = 30,
        max_retries: int = 2,
        zone: str | None = None,
    ) -> None:
        super().__init__()
        if CLOUDFLARE_IMPORT_ERROR is not None:
            raise DnsError("the Python library cloudflare (>= 4.0) is required for provider cloudflare")
        if not api_token:
            raise DnsError("provider cloudflare needs cloudflare_api_token (or $CLOUDFLARE_API_TOKEN)")
        # The SDK reads these itself and would then send them instead of the token.
        for variable in ("CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"):
            os.environ.pop(variable, None)
        http_client = httpx.Client(verify=ca_cert or True, timeout=timeout)
        kwargs: dict[str, Any] = {"api_token": api_token, "max_retries": max_retries, "http_client": http_client}
        if base_url:
            kwargs["base_url"] = base_url
        self.client = cloudflare.Cloudflare(**kwargs)
        self.zone_name = zone.rstrip(".").lower() if zone else None
        self._zones: dict[str, str] | None = None

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except cloudflare.APIStatusError as exc:
            raise DnsError(f"Cloudflare refused to {what} (HTTP {exc.status_code}): {describe(exc)}") from None
        except cloudflare.APIConnectionError as exc:
            raise DnsError(f"cannot reach the Cloudflare API to {what}: {exc}") from None

    def zones(self) -> dict[str, str]:
        """zone name -> id, read once per run."""
        if self._zones is None:
            listed = self._call("list zones", lambda: list(self.client.zones.list(per_page=50)))
            self._zones = {zone.name.lower(): zone.id for zone in listed}
        return self._zones

    def zone_of(self, name: str) -> tuple[str, str]:
        """(zone name, zone id) owning ``name``: the given zone, or the longest matching suffix."""
        zones = self.zones()
        if self.zone_name:
            if self.zone_name not in zones:
                raise DnsError(
                    f"unknown zone {self.zone_name!r}: the token sees {', '.join(sorted(zones)) or 'no zones'}"
                )
            candidates = [self.zone_name]
        else:
            candidates = sorted(zones, key=len, reverse=True)
        for zone in candidates:
            if name == zone or name.endswith("." + zone):
                return zone, zones[zone]
        raise DnsError(f"no Cloudflare zone holds {name!r} (zones: {', '.join(sorted(zones)) or 'none'})")

    @staticmethod
    def _observed(record: Any, zone_id: str) -> ObservedRecord:
        return ObservedRecord(
            type=record.type,
            name=record.name.lower(),
            value=normalise_content(record.type, record.content or ""),
            ttl=int(record.ttl) if record.ttl is not None else None,  # the SDK models it as a float
            proxied=bool(getattr(record, "proxied", False)),
            comment=getattr(record, "comment", None) or "",
            priority=getattr(record, "priority", None),
            ref=(zone_id, record.id),
            extra={"id": record.id, "zone_id": zone_id},
        )

    def find(self, rtype: str, name: str) -> list[ObservedRecord]:
        _zone, zone_id = self.zone_of(name)
        records = self._call(
            f"list {rtype} {name}",
            lambda: list(self.client.dns.records.list(zone_id=zone_id, type=rtype, name={"exact": name}, per_page=100)),
        )
        return [self._observed(record, zone_id) for record in records]

    def zone_records(self) -> list[tuple[str, ObservedRecord]]:
        """Every record of the zone, or of every zone the token sees when none is given (paged by the SDK)."""
        zones = self.zones()
        if self.zone_name and self.zone_name not in zones:
            raise DnsError(f"unknown zone {self.zone_name!r}: the token sees {', '.join(sorted(zones)) or 'no zones'}")
        found = []
        for zone in [self.zone_name] if self.zone_name else sorted(zones):
            zone_id = zones[zone]
            records = self._call(f"list the records of {zone}", self._all_records, zone_id)
            found.extend((zone, self._observed(record, zone_id)) for record in records
                         if listed(record.type, record.name.lower(), zone))  # fmt: skip
        return found

    def _all_records(self, zone_id: str) -> list[Any]:
        # Iterating the SDK's page object fetches page after page until an empty one.
        return list(self.client.dns.records.list(zone_id=zone_id, per_page=100))

    @staticmethod
    def _body(spec: RecordSpec, observed: ObservedRecord | None) -> dict[str, Any]:
        value = spec.value if spec.value is not None else (observed.value if observed else "")
        body: dict[str, Any] = {
            "type": spec.type,
            "name": spec.name,
            "content": txt_quoted(value) if spec.type == "TXT" else value,
            # PUT overwrites: unmanaged properties keep their current values.
            "ttl": spec.ttl if spec.ttl is not None else (observed.ttl if observed else DEFAULT_TTL),
        }
        for key in ("proxied", "comment", "priority"):
            wanted = getattr(spec, key)
            kept = getattr(observed, key) if observed else None
            if wanted is not None or kept not in (None, ""):
                body[key] = wanted if wanted is not None else kept
        if spec.type == "MX" and "priority" not in body:
            body["priority"] = 10
        return body

    def create(self, spec: RecordSpec) -> None:
        _zone, zone_id = self.zone_of(spec.name)
        self.writes += 1
        self._call(f"create {spec.label}", self.client.dns.records.create, zone_id=zone_id, **self._body(spec, None))

    def update(self, observed: ObservedRecord, spec: RecordSpec, changed: list[str]) -> None:
        zone_id, record_id = observed.ref
        self.writes += 1
        self._call(
            f"update {spec.label}",
            self.client.dns.records.update,
            record_id,
            zone_id=zone_id,
            **self._body(spec, observed),
        )

    def delete(self, observed: ObservedRecord) -> None:
        zone_id, record_id = observed.ref
        self.writes += 1
        self._call(
            f"delete {observed.type} {observed.name}", self.client.dns.records.delete, record_id, zone_id=zone_id
        )

    def close(self) -> None:
        self.client.close()
