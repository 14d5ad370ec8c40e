#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: opnsense_backup
short_description: Download OPNsense's config.xml, list its backups, revert to one
version_added: 0.1.0
description:
  - OPNsense keeps a backup of its configuration for every saved change (System > Configuration >
    History). This module lists them (always, in RV(revisions)), downloads the current
    configuration or one backup to a file on the controller, and reverts the configuration to a
    backup, through C(/api/core/backup).
  - A download only writes when the file differs, with mode 0600 because config.xml holds password
    hashes and keys.
  - B(Reverting restores the saved configuration only.) OPNsense reconfigures no service after a
    revert; the running firewall keeps the old settings until each area is applied (or the
    firewall reboots). Rerun the affected modules or apply the areas afterwards.
  - A revert is skipped (no change) when the current configuration already equals the backup.
  - There is no API to upload an arbitrary config.xml; restoring from a file is done in the web
    interface.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._opnsense
  - homelab.iac._attributes
attributes:
  diff_mode:
    support: none
options:
  dest:
    description:
      - File to write config.xml to. Without it nothing is downloaded.
    type: path
  revision:
    description:
      - Backup id to download instead of the current configuration, for example
        V(config-1795462186.1760.xml) (see RV(revisions)).
    type: str
  revert_to:
    description:
      - Backup id to restore over the current configuration. Mutually exclusive with O(dest).
    type: str
"""

EXAMPLES = r"""
- name: Keep a copy of the firewall configuration
  homelab.iac.opnsense_backup:
    dest: "backups/{{ inventory_hostname }}-config.xml"
  register: backup

- name: Go back to the configuration before the last change
  homelab.iac.opnsense_backup:
    revert_to: "{{ backup.revisions[1].id }}"
"""

RETURN = r"""
revisions:
  description: Backups on the firewall, newest first (as before any revert this run made).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Backup id, used by O(revision) and O(revert_to).
      type: str
      sample: config-1795462186.1760.xml
    time:
      description: Save time (Unix seconds).
      type: str
      sample: "1795462186.1760"
    time_iso:
      description: Save time, ISO 8601.
      type: str
      sample: "2026-11-23T19:29:46+00:00"
    description:
      description: What the change was.
      type: str
      sample: /api/firewall/filter/setRule made changes
    username:
      description: Who saved it.
      type: str
      sample: root@10.0.0.5
    filesize:
      description: Size in bytes.
      type: int
      sample: 51234
dest:
  description: Where config.xml was written.
  returned: when O(dest) is set
  type: str
  sample: backups/fw-config.xml
size:
  description: Size of the downloaded configuration in bytes.
  returned: when O(dest) is set
  type: int
  sample: 51234
reverted_to:
  description: The backup the configuration was reverted to.
  returned: when O(revert_to) is set and a revert was needed
  type: str
  sample: config-1795462186.1760.xml
"""

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseError  # noqa: E402
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_info import (  # noqa: E402
    download_config,
    fetch_config,
    list_revisions,
    revert_to,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_module import OpnsenseModule  # noqa: E402


def main() -> None:
    """List backups; download or revert."""
    client = OpnsenseModule(
        {"dest": {"type": "path"}, "revision": {"type": "str"}, "revert_to": {"type": "str"}},
        mutually_exclusive=[("dest", "revert_to")],
    )
    params, check_mode = client.params, client.module.check_mode
    result: dict = {"changed": False}
    try:
        result["revisions"] = list_revisions(client.api)
        if params["dest"]:
            changed, size = download_config(client.api, params["dest"], params["revision"], check_mode)
            result.update(changed=changed, dest=params["dest"], size=size)
        if params["revert_to"]:
            target = params["revert_to"]
            if fetch_config(client.api, target) != fetch_config(client.api, None):
                if not check_mode:
                    revert_to(client.api, target)
                result.update(changed=True, reverted_to=target)
    except OpnsenseError as exc:
        client.fail(str(exc))
    client.module.exit_json(**result)


if __name__ == "__main__":
    main()
