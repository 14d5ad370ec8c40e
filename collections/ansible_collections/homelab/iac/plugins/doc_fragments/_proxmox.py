# Private to this collection: may change without notice, do not use from outside homelab.iac.
"""Documentation of the Proxmox connection options shared by every homelab.iac proxmox module.

Kept in step with PROXMOX_COMMON_ARGS in plugins/module_utils/_proxmox_common.py.
"""

from __future__ import annotations


class ModuleDocFragment:
    """Connection options and requirements of the proxmox modules; the guests' snapshot safety net."""

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - URL of the Proxmox VE API, for example V(https://pve.example.net:8006). The port defaults to 8006.
      - If not set in the task, the value of the E(PROXMOX_URL) environment variable is used.
      - Required, from the task or the environment.
    type: str
  api_token_id:
    description:
      - API token id, V(USER@REALM!TOKENID) (for example V(root@pam!ansible)), or only V(TOKENID) together
        with O(api_user).
      - If not set in the task, the value of the E(PROXMOX_TOKEN_ID) environment variable is used.
      - Required, from the task or the environment.
    type: str
  api_token_secret:
    description:
      - Secret (UUID) of the API token.
      - If not set in the task, the value of the E(PROXMOX_TOKEN_SECRET) environment variable is used.
      - Required, from the task or the environment.
    type: str
  api_user:
    description:
      - User owning the token when O(api_token_id) holds only the token name.
      - If not set in the task, the value of the E(PROXMOX_USER) environment variable is used.
    type: str
    default: root@pam
  ca_cert:
    description:
      - CA certificate (PEM) that signed the API's certificate, when it is not in the system trust store.
      - If not set in the task, the value of the E(PROXMOX_CA_CERT) environment variable is used.
    type: path
    aliases: [ca_path]
  validate_certs:
    description:
      - Verify the API's TLS certificate. Only set to V(false) on a lab you fully control.
      - If not set in the task, the value of the E(PROXMOX_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for one HTTP response.
      - If not set in the task, the value of the E(PROXMOX_TIMEOUT) environment variable is used.
    type: int
    default: 30
  task_timeout:
    description:
      - Seconds to wait for one Proxmox task (UPID) such as a clone or a start. On timeout the module
        fails with the last lines of the task log.
      - If not set in the task, the value of the E(PROXMOX_TASK_TIMEOUT) environment variable is used.
    type: int
    default: 300
  node:
    description:
      - Cluster node to work on.
      - If not set in the task, the value of the E(PROXMOX_NODE) environment variable is used; without
        either, the first online node (by name) is used.
    type: str
notes:
  - Set the connection options once per play with C(module_defaults) and the action group
    C(group/homelab.iac.proxmox).
  - Only API tokens are supported (no passwords, no tickets). A token is never C(root@pam) itself, so
    root-only settings (C(args), LXC feature flags other than C(nesting)) are refused by the server.
requirements:
  - proxmoxer >= 2.0
  - requests
"""

    SNAPSHOT = r"""
options:
  snapshot_before_change:
    description:
      - Take a Proxmox snapshot of an existing guest just before its configuration is changed in place,
        and return its name in RV(snapshot), so a deployment record can keep it.
      - V(true) names it C(iac-<UTC date>-<UTC time>), for example V(iac-20261126-053700); a string is the
        name itself (2 to 40 letters, digits, C(-) and C(_), starting with a letter). An existing
        snapshot of that name fails the task before anything is changed.
      - No snapshot is taken on create, when nothing changes, in check mode, on removal, or for a
        power change alone (O(state=started) / O(state=stopped) on an unchanged config).
      - The snapshot holds the config and the disks as they were (not the RAM). To go back, use
        M(homelab.iac.proxmox_snapshot) with O(homelab.iac.proxmox_snapshot#module:snapname) set to the
        returned name and O(homelab.iac.proxmox_snapshot#module:state=rollback); remove it with
        O(homelab.iac.proxmox_snapshot#module:state=absent) once the change is kept.
      - Proxmox cannot snapshot guests on storage without snapshot support (for example plain
        directory storage with raw disks); the task then fails with Proxmox's message before changing
        the guest.
    type: raw
"""
