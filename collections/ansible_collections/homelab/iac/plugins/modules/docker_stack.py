#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_stack
short_description: Converge a named group of Docker services, networks and volumes from a compose-style definition
version_added: 0.1.0
description:
  - Makes the stack O(name) match O(definition), a compose-style mapping with C(services),
    C(networks) and C(volumes). Volumes are converged first, then networks, then services in
    C(depends_on) order, each by the same code as M(homelab.iac.docker_volume),
    M(homelab.iac.docker_network) and M(homelab.iac.docker_container) - so a service is recreated only
    when a property that needs it changed, and RV(services) says which.
  - "Members are named C(STACK-SHORTNAME) (service C(web) of stack C(shop) is the container C(shop-web))
    and labelled C(io.homelab-iac.stack=STACK). Each service is reachable on its stack networks under
    its short name."
  - Members labelled with the stack that are no longer in the definition are removed (volumes only
    with O(purge_volumes=true); otherwise they are kept and listed in RV(kept_volumes)).
  - O(state=absent) removes exactly what carries the stack's label - containers, then networks, then
    (with O(purge_volumes=true)) volumes - and nothing else.
  - Invalid definitions fail before anything changes, naming the key. The first member that fails
    stops the run, and the message starts with its key and name, for example
    C(services.web (container shop-web)).
  - "Supported service keys: C(image), C(command), C(environment), C(ports) (with a host IP, as in
    M(homelab.iac.docker_container)), C(networks) (list, or mapping with C(ipv4_address)/C(aliases)),
    C(volumes) (short C(SOURCE:/TARGET[:ro]) or long syntax), C(mem_limit)/C(memory), C(cpus),
    C(restart) (default C(unless-stopped)), C(healthcheck), C(labels), C(init), C(stop_signal),
    C(stop_grace_period), C(depends_on). Network keys: C(driver), C(subnet), C(gateway), C(internal),
    C(labels), C(ipam), C(external). Volume keys: C(driver), C(driver_opts), C(labels), C(external)."
  - A service without C(networks) has no networking (it does not join the engine's default bridge).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._attributes
options:
  name:
    description:
      - Name of the stack; prefix of its members' names and value of their stack label.
    type: str
    required: true
  state:
    description:
      - V(present) - the stack matches O(definition); V(absent) - nothing labelled with the stack exists
        (volumes unless kept, see O(purge_volumes)).
    type: str
    choices: [present, absent]
    default: present
  definition:
    description:
      - The compose-style definition. Required when O(state=present). Environment values are hidden
        in the output like O(homelab.iac.docker_container#module:secret_env).
    type: dict
  purge_volumes:
    description:
      - Also remove the stack's volumes (and their data) on removal, and volumes dropped from the
        definition; and allow recreating a volume whose driver, options or labels changed (without it,
        such a change fails and changes nothing, as in M(homelab.iac.docker_volume)). Docker still
        refuses to remove a volume that a container uses; the task then fails with its message.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Minecraft with 4GB RAM and a backup sidecar
  homelab.iac.docker_stack:
    name: minecraft
    definition:
      networks:
        game:
          subnet: 172.30.40.0/24
      volumes:
        world: {}
      services:
        server:
          image: homelab/minecraft:1.21
          mem_limit: 4g
          cpus: 2
          environment:
            EULA: "true"
          ports: ["0.0.0.0:25565:25565"]
          networks:
            game:
              ipv4_address: 172.30.40.10
          volumes: ["world:/data"]
          healthcheck:
            test: nc -z 127.0.0.1 25565
            interval: 30s
          init: true
        backup:
          image: homelab/busybox:latest
          command: sleep 86400
          networks: [game]
          volumes: ["world:/data:ro"]
          depends_on: [server]
  register: minecraft

- name: Per-service status
  ansible.builtin.debug:
    msg: "{{ minecraft.services.server.status }} {{ minecraft.services.server.health }}"

- name: Remove the stack but keep the world
  homelab.iac.docker_stack:
    name: minecraft
    state: absent
"""

RETURN = r"""
services:
  description:
    - Per service (by short name) - C(name), C(action), C(recreated_because), C(updated) and the
      container's facts as M(homelab.iac.docker_container) returns them (C(id), C(status),
      C(health), C(ports), C(networks), C(mounts), ...).
  returned: always
  type: dict
  sample:
    server:
      name: minecraft-server
      action: create
      recreated_because: []
      updated: []
      status: running
      health: starting
networks:
  description: Per network (by short name) - C(name), C(action), C(replaced_because), C(updated) and its facts.
  returned: always
  type: dict
  sample: {"game": {"name": "minecraft-game", "action": "noop", "subnet": "172.30.40.0/24"}}
volumes:
  description: Per volume (by short name) - C(name), C(action), C(replaced_because), C(updated) and its facts.
  returned: always
  type: dict
  sample: {"world": {"name": "minecraft-world", "action": "noop", "driver": "local"}}
removed:
  description: Members removed because they are no longer defined (or the stack is absent), as C(KIND NAME).
  returned: always
  type: list
  elements: str
  sample: ["container minecraft-old"]
kept_volumes:
  description: Volumes of the stack that would have been removed but were kept (O(purge_volumes=false)).
  returned: always
  type: list
  elements: str
  sample: ["minecraft-world"]
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_stack import run_stack_module  # noqa: E402


def main() -> None:
    """Converge one Docker stack."""
    run_stack_module()


if __name__ == "__main__":
    main()
