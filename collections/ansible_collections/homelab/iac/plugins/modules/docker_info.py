#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_info
short_description: Report a Docker engine's version, containers and usage; list its networks, volumes and containers
version_added: 0.1.0
description:
  - Reads, never changes. Returns the engine's version and size and, per container, its state and
    (for running containers) one sample of its resource usage - memory, CPU time, network and block
    I/O, processes.
  - Usage comes from one C(docker stats) sample per running container, taken without waiting for a
    second sample, so CPU is reported as the CPU time used since the container started.
  - "B(Discovery.) O(networks), O(volumes) and O(container_specs) list the engine's objects, made by
    homelab-iac or by hand, as discovery items: C(kind) (the M(homelab.iac.docker_batch) item kind
    V(network), V(volume) or V(container)), C(id) (the import id: the object's name), C(name) (a suggested
    resource name), C(managed) (whether it carries the label C(io.homelab-iac.managed=true)), C(spec)
    and C(facts)."
  - C(spec) is the object's current state exactly as M(homelab.iac.docker_network),
    M(homelab.iac.docker_volume) or M(homelab.iac.docker_container) return it in C(diff.before) of a
    check-mode run with only C(name) and C(adopt=true) (environment values are masked, as there);
    C(facts) is what that module returns about it (the container's id, the network's attached
    containers...). The engine's own networks V(bridge), V(host) and V(none) are not listed.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
attributes:
  check_mode:
    description: Reads only, so check mode runs it as usual.
    support: full
  diff_mode:
    description: Never changes anything, so there is no diff.
    support: none
  idempotent:
    description: Never changes anything.
    support: full
options:
  containers:
    description:
      - List the containers.
    type: bool
    default: true
  stats:
    description:
      - Sample the resource usage of running containers (one engine call each).
    type: bool
    default: true
  managed_only:
    description:
      - List only containers (and networks and volumes) created by homelab.iac (label
        C(io.homelab-iac.managed=true)).
    type: bool
    default: false
  networks:
    description:
      - List the networks as discovery items (one listing, one inspect per network).
    type: bool
    default: false
  volumes:
    description:
      - List the named volumes as discovery items (one listing, one inspect per volume).
    type: bool
    default: false
  container_specs:
    description:
      - List the containers as discovery items (one listing, one inspect per container and per image).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: What runs on the Docker host, and what does it use
  homelab.iac.docker_info:
    managed_only: true
  register: docker

- name: Show memory per container
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.usage.memory_bytes | default('-') }}"
  loop: "{{ docker.containers }}"

- name: What is on the engine that homelab-iac did not make
  homelab.iac.docker_info:
    containers: false
    networks: true
    volumes: true
    container_specs: true
  register: found

- name: The hand-made ones
  ansible.builtin.debug:
    msg: "{{ (found.networks + found.volumes + found.container_specs) | rejectattr('managed') | map(attribute='id') }}"
"""

RETURN = r"""
engine:
  description: The engine.
  returned: always
  type: dict
  contains:
    version:
      description: Engine version.
      type: str
      sample: 20.10.24+dfsg1
    api_version:
      description: Engine API version.
      type: str
      sample: "1.41"
    os:
      description: Operating system of the Docker host.
      type: str
      sample: Debian GNU/Linux 12 (bookworm)
    kernel:
      description: Kernel version.
      type: str
      sample: 6.1.0-18-amd64
    cpus:
      description: CPUs of the Docker host.
      type: int
      sample: 4
    memory:
      description: Memory of the Docker host in bytes.
      type: int
      sample: 16777216000
    containers:
      description: Number of containers.
      type: int
      sample: 3
    containers_running:
      description: Number of running containers.
      type: int
      sample: 2
    images:
      description: Number of images.
      type: int
      sample: 5
    storage_driver:
      description: Storage driver.
      type: str
      sample: overlay2
containers:
  description: Containers, sorted by name.
  returned: when O(containers=true)
  type: list
  elements: dict
  contains:
    id:
      description: Container id.
      type: str
      sample: 260c2b47542335638b957c5fd3cd9e8ecb180473f442a80e58ebdd7bc054a9ee
    name:
      description: Container name.
      type: str
      sample: web
    image:
      description: Image as given at creation.
      type: str
      sample: homelab/busybox:latest
    state:
      description: Docker's state word.
      type: str
      sample: running
    status:
      description: Docker's status text, including health.
      type: str
      sample: Up 5 minutes (healthy)
    managed:
      description: Whether homelab.iac created it.
      type: bool
      sample: true
    stack:
      description: Name of the M(homelab.iac.docker_stack) it belongs to, if any.
      type: str
      sample: minecraft
    usage:
      description: Resource usage of a running container when O(stats=true); null otherwise.
      type: dict
      sample:
        memory_bytes: 1048576
        memory_limit_bytes: 67108864
        memory_percent: 1.56
        cpu_seconds: 0.012
        network_rx_bytes: 1024
        network_tx_bytes: 512
        block_read_bytes: 0
        block_write_bytes: 0
        pids: 2
networks:
  description: User networks as discovery items, sorted by name.
  returned: when O(networks=true)
  type: list
  elements: dict
  contains: &discovery
    kind:
      description: The M(homelab.iac.docker_batch) item kind, V(network), V(volume) or V(container).
      type: str
      sample: network
    id:
      description: Import id, the object's name.
      type: str
      sample: legacy-net
    name:
      description: Suggested resource name (lower case, letters, digits and C(-); unique in the list).
      type: str
      sample: legacy-net
    managed:
      description: Whether the object carries the label C(io.homelab-iac.managed=true).
      type: bool
      sample: false
    spec:
      description: Current state as the kind's module shows it in C(diff.before).
      type: dict
      sample: {"driver": "bridge", "subnet": "10.77.5.0/24", "gateway": "10.77.5.1", "internal": false,
               "labels": {"owner": "me"}}
    facts:
      description: What the kind's module returns about the object.
      type: dict
      sample: {"id": "4b3c...", "name": "legacy-net", "driver": "bridge", "containers": []}
volumes:
  description: Named volumes as discovery items, sorted by name.
  returned: when O(volumes=true)
  type: list
  elements: dict
  contains: *discovery
container_specs:
  description: Containers as discovery items, sorted by name.
  returned: when O(container_specs=true)
  type: list
  elements: dict
  contains: *discovery
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_info import run_info_module  # noqa: E402


def main() -> None:
    """Report on one Docker engine."""
    run_info_module()


if __name__ == "__main__":
    main()
