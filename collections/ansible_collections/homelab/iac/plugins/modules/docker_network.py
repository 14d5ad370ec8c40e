#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_network
short_description: Create, replace or remove a Docker network
version_added: 0.1.0
description:
  - Makes a Docker network match the task, identified by O(name).
  - Docker cannot change a network in place, so a different O(driver), O(driver_options), O(subnet),
    O(gateway), O(internal) or O(labels) replaces the network (delete, then create). RV(replaced_because) names
    the properties that made it necessary.
  - Removing or replacing a network that has containers attached fails, naming the containers,
    unless O(force=true) disconnects them first. Forced containers are not reconnected to the new
    network; rerun their M(homelab.iac.docker_container) tasks to reconnect them.
  - The network gets the label C(io.homelab-iac.managed=true); networks without it are never removed
    or replaced, unless O(adopt=true) takes them over.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._docker.ADOPT
  - homelab.iac._attributes
options:
  name:
    description:
      - Name of the network. Identifies it.
    type: str
    required: true
  state:
    description:
      - V(present) creates the network or replaces it when it differs; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  driver:
    description:
      - Network driver. A change replaces the network.
      - V(macvlan) puts containers on a physical segment (a VLAN) with addresses of their own, beside
        the Docker host rather than behind it; give the host's interface as C(parent) in O(driver_options).
    type: str
    default: bridge
  driver_options:
    description:
      - Options of the driver, as C(docker network create -o KEY=VALUE) takes them. For V(macvlan),
        C(parent) is the host interface the containers' interfaces sit on, either an access port such as
        V(enp3s0), or a VLAN sub-interface V(eth0.20) of a trunk, which the engine creates when it is
        missing.
      - When omitted they are not compared. A change replaces the network.
    type: dict
  subnet:
    description:
      - IPv4 subnet in CIDR form, for example V(172.30.10.0/24). When omitted, Docker picks one and it
        is not compared. A change replaces the network.
    type: str
  gateway:
    description:
      - IPv4 gateway inside O(subnet). When omitted it is not compared. A change replaces the network.
    type: str
  internal:
    description:
      - Restrict external access to the network. A change replaces the network.
    type: bool
    default: false
  labels:
    description:
      - Labels of the network. When set, they are compared exactly (plus the managed label, which is
        always added); when omitted, labels are not compared. Docker cannot update labels, so a
        change replaces the network.
    type: dict
  force:
    description:
      - Disconnect attached containers when the network has to be removed or replaced.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A network for game servers
  homelab.iac.docker_network:
    name: gaming
    subnet: 172.30.10.0/24
    gateway: 172.30.10.1
    labels:
      homelab.role: gaming

- name: Connection options once for all docker modules of the play
  module_defaults:
    group/homelab.iac.docker:
      docker_host: unix:///run/homelab-lab/docker.sock
  block:
    - name: An internal network without outside access
      homelab.iac.docker_network:
        name: backend
        internal: true

- name: Containers on VLAN 20 itself, through the trunk eth0 (the engine creates eth0.20)
  homelab.iac.docker_network:
    name: gaming
    driver: macvlan
    driver_options:
      parent: eth0.20
    subnet: 10.0.20.0/24
    gateway: 10.0.20.1

- name: Remove a network, disconnecting whatever is still attached
  homelab.iac.docker_network:
    name: gaming
    state: absent
    force: true

- name: Take over a network made with docker network create (nothing is written while it matches)
  homelab.iac.docker_network:
    name: legacy-net
    adopt: true
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: create
  choices: [noop, create, replace, delete]
replaced_because:
  description: Properties whose change made a replacement necessary; empty unless RV(action=replace).
  returned: always
  type: list
  elements: str
  sample: [subnet]
updated:
  description: Properties changed in place. Always empty for networks, which Docker cannot update.
  returned: always
  type: list
  elements: str
  sample: []
network:
  description:
    - The network as the engine reports it after the change; empty after removal.
    - In check mode, the network as it is now (empty when it would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Network id.
      type: str
      sample: 6976ae5798ee1d1e0c5b1aa9c6d37d1f6e0e34d7c0b1c4a0d7f6a1b2c3d4e5f6
    name:
      description: Network name.
      type: str
      sample: gaming
    driver:
      description: Network driver.
      type: str
      sample: bridge
    driver_options:
      description: The driver's options.
      type: dict
      sample: {"parent": "eth0.20"}
    subnet:
      description: IPv4 subnet (CIDR).
      type: str
      sample: 172.30.10.0/24
    gateway:
      description: IPv4 gateway, when the engine reports one.
      type: str
      sample: 172.30.10.1
    internal:
      description: Whether outside access is restricted.
      type: bool
      sample: false
    labels:
      description: Labels, including C(io.homelab-iac.managed).
      type: dict
      sample: {"io.homelab-iac.managed": "true", "homelab.role": "gaming"}
    containers:
      description: Names of the attached containers.
      type: list
      elements: str
      sample: [minecraft]
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_network import run_network_module  # noqa: E402


def main() -> None:
    """Reconcile one Docker network."""
    run_network_module()


if __name__ == "__main__":
    main()
