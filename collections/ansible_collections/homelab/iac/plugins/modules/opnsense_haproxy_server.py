#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_haproxy_server
short_description: Create, update or remove an HAProxy real server on OPNsense
version_added: 0.1.0
description:
  - Makes a server of the os-haproxy plugin match the task, through C(/api/haproxy/settings),
    identified by O(name). Backends list servers by name (M(homelab.iac.opnsense_haproxy_backend)).
  - OPNsense refuses to delete a server a backend still uses ("Item in use by").
  - Applying reloads HAProxy (no restart).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  name:
    description:
      - Server name, letters, digits, dots, dashes and underscores. Identifies it.
    type: str
    required: true
  address:
    description:
      - Host name or IP address of the real server.
    type: str
    required: true
  port:
    description:
      - Port on the real server.
    type: int
    required: true
  mode:
    description:
      - V(active), V(backup) (used when all active servers are down) or V(disabled).
    type: str
    choices: [active, backup, disabled]
    default: active
  ssl:
    description:
      - Talk TLS to the real server.
    type: bool
    default: false
  ssl_verify:
    description:
      - Verify the real server's certificate when O(ssl) is on.
    type: bool
    default: true
  weight:
    description:
      - Load-balancing weight, 0 to 256. Not compared when omitted.
    type: int
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
- name: The dev environment's web container as a real server
  homelab.iac.opnsense_haproxy_server:
    name: dev-web
    address: 10.0.20.15
    port: 8080
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
server:
  description: The server after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The server's uuid.
      type: str
      sample: 4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d
    name:
      description: Server name.
      type: str
      sample: dev-web
    address:
      description: Address.
      type: str
      sample: 10.0.20.15
    port:
      description: Port.
      type: int
      sample: 8080
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_proxy_vpn import HaproxyServer  # noqa: E402


def main() -> None:
    """Reconcile one HAProxy server."""
    OpnsenseModule({**HaproxyServer.argument_spec, **APPLY_ARG}).run_single(HaproxyServer, "server")


if __name__ == "__main__":
    main()
