#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_container
short_description: Create, update, recreate, start, stop or remove a Docker container
version_added: 0.1.0
description:
  - Makes a Docker container match the task, identified by O(name).
  - What Docker can change in place is changed in place, without a new container - the running
    state, network membership (connect/disconnect), O(memory), O(cpus) and O(restart_policy).
    Every other difference (O(image), O(command), O(env), O(ports), O(labels), moving in or out of
    the C(none) network) recreates the container; RV(recreated_because) names the properties.
  - A recreation keeps the old container, stopped and renamed, until the new one has started. When
    the new one fails (for example because a host port is taken), it is removed and the old one is
    renamed back and restarted, so the run leaves no partial change.
  - Options that are not set are not compared, except O(restart_policy), which has a default.
  - The container gets the label C(io.homelab-iac.managed=true). Containers without it are never
    removed or recreated; the task fails instead and changes nothing.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._attributes
options:
  name:
    description:
      - Name of the container. Identifies it.
    type: str
    required: true
  state:
    description:
      - V(started) - the container exists and runs.
      - V(stopped) - the container exists and does not run.
      - V(present) - the container exists; a new one is created but not started and the running
        state of an existing one is left alone.
      - V(absent) - the container does not exist.
    type: str
    choices: [started, stopped, present, absent]
    default: started
  image:
    description:
      - Image to run, C(repository[:tag]); a missing tag means C(latest). Required unless
        O(state=absent).
      - The image must be present on the Docker host or pullable. When it is neither, the task fails
        naming the image. Check mode never pulls; it plans as if the pull would succeed.
    type: str
  command:
    description:
      - Command to run, as a list of arguments or a string split like a shell would.
      - When omitted, the image's command is used and not compared.
    type: raw
  env:
    description:
      - Environment variables. Values are treated as secrets - masked in the diff, never returned,
        and kept out of logs (C(no_log)). Variables the image itself defines are not compared.
      - Because of C(no_log), Ansible hides any output text equal to one of the values; avoid short
        values such as V(true) that would mask unrelated output.
    type: dict
  ports:
    description:
      - Published ports, each C(HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]), for example
        V(127.0.0.1:8080:80). The host IP is required so nothing binds 0.0.0.0 by accident; write
        V(0.0.0.0:8080:80) to publish on every interface on purpose. An IPv6 host IP goes in brackets.
      - If a host port is already in use the task fails with a message naming the port and the
        entry, and the container created by the run is removed.
    type: list
    elements: str
  networks:
    description:
      - Networks the container is attached to, exactly. Changes connect and disconnect the
        container without recreating it. An empty list means no networking (network mode C(none)).
      - When omitted, Docker's default network is used and membership is not compared. An engine
        started with C(--bridge=none) (like the homelab-iac lab's) has no default network, so such a
        container has no networking and its O(ports) are not published.
    type: list
    elements: dict
    suboptions:
      name:
        description: Network name.
        type: str
        required: true
      ipv4_address:
        description: Fixed IPv4 address in the network's subnet.
        type: str
      aliases:
        description: Extra DNS names of the container in this network.
        type: list
        elements: str
  memory:
    description:
      - Memory limit, for example V(512m) or V(4g) (binary units). Changed in place. Swap is limited to
        the same amount again (Docker's default of twice the memory).
    type: str
  cpus:
    description:
      - Number of CPUs the container may use, for example V(1.5). Changed in place.
    type: float
  restart_policy:
    description:
      - Restart policy. Changed in place.
    type: str
    choices: ["no", always, unless-stopped, on-failure]
    default: unless-stopped
  labels:
    description:
      - Labels. When set, they are compared exactly (plus the managed label, which is always added;
        labels that come from the image are not compared); when omitted, labels are not compared.
        Docker cannot update labels, so a change recreates the container.
    type: dict
"""

EXAMPLES = r"""
- name: A web server published on loopback only
  homelab.iac.docker_container:
    name: web
    image: homelab/busybox:latest
    command: httpd -f -p 80 -h /www
    ports:
      - 127.0.0.1:8080:80
    networks:
      - name: frontend
        ipv4_address: 172.30.20.10
        aliases: [www]
    memory: 256m
    cpus: 0.5
    env:
      API_TOKEN: "{{ vault_api_token }}"
    labels:
      homelab.role: web
  register: web

- name: Show where it runs
  ansible.builtin.debug:
    msg: "{{ web.container.networks.frontend.ip }} {{ web.recreated_because }}"

- name: Stop it without removing it
  homelab.iac.docker_container:
    name: web
    image: homelab/busybox:latest
    state: stopped

- name: Remove it
  homelab.iac.docker_container:
    name: web
    state: absent
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: replace
  choices: [noop, create, update, replace, delete]
recreated_because:
  description: Properties whose change made a new container necessary; empty unless RV(action=replace).
  returned: always
  type: list
  elements: str
  sample: [image, ports]
updated:
  description: Properties changed in place (networks, memory, cpus, restart_policy, running).
  returned: always
  type: list
  elements: str
  sample: [networks]
container:
  description:
    - The container as the engine reports it after the change; empty after removal. Never contains
      the environment.
    - In check mode, the container as it is now (empty when it would be created).
  returned: always
  type: dict
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
      description: Image as given when the container was created.
      type: str
      sample: homelab/busybox:latest
    status:
      description: Docker's status word.
      type: str
      sample: running
    ports:
      description: Published ports as C(HOST_IP:HOST_PORT:CONTAINER_PORT/PROTO).
      type: list
      elements: str
      sample: ["127.0.0.1:8080:80/tcp"]
    networks:
      description: Attached networks and the container's IPv4 address in each (null while stopped).
      type: dict
      sample: {"frontend": {"ip": "172.30.20.10"}}
    labels:
      description: Labels, including C(io.homelab-iac.managed).
      type: dict
      sample: {"io.homelab-iac.managed": "true", "homelab.role": "web"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_container import run_container_module  # noqa: E402


def main() -> None:
    """Reconcile one Docker container."""
    run_container_module()


if __name__ == "__main__":
    main()
