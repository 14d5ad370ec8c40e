"""``dev_environment``: a dev segment, a VM or LXC on it, a database, a reverse proxy and a certificate."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.core.resources import Resource
from planner.errors import IntentError
from planner.intents.base import ExpansionContext, Facts, Intent, StackRef, intent_meta
from planner.intents.machines import CloudInit, LxcFields, Placement, VmFields
from planner.intents.network import InlineSegment, Segment, segment_for
from planner.intents.primitives import CertificateFields, certificate_outputs, certificate_resources
from planner.intents.web import proxy_urls, reverse_proxy_resources
from planner.secrets import SecretRef

__all__ = ["Database", "DevEnvironmentIntent", "DevLxc", "DevVm"]


class DevVm(VmFields):
    """The dev machine as a Proxmox VM (new or cloned from ``template``, with cloud-init)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["vm"] = "vm"


class DevLxc(LxcFields):
    """The dev machine as a Proxmox LXC container."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["lxc"]


class Database(BaseModel):
    """A database container next to the dev machine."""

    model_config = ConfigDict(extra="forbid")

    image: str = Field(default="postgres:16", description="PostgreSQL image.")
    database: str | None = Field(default=None, description="Database name; default: the intent's name.")
    user: str | None = Field(default=None, description="Database user; default: the intent's name.")
    password: SecretRef = Field(description="Password of the user, as {secret: ENV_VAR}.")
    publish_address: str = Field(default="127.0.0.1", description="Host address the port is published on.")
    host_port: int = Field(default=15432, ge=1, le=65535, description="Published host port of 5432.")
    memory: str = Field(default="512m", description="Memory limit.")
    endpoint: str | None = Field(default=None, description="Docker endpoint; default: the only one.")


class DevEnvironmentIntent(Intent):
    """A development environment on its own segment."""

    summary: ClassVar[str] = (
        "A dev environment: a dev segment, a Proxmox VM (cloud-init) or LXC on it, a PostgreSQL container, "
        "HAProxy in front and a certificate."
    )
    example: ClassVar[str] = """\
kind: dev_environment
name: dev
segment: {name: dev, vlan: 30, subnet: 10.0.30.0/24, role: trusted}   # or the name of a network_segment
machine:
  type: vm                     # or lxc
  memory: 4096
  cores: 2
  cloudinit: {user: dev, ssh_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHomelabExampleKeyOnly dev@example"]}
database: {password: {secret: DEV_DB_PASSWORD}}
app_port: 8080                 # what the proxy forwards to on the machine
"""

    kind: Literal["dev_environment"]
    segment: str | StackRef | InlineSegment = Field(
        description="Name of a network_segment intent in this file, {stack, name} of one another stack deployed, "
        "or a mapping of network_segment fields."
    )
    machine: DevVm | DevLxc = Field(
        default_factory=DevVm, discriminator="type", description="The dev machine: {type: vm|lxc, ...} fields."
    )
    address: str | None = Field(default=None, description="The machine's address in the segment; default .10.")
    database: Database | None = Field(default=None, description="PostgreSQL: {password: {secret: VAR}, ...}.")
    hostname: str | None = Field(default=None, description="Name behind the proxy; default <name>.<segment domain>.")
    app_port: int = Field(default=8080, ge=1, le=65535, description="Port on the machine the proxy forwards to.")
    listen: list[str] = Field(default_factory=lambda: ["0.0.0.0:8443"], description="HAProxy frontend binds.")
    certificate: CertificateFields = Field(
        default_factory=CertificateFields, description="How the certificate is issued: {issuer: acme|internal}."
    )

    def _address(self, segment: Segment, context: ExpansionContext) -> str:
        if self.address is None:
            return str(segment.host(10))
        try:
            return str(segment.check_address(self.address, "address"))
        except ValueError as err:
            raise IntentError(f"{context.where}.address: {err}") from None

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        """The machine's address, how to reach it over SSH and its vmid; the URL behind the proxy; the
        database's published address, name and user; the certificate's files."""
        segment, _ = segment_for(self.segment, self, context)
        address = self._address(segment, context)
        hostname = self.hostname or f"{self.name}.{segment.domain}"
        if isinstance(self.machine, DevVm):
            kind, user = "proxmox.vm", (self.machine.cloudinit or CloudInit()).user
        else:
            kind, user = "proxmox.lxc", "root"
        found: dict[str, Any] = {
            "address": address, "ssh": f"{user}@{address}", "vmid": facts.get(f"{kind}.{self.name}", "vmid"),
            "url": proxy_urls(hostname, self.listen)[0], "hostname": hostname, "segment": segment.name,
        }
        if self.database is not None:
            database = self.database
            found.update(database=f"{database.publish_address}:{database.host_port}",
                         database_name=database.database or self.name, database_user=database.user or self.name)
        certificate = certificate_outputs(self.name, self.certificate, facts)
        found.update(certificate=certificate["fullchain_file"], certificate_key=certificate["key_file"])
        return found

    def expand(self, context: ExpansionContext) -> list[Resource]:
        segment, resources = segment_for(self.segment, self, context)
        address = self._address(segment, context)
        placement = Placement(
            tag=segment.vlan, ip=f"{address}/{segment.network.prefixlen}", gateway=str(segment.gateway),
            nameserver=str(segment.gateway), searchdomain=segment.domain,
        )
        proxmox = context.endpoints.resolve("proxmox", self.machine.endpoint, f"{context.where}.machine")
        meta = intent_meta(self, **segment.meta())
        after = tuple(resource.address for resource in resources if resource.kind == "opnsense.dhcp_subnet")
        if isinstance(self.machine, DevVm):
            machine = Resource(kind="proxmox.vm", name=self.name, endpoint=proxmox, origin=self.name, meta=meta,
                               depends_on=after, spec=self.machine.vm_spec(self.name, self.tags, placement))
        else:
            machine = Resource(kind="proxmox.lxc", name=self.name, endpoint=proxmox, origin=self.name, meta=meta,
                               depends_on=after, spec=self.machine.lxc_spec(self.name, self.tags, placement))
        resources.append(machine)
        if self.database is not None:
            resources += self._database(self.database, context)
        hostname = self.hostname or f"{self.name}.{segment.domain}"
        resources += reverse_proxy_resources(self.name, [(address, self.app_port)], self.listen, segment.endpoint, self)
        resources += certificate_resources(self.name, [hostname], self.certificate, self, context)
        host, _, domain = hostname.partition(".")
        resources.append(Resource(
            kind="opnsense.host_override", name=self.name, endpoint=segment.endpoint, origin=self.name, meta=meta,
            spec={"hostname": host, "domain": domain, "rr": "A", "server": str(segment.gateway),
                  "description": f"{self.name} dev environment (HAProxy)", "state": "present"},
        ))
        return resources

    def _database(self, database: Database, context: ExpansionContext) -> list[Resource]:
        endpoint = context.endpoints.resolve("docker", database.endpoint, f"{context.where}.database")
        meta = intent_meta(self)
        volume = Resource(kind="docker.volume", name=f"{self.name}-db-data", endpoint=endpoint, origin=self.name,
                          meta=meta, spec={"name": f"{self.name}-db-data", "state": "present"})
        container = Resource(
            kind="docker.container", name=f"{self.name}-db", endpoint=endpoint, origin=self.name, meta=meta,
            depends_on=(volume.address,),
            spec={
                "name": f"{self.name}-db", "image": database.image, "state": "started",
                "env": {"POSTGRES_DB": database.database or self.name, "POSTGRES_USER": database.user or self.name,
                        "POSTGRES_PASSWORD": database.password.model_dump()},
                "ports": [f"{database.publish_address}:{database.host_port}:5432/tcp"],
                "volumes": [f"{volume.name}:/var/lib/postgresql/data"], "memory": database.memory,
                "restart_policy": "unless-stopped",
            },
        )
        return [volume, container]
