#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_batch
short_description: Reconcile a list of Docker containers, networks, volumes, images and stacks in one task
version_added: 0.1.0
description:
  - Applies O(items) inside one module process. Each item takes exactly the options of its
    single-resource module (M(homelab.iac.docker_container), M(homelab.iac.docker_network),
    M(homelab.iac.docker_volume), M(homelab.iac.docker_image), M(homelab.iac.docker_stack)) plus
    C(kind), and is reconciled by the
    same code, so the result is the same as one task per item - only much faster, because Ansible's
    cost per task is paid once and independent items run concurrently.
  - Every item is validated before anything changes; an invalid item fails the task with no change.
  - Items that do not depend on each other run at the same time, up to O(workers) at once, each
    worker with its own engine connection. An item waits for every earlier item it depends on - the
    same object named twice; a container and the networks, volumes and image it names (in either
    order, so a network is created before the containers that join it and removed after the
    containers that leave it); networks, volumes and images among themselves; two containers whose
    host ports or static addresses overlap (counting what the existing containers hold now). What an
    existing container uses now counts too, so removing containers and then their network in one
    batch works. A V(stack) item runs alone, after everything before it and before everything after
    it. Typically that means networks, volumes and images first, in order, then the containers
    concurrently.
  - Existing state is read once - the containers are listed once, each image is inspected once,
    each object is inspected once until the batch itself changes it.
  - "On failure no further item is started; items already running finish. The task fails with a
    message naming the first failing item (C(items[INDEX] (KIND NAME): the engine's message)),
    RV(failed_index) and RV(results) with every item that completed - also items after
    RV(failed_index) that were already running when it failed, since they changed the engine and
    may need to be rolled back. Items not listed in RV(results) were not run."
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._attributes
options:
  items:
    description:
      - The resources. Each is a dict with C(kind) (V(container), V(network), V(volume), V(image) or
        V(stack)) and exactly that kind's module options, including C(state).
      - Containers take C(env) and C(secret_env) as in M(homelab.iac.docker_container) - values of
        C(secret_env) are hidden in all output (C(no_log)), C(env) values are shown unless the name
        looks secret, and such a name gets a warning naming the item. C(environment) values of stack
        services are hidden in the output like C(secret_env).
    type: list
    elements: dict
    required: true
    aliases: [resources]
  workers:
    description:
      - How many items may run at the same time (1 to 16). V(1) applies the items strictly in order,
        one after the other.
    type: int
    default: 4
"""

EXAMPLES = r"""
- name: A network, a volume and three workers in one task
  homelab.iac.docker_batch:
    items:
      - kind: volume
        name: web-data
      - kind: network
        name: frontend
        subnet: 172.30.20.0/24
      - kind: container
        name: web
        image: homelab/busybox:latest
        command: httpd -f -p 80 -h /www
        ports: [127.0.0.1:8080:80]
        networks: [{name: frontend}]
        volumes: [web-data:/data]
      - kind: container
        name: worker-1
        image: homelab/busybox:latest
        command: [sleep, infinity]
        networks: [{name: frontend}]
        env:
          QUEUE: jobs
        secret_env:
          QUEUE_TOKEN: "{{ vault_queue_token }}"
  register: batch

- name: Which items changed
  ansible.builtin.debug:
    msg: "{{ batch.results | selectattr('changed') | map(attribute='name') | list }}"

- name: Remove them again, containers before the network they are in, one at a time
  homelab.iac.docker_batch:
    workers: 1
    items:
      - {kind: container, name: worker-1, state: absent}
      - {kind: container, name: web, state: absent}
      - {kind: network, name: frontend, state: absent}
"""

RETURN = r"""
results:
  description:
    - One entry per item that completed, in input order (also on failure, see RV(failed_index)).
    - C(index) (position in O(items)), C(kind), C(name), C(changed), C(action) (V(create),
      V(update), V(replace), V(delete) or V(noop)), C(facts) (what the single-resource module
      returns under C(container), C(network), C(volume) or C(image); V({}) when the object is gone;
      for a stack the return values of M(homelab.iac.docker_stack) - C(services), C(networks),
      C(volumes), C(removed), C(kept_volumes)),
      C(updated) (properties changed in place), the kind's reasons key (C(recreated_because) for
      containers, C(replaced_because) otherwise) and, in diff mode, C(diff) (C(before) and C(after)).
    - A volume item with C(archive=true) that was removed or recreated also has C(archive), the path of the
      tar of its contents written first (C(archive_planned) in check mode), as
      M(homelab.iac.docker_volume) returns them. When such an item fails after its archive was written, the
      failed task's own result has C(archive).
  returned: always
  type: list
  elements: dict
  sample:
    - index: 0
      kind: network
      name: frontend
      changed: true
      action: create
      replaced_because: []
      updated: []
      facts: {"id": "4f1c0e", "name": "frontend", "driver": "bridge"}
failed_index:
  description: Index in O(items) of the failing item (the lowest one, when several failed at once).
  returned: on failure
  type: int
  sample: 3
archive:
  description:
    - The tar of a volume's contents that the failing item (RV(failed_index)) wrote before its removal failed;
      the archive is kept.
  returned: on failure, when the failing item is a volume whose archive was written
  type: str
  sample: /root/.local/state/homelab-iac/archives/volumes/minecraft-world-20261207T142000Z.tar
errors:
  description: Every item that failed, lowest index first, when more than one failed at the same time.
  returned: when several items failed
  type: list
  elements: dict
  sample: [{"index": 3, "msg": "items[3] (container web): ..."}]
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_batch import run_batch_module  # noqa: E402


def main() -> None:
    """Reconcile a list of Docker resources."""
    run_batch_module()


if __name__ == "__main__":
    main()
