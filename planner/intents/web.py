"""``web_app``: containers (or a VM) behind HAProxy on OPNsense, with a certificate and split-horizon DNS.

``reverse_proxy_resources`` is shared with ``dev_environment``.
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.core.resources import Resource
from planner.errors import IntentError, shown
from planner.intents.base import ExpansionContext, Facts, Intent, IpAddressText, given, intent_meta
from planner.intents.container import check_size
from planner.intents.machines import VmFields
from planner.intents.network import wan_rule
from planner.intents.primitives import CertificateFields, certificate_outputs, certificate_resources
from planner.secrets import SecretRef

__all__ = ["DnsSide", "SplitDns", "WebAppIntent", "proxy_urls", "reverse_proxy_resources"]


def reverse_proxy_resources(
    name: str, upstreams: list[tuple[str, int]], listen: list[str], endpoint: str, intent: Intent
) -> list[Resource]:
    """HAProxy on OPNsense: one server per upstream ``(address, port)``, a backend over them, a frontend."""
    meta = intent_meta(intent)
    servers = [
        Resource(
            kind="opnsense.haproxy_server", name=f"{name}-{number}", endpoint=endpoint, origin=intent.name, meta=meta,
            spec={"name": f"{name}-{number}", "address": address, "port": port, "description": f"{name} upstream",
                  "state": "present"},
        )
        for number, (address, port) in enumerate(upstreams, start=1)
    ]
    backend = Resource(
        kind="opnsense.haproxy_backend", name=name, endpoint=endpoint, origin=intent.name, meta=meta,
        depends_on=tuple(server.address for server in servers),
        spec={"name": name, "mode": "http", "algorithm": "roundrobin", "health_check": True,
              "servers": [server.name for server in servers], "state": "present"},
    )
    frontend = Resource(
        kind="opnsense.haproxy_frontend", name=name, endpoint=endpoint, origin=intent.name, meta=meta,
        depends_on=(backend.address,),
        spec={"name": name, "bind": list(listen), "mode": "http", "default_backend": name, "forward_for": True,
              "state": "present"},
    )
    return [*servers, backend, frontend]


def proxy_urls(hostname: str, listen: list[str]) -> list[str]:
    """The URLs HAProxy answers ``hostname`` on, one per bind (its frontend speaks plain HTTP)."""
    ports = sorted({int(bind.rsplit(":", 1)[1]) for bind in listen})
    return [f"http://{hostname}/" if port == 80 else f"http://{hostname}:{port}/" for port in ports]


class DnsSide(BaseModel):
    """One answer of a split-horizon name."""

    model_config = ConfigDict(extra="forbid")

    value: IpAddressText = Field(description="The address this side answers.")
    zone: str | None = Field(default=None, description="Zone of this side; default: the endpoint's.")
    key_name: str | None = Field(
        default=None, description="TSIG key of this side (BIND views are selected by key; lab: internal-key, ddns-key)."
    )
    key_secret: SecretRef | None = Field(
        default=None,
        description="That key's secret as {secret: ENV_VAR}; the lab exports DNS_TSIG_<KEY_NAME>_SECRET for each key.",
    )


class SplitDns(BaseModel):
    """Split-horizon DNS: one name, an internal and a public answer."""

    model_config = ConfigDict(extra="forbid")

    internal: DnsSide = Field(description="Internal answer (where HAProxy listens on the LAN).")
    public: DnsSide = Field(description="Public answer (the WAN address).")
    endpoint: str | None = Field(default=None, description="DNS endpoint (inventory group dns).")


def _split_horizon(hostname: str, dns: SplitDns, intent: Intent, context: ExpansionContext) -> Resource:
    endpoint = context.endpoints.resolve("dns", dns.endpoint, f"{context.where}.dns")
    sides = {side: given(**getattr(dns, side).model_dump(mode="json")) for side in ("internal", "public")}
    return Resource(kind="dns.split_horizon", name=intent.name, endpoint=endpoint, origin=intent.name,
                    meta=intent_meta(intent), spec={"name": hostname, "type": "A", **sides, "state": "present"})


class WebAppIntent(Intent):
    """A web application behind HAProxy on OPNsense, with a certificate and split-horizon DNS."""

    summary: ClassVar[str] = (
        "A web app: containers (or a Proxmox VM) behind HAProxy on OPNsense, a certificate (ACME or internal CA) "
        "and split-horizon DNS."
    )
    example: ClassVar[str] = """\
kind: web_app
name: wiki
hostname: wiki.lab.home.arpa
image: homelab/busybox:latest
command: [httpd, -f, -p, "8080", -h, /www]
port: 8080                     # the app's port in the container
replicas: 2                    # published on 127.0.0.1:18090 and :18091, both HAProxy servers
certificate: {issuer: internal}
dns:                           # the lab's BIND serves lab.home.arpa in two views, chosen by TSIG key
  endpoint: lab-bind
  internal: {value: 192.168.1.1, key_name: internal-key}
  public: {value: 203.0.113.10, key_name: ddns-key}
"""

    kind: Literal["web_app"]
    hostname: str = Field(pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$", description="The app's DNS name (lower case FQDN).")
    image: str | None = Field(default=None, description="Container image (or give `vm`).")
    command: list[str] | str | None = Field(default=None, description="Container command.")
    env: dict[str, str | SecretRef] = Field(default_factory=dict, description="Environment; secrets as {secret: VAR}.")
    port: int = Field(ge=1, le=65535, description="Port the app listens on (in the container or the VM).")
    replicas: int = Field(default=1, ge=1, le=10, description="Number of containers.")
    memory: str | None = Field(default=None, description="Memory limit per container, e.g. 512m.")
    cpus: float | None = Field(default=None, gt=0, description="CPU limit per container.")
    publish_address: str = Field(default="127.0.0.1", description="Host address the ports are published on.")
    host_port: int = Field(default=18090, ge=1, le=65535, description="First published host port (one per replica).")
    upstream_address: str | None = Field(
        default=None, description="Address HAProxy reaches the containers at; default publish_address."
    )
    vm: VmFields | None = Field(default=None, description="Run the app on a Proxmox VM instead (cloudinit.ip static).")
    listen: list[str] = Field(default_factory=lambda: ["0.0.0.0:80"], description="HAProxy frontend binds, ADDR:PORT.")
    certificate: CertificateFields = Field(
        default_factory=CertificateFields, description="How the certificate is issued: {issuer: acme|internal, ...}."
    )
    dns: SplitDns | None = Field(default=None, description="Split-horizon DNS: {internal: {value}, public: {value}}.")
    expose_wan: bool = Field(default=False, description="Allow the frontend's ports in from the WAN.")
    endpoint: str | None = Field(default=None, description="Docker endpoint; default: the only one.")
    opnsense_endpoint: str | None = Field(default=None, description="OPNsense endpoint; default: the only one.")

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str | None) -> str | None:
        return check_size(value)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: list[str]) -> list[str]:
        for bind in value:
            address, sep, port = bind.rpartition(":")
            if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
                raise ValueError(f"{shown(bind)} is not ADDRESS:PORT, e.g. 0.0.0.0:443")
            ipaddress.ip_address(address)
        return value

    @model_validator(mode="after")
    def _one_runtime(self) -> WebAppIntent:
        if (self.image is None) == (self.vm is None):
            raise ValueError("give either `image` (containers) or `vm` (a Proxmox VM), exactly one")
        return self

    def _upstreams(self, context: ExpansionContext) -> tuple[list[Resource], list[tuple[str, int]]]:
        meta = intent_meta(self)
        if self.vm is not None:
            endpoint = context.endpoints.resolve("proxmox", self.vm.endpoint, f"{context.where}.vm")
            ip = self.vm.cloudinit.ip if self.vm.cloudinit else "dhcp"
            if ip == "dhcp":
                raise IntentError(
                    f"{context.where}.vm.cloudinit.ip: HAProxy needs the VM's address; give a static one (CIDR)"
                )
            vm = Resource(kind="proxmox.vm", name=self.name, endpoint=endpoint, origin=self.name, meta=meta,
                          spec=self.vm.vm_spec(self.name, self.tags))
            return [vm], [(ip.split("/")[0], self.port)]
        endpoint = context.endpoints.resolve("docker", self.endpoint, context.where)
        containers, upstreams = [], []
        for index in range(self.replicas):
            name = self.name if self.replicas == 1 else f"{self.name}-{index + 1}"
            spec: dict[str, Any] = {
                "name": name, "image": self.image, "state": "started", "restart_policy": "unless-stopped",
                "ports": [f"{self.publish_address}:{self.host_port + index}:{self.port}/tcp"],
            }
            spec.update(given(command=self.command, memory=self.memory, cpus=self.cpus))
            if self.env:
                spec["env"] = {key: v.model_dump() if isinstance(v, SecretRef) else v for key, v in self.env.items()}
            containers.append(Resource(kind="docker.container", name=name, endpoint=endpoint, origin=self.name,
                                       meta=meta, spec=spec))
            upstreams.append((self.upstream_address or self.publish_address, self.host_port + index))
        return containers, upstreams

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """Its URL (one per frontend bind), the upstreams HAProxy balances over, the split-horizon answers and
        the certificate's files; on a VM, the vmid Proxmox gave it."""
        urls = proxy_urls(self.hostname, self.listen)
        if self.vm is not None:
            ip = self.vm.cloudinit.ip if self.vm.cloudinit else "dhcp"
            upstreams = [f"{ip.split('/')[0]}:{self.port}"]
        else:
            upstreams = [f"{self.upstream_address or self.publish_address}:{self.host_port + index}"
                         for index in range(self.replicas)]
        found: dict[str, Any] = {"url": urls[0], "hostname": self.hostname, "upstreams": upstreams}
        if len(urls) > 1:
            found["urls"] = urls
        if self.dns is not None:
            found.update(dns_internal=self.dns.internal.value, dns_public=self.dns.public.value)
        certificate = certificate_outputs(self.name, self.certificate, facts)
        found.update(certificate=certificate["fullchain_file"], certificate_key=certificate["key_file"],
                     certificate_expires=certificate["expires"])
        if self.vm is not None:
            found["vmid"] = facts.get(f"proxmox.vm.{self.name}", "vmid")
        return found

    def expand(self, context: ExpansionContext) -> list[Resource]:
        opnsense = context.endpoints.resolve("opnsense", self.opnsense_endpoint, context.where)
        resources, upstreams = self._upstreams(context)
        resources += reverse_proxy_resources(self.name, upstreams, self.listen, opnsense, self)
        resources += certificate_resources(self.name, [self.hostname], self.certificate, self, context)
        if self.dns is not None:
            resources.append(_split_horizon(self.hostname, self.dns, self, context))
        if self.expose_wan:
            ports = sorted({int(bind.rsplit(":", 1)[1]) for bind in self.listen})
            port_range = str(ports[0]) if len(ports) == 1 else f"{ports[0]}-{ports[-1]}"
            resources.append(wan_rule(self.name, opnsense, self, "TCP", port_range, "HTTP(S) from the internet"))
        return resources
