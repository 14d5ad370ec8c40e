#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_batch
short_description: Reconcile a list of Docker containers, networks, volumes and images in one task
version_added: 0.1.0
description:
  - Applies O(resources) in order inside one module process with one engine connection. Each item
    takes exactly the options of its single-resource module (M(homelab.iac.docker_container),
    M(homelab.iac.docker_network), M(homelab.iac.docker_volume), M(homelab.iac.docker_image)) plus
    C(kind), and is reconciled by the same code, so the result is the same as one task per item -
    only much faster, because Ansible's cost per task is paid once.
  - Every item is validated before anything changes; an invalid item fails the task with no change.
  - Existing state is read once - the container names are listed once, each object and image is
    inspected once until the batch itself changes it.
  - The first item that fails stops the batch. Items before it stay applied and are listed in
    RV(results); the failure message starts with C(resources[INDEX] (KIND NAME)) and
    RV(failed_index) says which item it was.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._attributes
options:
  resources:
    description:
      - The resources, applied in this order. Each is a dict with C(kind) (V(container), V(network),
        V(volume) or V(image)) and that kind's module options, including C(state).
      - C(env) values of containers are hidden in the output as in M(homelab.iac.docker_container).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Written out
  homelab.iac.docker_batch:
    resources:
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
  register: batch

- name: Which items changed
  ansible.builtin.debug:
    msg: "{{ batch.results | selectattr('changed') | map(attribute='name') | list }}"
"""

RETURN = r"""
results:
  description:
    - One entry per item that ran, in order. Each has C(index), C(kind), C(name), C(changed),
      C(action), C(updated), the kind's reasons key (C(recreated_because) for containers,
      C(replaced_because) otherwise) and the kind's facts key (C(container), C(network), C(volume),
      C(image)) exactly as the single-resource module returns them.
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
      network: {"id": "4f1c0e", "name": "frontend", "driver": "bridge"}
failed_index:
  description: Index in O(resources) of the item that failed.
  returned: on failure
  type: int
  sample: 3
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_batch import run_batch_module  # noqa: E402


def main() -> None:
    """Reconcile a list of Docker resources."""
    run_batch_module()


if __name__ == "__main__":
    main()
