"""Primitives for direct use: ``vlan``, ``stack``, ``dns_record`` and ``certificate``.

``certificate_resources`` is also how ``web_app`` and ``dev_environment`` get their certificate.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from planner.core.resources import Resource
from planner.intents.base import ExpansionContext, Facts, Intent, given, intent_meta
from planner.intents.network import DEFAULT_PARENT

__all__ = [
    "CERT_DIR",
    "CertificateFields",
    "CertificateIntent",
    "DnsRecordIntent",
    "StackIntent",
    "VlanIntent",
    "certificate_outputs",
    "certificate_resources",
]

# Where certificate files go on the `certs` endpoint (modules run there with connection: local).
CERT_DIR = "~/.local/state/homelab-iac/certs"
INTERNAL_CA = "homelab-ca"

DnsProvider = Literal["cloudflare", "rfc2136", "opnsense_unbound"]


class VlanIntent(Intent):
    """One VLAN on OPNsense, nothing else (``network_segment`` adds interface, DHCP and rules)."""

    summary: ClassVar[str] = "A bare VLAN device on OPNsense (network_segment adds interface, DHCP and firewall)."
    example: ClassVar[str] = f"""\
kind: vlan
name: iot
tag: 40
parent: {DEFAULT_PARENT}     # the lab firewall's free NIC
description: IoT devices
"""

    kind: Literal["vlan"]
    tag: int = Field(ge=1, le=4094, description="VLAN tag, 1-4094.")
    parent: str = Field(default=DEFAULT_PARENT, description=f"Parent NIC; default {DEFAULT_PARENT} (lab).")
    description: str = Field(default="", description="Free-text description.")
    device: str | None = Field(default=None, description="Device name (vlan0.N); default: OPNsense picks one.")
    endpoint: str | None = Field(default=None, description="OPNsense endpoint; default: the only one.")

    def expand(self, context: ExpansionContext) -> list[Resource]:
        spec: dict[str, Any] = {"parent": self.parent, "tag": self.tag, "description": self.description,
                                "state": "present"}
        if self.device:
            spec["device"] = self.device
        return self.sole_resource(context, "opnsense.vlan", spec, self.endpoint)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """The tag, the parent NIC and the VLAN device (the one asked for, else the one OPNsense picked)."""
        return {"tag": self.tag, "parent": self.parent,
                "device": self.device or facts.get(f"opnsense.vlan.{self.name}", "device")}


class StackIntent(Intent):
    """A multi-container stack from a compose-style definition."""

    summary: ClassVar[str] = "A multi-container Docker stack from a compose-style definition (services, networks)."
    example: ClassVar[str] = """\
kind: stack
name: whoami
definition:
  services:
    web:
      image: homelab/busybox:latest
      command: [httpd, -f, -p, "8080", -h, /www]
      ports: ["127.0.0.1:18081:8080"]
"""

    kind: Literal["stack"]
    definition: dict[str, Any] = Field(description="Compose-style definition with `services` (and networks, volumes).")
    purge_volumes: bool = Field(default=False, description="Remove the stack's volumes with it (data is lost).")
    endpoint: str | None = Field(default=None, description="Docker endpoint; default: the only one.")

    @field_validator("definition")
    @classmethod
    def _definition(cls, value: dict[str, Any]) -> dict[str, Any]:
        services = value.get("services")
        if not isinstance(services, dict) or not services:
            raise ValueError("needs `services`, a mapping of service name to its settings (image, ports, ...)")
        for name, service in services.items():
            if not isinstance(service, dict) or not service.get("image"):
                raise ValueError(f"services.{name}: needs an `image`")
        return value

    def expand(self, context: ExpansionContext) -> list[Resource]:
        spec: dict[str, Any] = {"name": self.name, "definition": self.definition, "state": "present"}
        if self.purge_volumes:
            spec["purge_volumes"] = True
        return self.sole_resource(context, "docker.stack", spec, self.endpoint)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """Its services and every port they publish, as the definition writes them."""
        services: dict[str, Any] = self.definition["services"]
        ports = [str(port) for service in services.values() for port in service.get("ports") or []]
        return {"services": list(services), "ports": ports}


class DnsRecordIntent(Intent):
    """One DNS record on a DNS endpoint (Cloudflare, BIND via RFC 2136, OPNsense Unbound)."""

    summary: ClassVar[str] = "One DNS record (A, AAAA, CNAME, TXT, MX, ...) on a DNS endpoint."
    example: ClassVar[str] = """\
kind: dns_record
name: nas
record: nas.lab.home.arpa      # absolute, or relative to zone
type: A
value: 192.168.1.20
ttl: 300
endpoint: lab-bind             # the lab has two DNS endpoints: lab-bind (lab.home.arpa), lab-cloudflare
"""

    kind: Literal["dns_record"]
    record: str = Field(min_length=1, description="Record name, absolute or relative to zone; @ is the apex.")
    type: Literal["A", "AAAA", "CNAME", "TXT", "MX", "NS", "PTR"] = Field(default="A", description="Record type.")
    value: str = Field(min_length=1, description="Record content (address, target name, text...).")
    ttl: int | None = Field(default=None, ge=1, description="TTL in seconds; not managed when omitted.")
    zone: str | None = Field(default=None, description="Zone; default: the endpoint's or found by the provider.")
    priority: int | None = Field(default=None, ge=0, description="MX preference.")
    proxied: bool | None = Field(default=None, description="Cloudflare proxying.")
    comment: str | None = Field(default=None, description="Record comment.")
    provider: DnsProvider | None = Field(default=None, description="Provider; default: the endpoint's.")
    endpoint: str | None = Field(default=None, description="DNS endpoint (inventory group dns).")

    def expand(self, context: ExpansionContext) -> list[Resource]:
        spec: dict[str, Any] = {"name": self.record, "type": self.type, "value": self.value, "state": "present"}
        spec.update(given(ttl=self.ttl, zone=self.zone, priority=self.priority, proxied=self.proxied,
                          comment=self.comment, provider=self.provider))
        return self.sole_resource(context, "dns.record", spec, self.endpoint)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """The record's full name (relative names joined to the zone), type and value."""
        record, zone = self.record.rstrip("."), (self.zone or "").rstrip(".")
        if zone and record == "@":
            fqdn = zone
        elif zone and record != zone and not record.endswith(f".{zone}"):
            fqdn = f"{record}.{zone}"
        else:
            fqdn = record
        return {"fqdn": fqdn, "type": self.type, "value": self.value}


class CertificateFields(BaseModel):
    """How a certificate is issued: ACME (DNS-01) or the internal CA."""

    model_config = ConfigDict(extra="forbid")

    issuer: Literal["acme", "internal"] = Field(
        default="internal", description="acme (cert.acme, DNS-01) or internal (cert.ca + cert.issue)."
    )
    cert_dir: str = Field(default=CERT_DIR, description=f"Directory of the files on the certs endpoint; {CERT_DIR}.")
    key_type: Literal["ec", "rsa"] = Field(default="ec", description="Key type.")
    acme_directory: str | None = Field(
        default=None, description="ACME directory URL; default: the certs endpoint's (lab: its Pebble)."
    )
    account_email: str | None = Field(default=None, description="ACME account contact.")
    dns_provider: DnsProvider | None = Field(
        default=None, description="Where the ACME DNS-01 challenge records go; default: the endpoint's."
    )
    valid_days: int = Field(default=365, ge=2, description="Validity of an internal certificate in days.")
    endpoint: str | None = Field(default=None, description="Certs endpoint (inventory group certs).")


def certificate_resources(
    name: str, names: list[str], fields: CertificateFields, intent: Intent, context: ExpansionContext
) -> list[Resource]:
    """A ``cert.acme``, or the shared internal ``cert.ca`` plus a ``cert.issue``, for ``names``."""
    endpoint = context.endpoints.resolve("certs", fields.endpoint, context.where)
    base = f"{fields.cert_dir.rstrip('/')}/{name}"
    meta = intent_meta(intent)
    if fields.issuer == "acme":
        spec: dict[str, Any] = {
            "names": list(names), "account_key_path": f"{fields.cert_dir.rstrip('/')}/acme-account.key",
            "private_key_path": f"{base}/privkey.pem", "fullchain_path": f"{base}/fullchain.pem",
            "cert_path": f"{base}/cert.pem", "key_type": fields.key_type,
        }
        spec.update(given(acme_directory=fields.acme_directory, account_email=fields.account_email,
                          provider=fields.dns_provider))
        return [Resource(kind="cert.acme", name=name, endpoint=endpoint, spec=spec, origin=intent.name, meta=meta)]
    ca_dir = f"{fields.cert_dir.rstrip('/')}/{INTERNAL_CA}"
    ca = Resource(
        kind="cert.ca", name=INTERNAL_CA, endpoint=endpoint, origin=intent.name,
        spec={"common_name": "homelab-iac internal CA", "cert_path": f"{ca_dir}/ca.crt",
              "key_path": f"{ca_dir}/ca.key", "key_type": "ec"},
    )
    issue = Resource(
        kind="cert.issue", name=name, endpoint=endpoint, origin=intent.name, meta=meta, depends_on=(ca.address,),
        spec={"ca_cert_path": f"{ca_dir}/ca.crt", "ca_key_path": f"{ca_dir}/ca.key", "names": list(names),
              "key_path": f"{base}/privkey.pem", "cert_path": f"{base}/cert.pem",
              "fullchain_path": f"{base}/fullchain.pem", "key_type": fields.key_type,
              "valid_days": fields.valid_days},
    )
    return [ca, issue]


def certificate_outputs(name: str, fields: CertificateFields, facts: Facts) -> dict[str, Any]:
    """Where a certificate's files are on the certs endpoint, and when it expires (known once issued)."""
    base = f"{fields.cert_dir.rstrip('/')}/{name}"
    kind = "cert.acme" if fields.issuer == "acme" else "cert.issue"
    return {"cert_file": f"{base}/cert.pem", "fullchain_file": f"{base}/fullchain.pem",
            "key_file": f"{base}/privkey.pem", "expires": facts.get(f"{kind}.{name}", "not_after")}


class CertificateIntent(CertificateFields, Intent):
    """A TLS certificate from ACME (DNS-01) or from the internal CA."""

    summary: ClassVar[str] = "A TLS certificate for DNS names, from ACME (DNS-01) or the internal CA (issuer field)."
    example: ClassVar[str] = """\
kind: certificate
name: nas
names: [nas.lab.home.arpa]
issuer: internal               # or acme: names in a public zone (lab: example.com via Pebble)
"""

    kind: Literal["certificate"]
    names: list[str] = Field(min_length=1, description="DNS names (and IPs for internal) of the certificate.")

    def expand(self, context: ExpansionContext) -> list[Resource]:
        return certificate_resources(self.name, self.names, self, self, context)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        return {"names": list(self.names), "issuer": self.issuer, **certificate_outputs(self.name, self, facts)}
