#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_volume
short_description: Create or remove a named Docker volume, keeping its data unless told otherwise
version_added: 0.1.0
description:
  - Makes a named Docker volume match the task, identified by O(name).
  - Docker cannot change a volume's O(driver), O(driver_options) or O(labels) in place, and a new
    volume starts empty. Such a change therefore fails and changes nothing, unless O(purge=true)
    allows recreating the volume (its data is lost); RV(replaced_because) then names the properties.
  - O(state=absent) removes the volume and its data. Docker refuses while a container uses it, and
    the task fails with Docker's message.
  - The volume gets the label C(io.homelab-iac.managed=true); volumes without it are never removed
    or recreated.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._attributes
options:
  name:
    description:
      - Name of the volume. Identifies it.
    type: str
    required: true
  state:
    description:
      - V(present) - the volume exists; V(absent) - it does not (its data is deleted).
    type: str
    choices: [present, absent]
    default: present
  driver:
    description:
      - Volume driver.
    type: str
    default: local
  driver_options:
    description:
      - Driver options, for example C(type), C(device) and C(o) of the C(local) driver. When omitted,
        not compared.
    type: dict
  labels:
    description:
      - Labels, compared exactly (plus the managed label, always added). When omitted, not compared.
    type: dict
  purge:
    description:
      - Allow recreating an existing volume whose driver, options or labels differ. Its data is lost.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: A volume for a game server's world
  homelab.iac.docker_volume:
    name: minecraft-world
    labels:
      homelab.app: minecraft

- name: A tmpfs-backed scratch volume
  homelab.iac.docker_volume:
    name: scratch
    driver_options:
      type: tmpfs
      device: tmpfs
      o: size=64m

- name: Remove it with its data
  homelab.iac.docker_volume:
    name: scratch
    state: absent
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: create
  choices: [noop, create, replace, delete]
replaced_because:
  description: Properties whose change recreated the volume (only with O(purge=true)).
  returned: always
  type: list
  elements: str
  sample: [labels]
updated:
  description: Always empty; nothing about a volume changes in place.
  returned: always
  type: list
  elements: str
  sample: []
volume:
  description: The volume as the engine reports it after the change; empty after removal.
  returned: always
  type: dict
  contains:
    name:
      description: Volume name.
      type: str
      sample: minecraft-world
    driver:
      description: Volume driver.
      type: str
      sample: local
    driver_options:
      description: Driver options.
      type: dict
      sample: {}
    mountpoint:
      description: Where the data lives on the Docker host.
      type: str
      sample: /var/lib/docker/volumes/minecraft-world/_data
    scope:
      description: C(local) or C(global).
      type: str
      sample: local
    labels:
      description: Labels, including C(io.homelab-iac.managed).
      type: dict
      sample: {"io.homelab-iac.managed": "true", "homelab.app": "minecraft"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_volume import run_volume_module  # noqa: E402


def main() -> None:
    """Reconcile one Docker volume."""
    run_volume_module()


if __name__ == "__main__":
    main()
