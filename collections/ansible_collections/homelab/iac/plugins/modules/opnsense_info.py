#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_info
short_description: Read the version, health and interfaces of an OPNsense firewall
version_added: 0.1.0
description:
  - Returns facts about the firewall without changing anything. Each section costs one or two GET
    requests; C(version) reads C(/api/core/firmware/status) by GET, which never starts the
    network-bound update probe that a POST would.
  - A 401 or 403 answer means a key or privilege problem and fails the task with that message.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._attributes
attributes:
  check_mode:
    support: full
    details: Reads only, so check mode changes nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  gather:
    description:
      - Sections to read.
    type: list
    elements: str
    choices: [version, health, interfaces]
    default: [version, health, interfaces]
"""

EXAMPLES = r"""
- name: Which release runs here?
  homelab.iac.opnsense_info:
    gather: [version]
  register: fw

- name: Require 26.7 for interface assignment
  ansible.builtin.assert:
    that: fw.opnsense.version.series is version('26.7', '>=')
"""

RETURN = r"""
opnsense:
  description: The gathered sections.
  returned: always
  type: dict
  contains:
    version:
      description: Product name, version, series, nickname and architecture.
      returned: when gathered
      type: dict
      sample: {"product": "OPNsense", "version": "26.7.1", "series": "26.7", "nickname": "Witty Wolf", "arch": "amd64"}
    health:
      description: Host name, component versions, and whether each service runs.
      returned: when gathered
      type: dict
      sample: {"name": "OPNsense.lab.internal", "versions": ["OPNsense 26.7.1-amd64"], "services": {"unbound": true}}
    interfaces:
      description: Assigned interfaces with device, description, IPv4 addresses and VLAN tag.
      returned: when gathered
      type: list
      elements: dict
      sample:
        - {"identifier": "lan", "device": "vtnet1", "description": "LAN", "enabled": true,
           "ipv4": ["192.168.1.1/24"], "vlan_tag": null}
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseError  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_info import INFO_SECTIONS, gather_info  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import OpnsenseModule  # noqa: E402


def main() -> None:
    """Gather facts."""
    client = OpnsenseModule(
        {"gather": {"type": "list", "elements": "str", "choices": list(INFO_SECTIONS), "default": list(INFO_SECTIONS)}}
    )
    try:
        info = gather_info(client.api, client.params["gather"])
    except OpnsenseError as exc:
        client.fail(str(exc))
    client.module.exit_json(changed=False, opnsense=info)


if __name__ == "__main__":
    main()
