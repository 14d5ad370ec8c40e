"""``vm`` and ``lxc``: Proxmox guests, and the field sets other intents embed (``dev_environment``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from planner.core.resources import Resource
from planner.errors import shown
from planner.intents.base import ExpansionContext, Facts, Intent, given
from planner.secrets import SecretRef

__all__ = [
    "DEBIAN_LXC_TEMPLATE", "CloudInit", "LxcFields", "LxcIntent", "Placement", "VmFields", "VmIntent", "guest_outputs",
]

# The container template the lab's Proxmox (and a stock PVE after `pveam download`) has on `local`.
DEBIAN_LXC_TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"


@dataclass(frozen=True)
class Placement:
    """Where a guest's first NIC sits: VLAN tag and static address (or DHCP), gateway and DNS."""

    tag: int | None = None
    ip: str = "dhcp"  # "dhcp" or an address in CIDR form
    gateway: str | None = None
    nameserver: str | None = None
    searchdomain: str | None = None


def _cidr(value: str | None) -> str | None:
    if value is not None and value != "dhcp":
        try:
            ipaddress.IPv4Interface(value)
        except ValueError:
            raise ValueError(f"{shown(value)} is not dhcp or an IPv4 address in CIDR form (10.0.30.10/24)") from None
        if "/" not in value:
            raise ValueError(f"{shown(value)} needs a prefix length, e.g. 10.0.30.10/24 (or write dhcp)")
    return value


class CloudInit(BaseModel):
    """Cloud-init of a VM: the default user, SSH keys and the first NIC's address."""

    model_config = ConfigDict(extra="forbid")

    user: str = Field(default="debian", description="Default user.")
    ssh_keys: list[str] = Field(default_factory=list, description="Public SSH keys of the user.")
    password: SecretRef | None = Field(default=None, description="Password of the user, as {secret: ENV_VAR}.")
    ip: str = Field(default="dhcp", description="dhcp, or the address in CIDR form (10.0.30.10/24).")
    gateway: str | None = Field(default=None, description="IPv4 gateway with a static ip.")
    nameserver: str | None = Field(default=None, description="DNS servers, space separated.")
    searchdomain: str | None = Field(default=None, description="DNS search domain.")

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        return _cidr(value) or value


class VmFields(BaseModel):
    """The fields of a Proxmox VM (used by ``vm`` and inline in ``dev_environment``)."""

    template: str | None = Field(
        default=None, description="Template (name or vmid) to clone; default: a new empty VM (the lab has none)."
    )
    full_clone: bool | None = Field(default=None, description="Full clone instead of linked (templates: linked).")
    node: str | None = Field(default=None, description="Proxmox node; default: the endpoint's (lab: pve).")
    memory: int = Field(default=2048, ge=64, description="Memory in MiB.")
    cores: int = Field(default=2, ge=1, le=128, description="CPU cores.")
    disk_size: int = Field(default=32, ge=1, description="Size of scsi0 in GiB (grows a cloned disk).")
    storage: str = Field(default="local-lvm", description="Storage of new disks and the cloud-init drive.")
    bridge: str = Field(default="vmbr0", description="Bridge of the first NIC.")
    vlan: int | None = Field(default=None, ge=1, le=4094, description="VLAN tag of the first NIC.")
    cloudinit: CloudInit | None = Field(default=None, description="Cloud-init: {user, ssh_keys, ip, gateway, ...}.")
    power: Literal["started", "present", "stopped"] = Field(default="started", description="Power state.")
    onboot: bool = Field(default=True, description="Start with the node.")
    description: str | None = Field(default=None, description="Notes shown in Proxmox.")
    endpoint: str | None = Field(default=None, description="Proxmox endpoint; default: the only one.")

    def vm_spec(self, name: str, tags: list[str], placement: Placement | None = None) -> dict[str, Any]:
        """The ``proxmox.vm`` spec; ``placement`` (from a segment) overrides the NIC and cloud-init address."""
        nic: dict[str, Any] = {"model": "virtio", "bridge": self.bridge}
        tag = placement.tag if placement else self.vlan
        if tag is not None:
            nic["tag"] = tag
        spec: dict[str, Any] = {
            "name": name, "state": self.power, "memory": self.memory, "cores": self.cores, "ostype": "l26",
            "agent": True, "onboot": self.onboot, "storage": self.storage,
            "disks": [{"slot": "scsi0", "size": f"{self.disk_size}G"}], "nics": [nic],
        }
        if self.template is not None:
            spec["clone"] = self.template
            if self.full_clone is not None:
                spec["full"] = self.full_clone
        else:
            spec["scsihw"] = "virtio-scsi-single"
        if self.node:
            spec["node"] = self.node
        if tags:
            spec["tags"] = list(tags)
        if self.description:
            spec["description"] = self.description
        cloudinit = self.cloudinit or (CloudInit() if placement else None)
        if cloudinit is not None:
            spec["cloudinit"] = _cloudinit_spec(cloudinit, placement, self.storage)
        return spec


def _cloudinit_spec(cloudinit: CloudInit, placement: Placement | None, storage: str) -> dict[str, Any]:
    ip = placement.ip if placement else cloudinit.ip
    gateway = placement.gateway if placement else cloudinit.gateway
    ipconfig = f"ip={ip}" + (f",gw={gateway}" if gateway and ip != "dhcp" else "")
    spec: dict[str, Any] = {"user": cloudinit.user, "ipconfig": [ipconfig], "storage": storage}
    if cloudinit.ssh_keys:
        spec["ssh_keys"] = list(cloudinit.ssh_keys)
    if cloudinit.password is not None:
        spec["password"] = cloudinit.password.model_dump()
    nameserver = (placement.nameserver if placement else None) or cloudinit.nameserver
    searchdomain = (placement.searchdomain if placement else None) or cloudinit.searchdomain
    if nameserver:
        spec["nameserver"] = nameserver
    if searchdomain:
        spec["searchdomain"] = searchdomain
    return spec


class LxcFields(BaseModel):
    """The fields of a Proxmox LXC container (used by ``lxc`` and inline in ``dev_environment``)."""

    ostemplate: str = Field(default=DEBIAN_LXC_TEMPLATE, description="Template volume (lab: Debian 12 on local).")
    node: str | None = Field(default=None, description="Proxmox node; default: the endpoint's (lab: pve).")
    memory: int = Field(default=1024, ge=16, description="Memory in MiB.")
    swap: int | None = Field(default=None, ge=0, description="Swap in MiB.")
    cores: int = Field(default=1, ge=1, le=128, description="CPU cores.")
    disk_size: int = Field(default=8, ge=1, description="Root disk in GiB.")
    storage: str = Field(default="local-lvm", description="Storage of the root disk.")
    bridge: str = Field(default="vmbr0", description="Bridge of eth0.")
    vlan: int | None = Field(default=None, ge=1, le=4094, description="VLAN tag of eth0.")
    ip: str = Field(default="dhcp", description="dhcp, or eth0's address in CIDR form.")
    gateway: str | None = Field(default=None, description="IPv4 gateway with a static ip.")
    ssh_public_keys: list[str] = Field(default_factory=list, description="Public SSH keys for root.")
    password: SecretRef | None = Field(default=None, description="Root password, as {secret: ENV_VAR}.")
    nesting: bool | None = Field(default=None, description="Allow nesting (e.g. Docker inside).")
    power: Literal["started", "present", "stopped"] = Field(default="started", description="Power state.")
    onboot: bool = Field(default=True, description="Start with the node.")
    description: str | None = Field(default=None, description="Notes shown in Proxmox.")
    endpoint: str | None = Field(default=None, description="Proxmox endpoint; default: the only one.")

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        return _cidr(value) or value

    def lxc_spec(self, name: str, tags: list[str], placement: Placement | None = None) -> dict[str, Any]:
        """The ``proxmox.lxc`` spec; ``placement`` (from a segment) overrides eth0 and DNS."""
        nic: dict[str, Any] = {"name": "eth0", "bridge": self.bridge, "ip": placement.ip if placement else self.ip}
        gateway = placement.gateway if placement else self.gateway
        if gateway and nic["ip"] != "dhcp":
            nic["gw"] = gateway
        tag = placement.tag if placement else self.vlan
        if tag is not None:
            nic["tag"] = tag
        spec: dict[str, Any] = {
            "hostname": name, "state": self.power, "ostemplate": self.ostemplate, "storage": self.storage,
            "disk_size": self.disk_size, "memory": self.memory, "cores": self.cores, "unprivileged": True,
            "onboot": self.onboot, "nics": [nic],
        }
        spec.update(given(swap=self.swap, nesting=self.nesting, description=self.description, node=self.node))
        if self.ssh_public_keys:
            spec["ssh_public_keys"] = list(self.ssh_public_keys)
        if self.password is not None:
            spec["password"] = self.password.model_dump()
        if tags:
            spec["tags"] = list(tags)
        if placement and placement.nameserver:
            spec["nameserver"] = placement.nameserver
        if placement and placement.searchdomain:
            spec["searchdomain"] = placement.searchdomain
        return spec


def guest_outputs(address: str, ip: str, node: str | None, vlan: int | None, facts: Facts) -> dict[str, Any]:
    """A Proxmox guest's outputs: the vmid Proxmox gave it, its node, its address (``dhcp`` when it takes one
    and none is recorded), VLAN and first MAC address."""
    macs = facts.get(address, "macs")
    if ip == "dhcp":
        ip = facts.get(address, "ip") or "dhcp"
    return {"vmid": facts.get(address, "vmid"), "node": facts.get(address, "node") or node,
            "ip": ip.split("/")[0], "vlan": vlan,
            "mac": next(iter(macs.values()), None) if isinstance(macs, dict) and macs else None}


class VmIntent(VmFields, Intent):
    """A Proxmox VM: a new one or a clone of a template, with cloud-init."""

    summary: ClassVar[str] = "A Proxmox VM (new, or cloned from a template) with disk, NIC/VLAN and cloud-init."
    example: ClassVar[str] = """\
kind: vm
name: builder
memory: 4096
cores: 2
disk_size: 32
vlan: 30
cloudinit:
  user: debian
  ssh_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHomelabExampleKeyOnly builder@example"]
  ip: dhcp
# template: debian-12-cloud     # clone a template instead (the lab's Proxmox has no VM templates)
"""

    kind: Literal["vm"]

    def expand(self, context: ExpansionContext) -> list[Resource]:
        return self.sole_resource(context, "proxmox.vm", self.vm_spec(self.name, self.tags), self.endpoint)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        ip = self.cloudinit.ip if self.cloudinit else "dhcp"
        return guest_outputs(f"proxmox.vm.{self.name}", ip, self.node, self.vlan, facts)


class LxcIntent(LxcFields, Intent):
    """A Proxmox LXC container from a template."""

    summary: ClassVar[str] = "A Proxmox LXC container from a template, with root disk, NIC/VLAN and SSH keys."
    example: ClassVar[str] = """\
kind: lxc
name: pihole
memory: 512
cores: 1
disk_size: 8
ip: dhcp
ssh_public_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHomelabExampleKeyOnly pihole@example"]
# ostemplate: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst   # the default
"""

    kind: Literal["lxc"]

    def expand(self, context: ExpansionContext) -> list[Resource]:
        return self.sole_resource(context, "proxmox.lxc", self.lxc_spec(self.name, self.tags), self.endpoint)

    def outputs(self, context: ExpansionContext, facts: Facts) -> dict[str, Any]:
        guest = guest_outputs(f"proxmox.lxc.{self.name}", self.ip, self.node, self.vlan, facts)
        return {"hostname": self.name, **guest}
