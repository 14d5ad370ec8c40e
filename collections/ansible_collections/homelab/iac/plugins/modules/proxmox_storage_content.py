#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxmox_storage_content
short_description: Make container templates and ISO images present on (or absent from) Proxmox VE storage
version_added: 0.1.0
description:
  - Makes the file C(<storage>:<content>/<filename>) exist on a storage, fetching it from the Proxmox
    appliance index (O(appliance)) or from a URL (O(url)) when it is missing; or removes it.
  - An existing file is never fetched again or replaced.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._proxmox
  - homelab.iac._attributes
options:
  storage:
    description: Storage holding the file; it must allow the O(content) type.
    type: str
    default: local
  content:
    description: V(vztmpl) for container templates, V(iso) for ISO images.
    type: str
    choices: [vztmpl, iso]
    default: vztmpl
  filename:
    description: File name on the storage. Defaults to O(appliance), or the last part of O(url).
    type: str
  appliance:
    description: Template file name from the appliance index, for example V(debian-12-standard_12.7-1_amd64.tar.zst).
    type: str
  url:
    description: URL to download the file from (on the Proxmox node, not the controller).
    type: str
  checksum:
    description: Expected checksum of the download.
    type: str
  checksum_algorithm:
    description: Algorithm of O(checksum).
    type: str
    choices: [md5, sha1, sha224, sha256, sha384, sha512]
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Debian 12 container template from the appliance index
  homelab.iac.proxmox_storage_content:
    appliance: debian-12-standard_12.7-1_amd64.tar.zst

- name: An installer ISO
  homelab.iac.proxmox_storage_content:
    content: iso
    url: https://cdimage.debian.org/debian-cd/current/amd64/iso-cd/debian-12.7.0-amd64-netinst.iso
    checksum_algorithm: sha256
    checksum: 8fde79cfc6b20a696200fc5c15219cf6d721e8feb367e9e0e33a79d1cb68fa83
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: create
  choices: [noop, create, delete]
volid:
  description: Volume id of the file.
  returned: always
  type: str
  sample: local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst
volume:
  description: The file as the storage lists it (volid, content, format, size, ctime); empty when absent.
  returned: always
  type: dict
upids:
  description: Proxmox task ids this run waited for.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.homelab.iac.plugins.module_utils._proxmox_storage_content import (  # noqa: E402
    run_storage_content_module,
)


def main() -> None:
    """Reconcile one file on a storage."""
    run_storage_content_module()


if __name__ == "__main__":
    main()
