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
  - With O(archive=true), a tar of the volume's contents is written to O(archive_dir) on the controller
    before the volume is removed (or recreated with O(purge=true)), and RV(archive) returns its path.
    The contents are read through a helper container that is created from an image already on the
    engine (the smallest tagged one; it is never started, so no registry is needed and any image will
    do) with the volume mounted read-only, and removed again afterwards, also on failure. The task fails
    and removes nothing when the archive cannot be written, when the engine has no image at all, or when
    a container still uses the volume.
  - Restore an archive into a new volume with any image that has C(tar), for example
    C(docker volume create NAME && docker run --rm -i -v NAME:/volume IMAGE tar -xf - -C /volume < ARCHIVE).
  - The volume gets the label C(io.homelab-iac.managed=true); volumes without it are never removed
    or recreated, unless O(adopt=true) takes them over (recreating still needs O(purge=true)).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._docker.ADOPT
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
      - Allow recreating an existing volume whose driver, options or labels differ. Its data is lost
        (unless O(archive=true) keeps a copy).
    type: bool
    default: false
  archive:
    description:
      - Write a tar of the volume's contents to O(archive_dir) before removing or recreating it.
      - The archive is named C(<name>-<UTC time>.tar), for example C(minecraft-data-20261207T142000Z.tar)
        (C(-2), C(-3)... when that name is taken), with mode C(0600). It is written to C(<archive>.partial)
        and renamed only once it reads back as a whole tar.
      - Removing a volume that does not exist archives nothing. In check mode nothing is written;
        RV(archive_planned) names the archive a real run would write.
      - homelab-iac passes V(true) whenever it removes a volume.
    type: bool
    default: false
  archive_dir:
    description:
      - Directory on the controller (where the module runs) for the archives of O(archive=true); created
        with mode C(0700) when missing.
      - If not specified, the value of the E(IAC_VOLUME_ARCHIVE_DIR) environment variable is used; homelab-iac
        sets it to C(<IAC_HOME>/archives/volumes) for its runs.
      - Required when O(archive=true); the task fails naming this option when neither is set.
    type: path
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

- name: Remove a world, keeping a tar of it on the controller first
  homelab.iac.docker_volume:
    name: minecraft-world
    state: absent
    archive: true
    archive_dir: /srv/backups/volumes
  register: removed

- name: Where the archive went
  ansible.builtin.debug:
    msg: "{{ removed.archive | default('nothing to archive: the volume was already gone') }}"

- name: Take over a volume made by hand; its data and labels stay as they are
  homelab.iac.docker_volume:
    name: legacy-data
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
  description: Properties whose change recreated the volume (only with O(purge=true)).
  returned: always
  type: list
  elements: str
  sample: [labels]
archive:
  description:
    - Path of the tar of the volume's contents written before it was removed or recreated (O(archive=true)).
    - Entries are relative (C(./...)); C(tar -xf ARCHIVE -C MOUNTPOINT) restores them into a new volume.
    - Also returned when the removal failed after the archive was written (the archive is kept).
  returned: when O(archive=true) and the volume was removed or recreated
  type: str
  sample: /root/.local/state/homelab-iac/archives/volumes/minecraft-world-20261207T142000Z.tar
archive_planned:
  description: In check mode, the archive a real run would write before removing or recreating the volume.
  returned: in check mode, when O(archive=true) and the volume would be removed or recreated
  type: str
  sample: /root/.local/state/homelab-iac/archives/volumes/minecraft-world-20261207T142000Z.tar
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
