#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_alias
short_description: Create, update or remove an OPNsense firewall alias
version_added: 0.1.0
description:
  - Makes a firewall alias match the task, through C(/api/firewall/alias), identified by its
    unique O(name).
  - O(content) is compared as a set; the order of entries does not matter.
  - OPNsense refuses to delete an alias that rules or other aliases use ("Alias in use"); the task
    fails with that message and changes nothing.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  name:
    description:
      - Alias name; letters, digits and underscores, shorter than 32 characters. Identifies the alias.
    type: str
    required: true
  type:
    description:
      - Alias type.
    type: str
    default: host
    choices: [host, network, port, url, urltable, geoip, networkgroup, mac, asn, dynipv6host, authgroup,
              internal, external, urljson]
  content:
    description:
      - Entries, validated by OPNsense according to O(type) (addresses, CIDRs, ports, other aliases...).
    type: list
    elements: str
    default: []
  description:
    description:
      - Free-text description.
    type: str
    default: ''
  enabled:
    description:
      - Whether the alias is active.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates; V(absent) removes.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Web servers
  homelab.iac.opnsense_alias:
    name: web_servers
    type: host
    content: [10.0.10.5, 10.0.10.6]
    description: reverse proxy targets

- name: Ports of a game server
  homelab.iac.opnsense_alias:
    name: minecraft_ports
    type: port
    content: ["25565", "19132"]
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  choices: [noop, create, update, delete]
  sample: update
updated:
  description: Options changed in place.
  returned: always
  type: list
  elements: str
  sample: [content]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(aliases)).
  returned: always
  type: list
  elements: str
  sample: [aliases]
alias:
  description: The alias after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The alias's uuid.
      type: str
      sample: 0b4d1c5e-8a7b-4c55-9f0e-1d2c3b4a5f60
    name:
      description: Alias name.
      type: str
      sample: web_servers
    type:
      description: Alias type.
      type: str
      sample: host
    content:
      description: Entries, sorted.
      type: list
      elements: str
      sample: [10.0.10.5, 10.0.10.6]
    description:
      description: Description.
      type: str
      sample: reverse proxy targets
    enabled:
      description: Whether the alias is active.
      type: bool
      sample: true
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import Alias  # noqa: E402


def main() -> None:
    """Reconcile one alias."""
    OpnsenseModule({**Alias.argument_spec, **APPLY_ARG}).run_single(Alias, "alias")


if __name__ == "__main__":
    main()
