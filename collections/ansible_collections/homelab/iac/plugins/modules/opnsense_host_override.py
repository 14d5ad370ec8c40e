#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_host_override
short_description: Create, update or remove an Unbound host override on OPNsense
version_added: 0.1.0
description:
  - Makes an Unbound DNS host override match the task, through C(/api/unbound/settings); this is
    the local side of split-horizon DNS (a name that resolves to an inside address at home).
  - Identified by O(hostname), O(domain) and O(rr).
  - Applying restarts Unbound, which flushes its cache; a batch applies once for all overrides.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  hostname:
    description:
      - Host part, for example V(www); V(*) for a wildcard; empty for the domain itself.
    type: str
    required: true
  domain:
    description:
      - Domain, for example V(home.arpa).
    type: str
    required: true
  rr:
    description:
      - Record type.
    type: str
    choices: [A, AAAA, MX]
    default: A
  server:
    description:
      - Address the name resolves to; required for V(A) and V(AAAA).
    type: str
    default: ''
  mx:
    description:
      - Mail server host for V(MX) records.
    type: str
    default: ''
  mxprio:
    description:
      - Priority for V(MX) records.
    type: int
  description:
    description:
      - Free-text description.
    type: str
    default: ''
  enabled:
    description:
      - Whether the override is active.
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
- name: Resolve the game server to its inside address
  homelab.iac.opnsense_host_override:
    hostname: minecraft
    domain: home.arpa
    server: 10.0.30.10
    description: split horizon
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  choices: [noop, create, update, delete]
  sample: create
updated:
  description: Options changed in place.
  returned: always
  type: list
  elements: str
  sample: [server]
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(unbound)).
  returned: always
  type: list
  elements: str
  sample: [unbound]
host:
  description: The override after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The override's uuid.
      type: str
      sample: 2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b
    hostname:
      description: Host part.
      type: str
      sample: minecraft
    domain:
      description: Domain.
      type: str
      sample: home.arpa
    rr:
      description: Record type.
      type: str
      sample: A
    server:
      description: Address.
      type: str
      sample: 10.0.30.10
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resources import HostOverride  # noqa: E402


def main() -> None:
    """Reconcile one host override."""
    OpnsenseModule({**HostOverride.argument_spec, **APPLY_ARG}).run_single(HostOverride, "host")


if __name__ == "__main__":
    main()
