#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_haproxy_backend
short_description: Create, update or remove an HAProxy backend on OPNsense
version_added: 0.1.0
description:
  - Makes a backend (a pool of real servers) of the os-haproxy plugin match the task, through
    C(/api/haproxy/settings), identified by O(name).
  - O(servers) names servers made with M(homelab.iac.opnsense_haproxy_server); the module resolves
    them to the uuids OPNsense stores, and reports names back.
  - OPNsense refuses to delete a backend a frontend still uses ("Item in use by").
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  name:
    description:
      - Backend name. Identifies it.
    type: str
    required: true
  mode:
    description:
      - V(http) (layer 7) or V(tcp) (layer 4).
    type: str
    choices: [http, tcp]
    default: http
  algorithm:
    description:
      - Load-balancing algorithm.
    type: str
    choices: [source, roundrobin, static-rr, leastconn, uri, random]
    default: source
  servers:
    description:
      - Names of the servers in the pool, in order.
    type: list
    elements: str
    default: []
  health_check:
    description:
      - Check the servers' health.
    type: bool
    default: true
  description:
    description:
      - Free-text description.
    type: str
    default: ''
  enabled:
    description:
      - Whether it is active.
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
- name: Pool for the dev environment
  homelab.iac.opnsense_haproxy_backend:
    name: dev
    algorithm: roundrobin
    servers: [dev-web]
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
  sample: []
backup:
  description:
    - Id of the configuration backup holding the state before this change, for
      M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to).
  returned: when O(backup_before_change=true) and the task wrote a change
  type: str
  sample: config-1795462186.1760.xml
applied:
  description: Areas applied after the change (V(haproxy)).
  returned: always
  type: list
  elements: str
  sample: [haproxy]
backend:
  description: The backend after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The backend's uuid.
      type: str
      sample: 5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e
    name:
      description: Backend name.
      type: str
      sample: dev
    servers:
      description: Server names, in order.
      type: list
      elements: str
      sample: [dev-web]
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_proxy_vpn import HaproxyBackend  # noqa: E402


def main() -> None:
    """Reconcile one HAProxy backend."""
    OpnsenseModule({**HaproxyBackend.argument_spec, **APPLY_ARG}).run_single(HaproxyBackend, "backend")


if __name__ == "__main__":
    main()
