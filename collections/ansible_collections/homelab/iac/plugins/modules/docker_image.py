#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_image
short_description: Make a local Docker image present from a build context, an archive or a registry
version_added: 0.1.0
description:
  - Makes the image O(name) present on the Docker host, or removes it.
  - O(source=build) builds it from a local context directory with a Dockerfile. The build records a
    digest of the context (every file's path, mode and content, the Dockerfile name, O(build.args)
    and O(labels)) in the label C(io.homelab-iac.context-digest); a rerun rebuilds only when that
    digest changed, and RV(replaced_because) is then V([source_digest]).
  - O(source=load) loads a C(docker save) archive and tags its image as O(name). The archive's image
    id is read from the file, so a rerun loads again only when the archive holds a different image.
  - O(source=pull) pulls O(name) from its registry when it is not present. Without a reachable
    registry the task fails with the engine's message. A present image is not pulled again.
  - Built images get the label C(io.homelab-iac.managed=true). O(state=absent) removes only such
    images (the name; the image goes when no other name or container uses it).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._attributes
options:
  name:
    description:
      - Image name, C(repository[:tag]); a missing tag means C(latest). Identifies the image.
    type: str
    required: true
  state:
    description:
      - V(present) - the image exists locally; V(absent) - the name is removed.
    type: str
    choices: [present, absent]
    default: present
  source:
    description:
      - Where the image comes from. Defaults to V(build) when O(build) is set, V(load) when
        O(load_path) is set, otherwise V(pull).
    type: str
    choices: [build, load, pull]
  build:
    description:
      - The build context.
    type: dict
    suboptions:
      path:
        description: Context directory on the Docker host's controller (where the module runs).
        type: path
        required: true
      dockerfile:
        description: Dockerfile name inside O(build.path).
        type: str
      args:
        description: Build arguments (C(ARG) values).
        type: dict
  load_path:
    description:
      - A C(docker save) archive (tar) to load.
    type: path
  labels:
    description:
      - Labels given to a built image (only O(source=build) can label an image).
    type: dict
"""

EXAMPLES = r"""
- name: Build the game server image from a local context
  homelab.iac.docker_image:
    name: homelab/minecraft:1.21
    build:
      path: /srv/images/minecraft
      args:
        VERSION: "1.21"
    labels:
      homelab.app: minecraft

- name: Load an image shipped as an archive
  homelab.iac.docker_image:
    name: homelab/tools:1.0
    load_path: /srv/images/tools-1.0.tar

- name: Pull from a registry (fails clearly when none is reachable)
  homelab.iac.docker_image:
    name: docker.io/library/alpine:3.20
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: create
  choices: [noop, create, replace, delete]
replaced_because:
  description: V([source_digest]) when a changed context or archive was built or loaded again.
  returned: always
  type: list
  elements: str
  sample: [source_digest]
updated:
  description: Always empty.
  returned: always
  type: list
  elements: str
  sample: []
image:
  description: The image as the engine reports it after the change; empty after removal.
  returned: always
  type: dict
  contains:
    id:
      description: Image id.
      type: str
      sample: sha256:9b1a7c3d5e2f4a6b8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b
    name:
      description: The name managed by the task.
      type: str
      sample: homelab/minecraft:1.21
    tags:
      description: Every name of the image.
      type: list
      elements: str
      sample: ["homelab/minecraft:1.21"]
    size:
      description: Size in bytes.
      type: int
      sample: 1203712
    created:
      description: Creation time.
      type: str
      sample: "2026-11-23T19:25:13.123456789Z"
    labels:
      description: Image labels.
      type: dict
      sample: {"io.homelab-iac.managed": "true"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_image import run_image_module  # noqa: E402


def main() -> None:
    """Reconcile one local Docker image."""
    run_image_module()


if __name__ == "__main__":
    main()
