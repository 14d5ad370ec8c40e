#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_haproxy_frontend
short_description: Create, update or remove an HAProxy frontend on OPNsense
version_added: 0.1.0
description:
  - Makes a frontend (listener) of the os-haproxy plugin match the task, through
    C(/api/haproxy/settings), identified by O(name). This is the public side of the dev-environment
    reverse proxy.
  - O(default_backend) names a backend made with M(homelab.iac.opnsense_haproxy_backend).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._opnsense.APPLY
  - homelab.iac._attributes
options:
  name:
    description:
      - Frontend name. Identifies it.
    type: str
    required: true
  bind:
    description:
      - Listen addresses as V(address:port), for example V(0.0.0.0:443). Compared as a set.
    type: list
    elements: str
    required: true
  mode:
    description:
      - V(http) (HTTP/HTTPS with offloading), V(ssl) (TLS passthrough) or V(tcp).
    type: str
    choices: [http, ssl, tcp]
    default: http
  default_backend:
    description:
      - Name of the backend that gets requests no rule routes elsewhere; empty for none.
    type: str
    default: ''
  forward_for:
    description:
      - Add an C(X-Forwarded-For) header.
    type: bool
    default: false
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
- name: Public entry of the dev environment
  homelab.iac.opnsense_haproxy_frontend:
    name: dev-https
    bind: ["0.0.0.0:8443"]
    default_backend: dev
    forward_for: true
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
frontend:
  description: The frontend after the change; empty after removal or before a check-mode create.
  returned: always
  type: dict
  contains:
    uuid:
      description: The frontend's uuid.
      type: str
      sample: 6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f
    name:
      description: Frontend name.
      type: str
      sample: dev-https
    bind:
      description: Listen addresses, sorted.
      type: list
      elements: str
      sample: ["0.0.0.0:8443"]
    default_backend:
      description: Default backend name.
      type: str
      sample: dev
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import APPLY_ARG, OpnsenseModule  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_proxy_vpn import HaproxyFrontend  # noqa: E402


def main() -> None:
    """Reconcile one HAProxy frontend."""
    OpnsenseModule({**HaproxyFrontend.argument_spec, **APPLY_ARG}).run_single(HaproxyFrontend, "frontend")


if __name__ == "__main__":
    main()
