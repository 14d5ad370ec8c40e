# Private to this collection: may change without notice, do not use from outside homelab.iac.
"""Documentation of the OPNsense connection options shared by every homelab.iac opnsense module.

Kept in step with OPNSENSE_COMMON_ARGS in plugins/module_utils/_opnsense_client.py, APPLY_ARG in
plugins/module_utils/_opnsense_module.py and NAMED_RULE_ARGS in plugins/module_utils/_opnsense_resource.py.
"""

from __future__ import annotations


class ModuleDocFragment:
    """Connection options, apply behaviour and requirements of the opnsense modules; the rule modules' identity."""

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the firewall's web interface, for example V(https://fw.home.arpa) or
        V(https://127.0.0.1:8443). The modules call C(<api_url>/api/...).
      - If not set in the task, the value of the E(OPNSENSE_URL) environment variable is used.
      - Required, in the task or in the environment.
    type: str
  api_key:
    description:
      - API key (System > Access > Users > API keys), sent as the HTTP Basic user name.
      - If not set in the task, the value of the E(OPNSENSE_API_KEY) environment variable is used.
      - Required, in the task or in the environment. Keep it out of inventories; see the notes.
    type: str
  api_secret:
    description:
      - Secret of O(api_key), sent as the HTTP Basic password.
      - If not set in the task, the value of the E(OPNSENSE_API_SECRET) environment variable is used.
      - Required, in the task or in the environment.
    type: str
  ca_cert:
    description:
      - CA certificate (PEM) used to verify the firewall's certificate instead of the system store.
      - If not set in the task, the value of the E(OPNSENSE_CA_CERT) environment variable is used.
    type: path
  validate_certs:
    description:
      - Verify the firewall's TLS certificate. Only disable it for a throw-away test firewall.
      - If not set in the task, the value of the E(OPNSENSE_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each API answer. Applying a large firewall configuration can take a while.
      - If not set in the task, the value of the E(OPNSENSE_TIMEOUT) environment variable is used.
    type: int
    default: 30
notes:
  - Set the connection options once per play with C(module_defaults) and the action group
    C(group/homelab.iac.opnsense).
  - Supply the key and secret without writing them into the inventory, for example through the
    E(OPNSENSE_API_KEY) and E(OPNSENSE_API_SECRET) environment variables, ansible-vault encrypted
    variables, or a lookup such as
    C(lookup('file', '~/.opnsense/key')). For the homelab-iac lab they are in
    C(<lab home>/credentials.yml) under C(emulators.opnsense.credentials).
  - OPNsense saves every change to its configuration at once but runs it only after the area's
    apply call (for example C(firewall/filter/apply)). The modules that change things make that
    call once, after their changes, unless their C(apply) option is false.
requirements:
  - requests (Python library)
  - OPNsense 25.7 or later (26.7 for interface assignment).
"""

    APPLY = r"""
options:
  apply:
    description:
      - Apply the area (reconfigure the service) after a change, so the running firewall matches
        the saved configuration.
      - With V(false) the change is saved but not running. A later run that changes nothing does
        not apply either, so apply the area yourself, for example with M(homelab.iac.opnsense_batch)
        in one go.
    type: bool
    default: true
  backup_before_change:
    description:
      - Before the run's first write, record the configuration backup that holds the state before the
        change, and return its id in RV(backup) so a deployment record can keep it. A run that writes
        nothing (nothing to change, or check mode) records none.
      - OPNsense writes a backup on every save, so the newest backup is the current configuration; the
        module records that one and sends no extra write. Only when the history is empty does it save
        one through C(firewall/filter/savepoint) (OPNsense 24.1 to 26.1); on 26.7 with an empty history
        it warns and returns no RV(backup).
      - To go back, revert to it with M(homelab.iac.opnsense_backup) O(homelab.iac.opnsense_backup#module:revert_to)
        and then apply the areas (OPNsense reconfigures nothing on a revert).
      - The firewall keeps only the newest backups (System > Configuration > History, backup count,
        60 by default). A run that saves more changes than that prunes the recorded backup; the module
        then warns.
    type: bool
    default: false
"""

    # The options every rule-list module (filter, port forward, outbound and one-to-one NAT) shares.
    # What differs per kind, such as the uuid namespace and the adopting listing, stays in the module.
    NAMED_RULE = r"""
options:
  name:
    description:
      - Stable name of the rule; identifies it (see the description) unless O(uuid) is given. Also the
        default O(description).
      - One of O(name) and O(uuid) is required.
    type: str
  uuid:
    description:
      - The uuid of the rule to manage, for a rule this module did not create (one made by hand).
        When given, it identifies the rule instead of O(name).
      - Without O(name) and O(description) the description is not compared.
      - When no rule has this uuid, the rule is created under it (OPNsense's C(setRule) does so for a
        well-formed version 4 uuid; another uuid is refused).
    type: str
  description:
    description:
      - Description shown in the rule list. Defaults to O(name).
    type: str
  sequence:
    description:
      - Position in the rule list, 1 to 999999; lower runs first. Not compared when omitted; a new rule
        then goes last (highest sequence + 100, as OPNsense does).
    type: int
  enabled:
    description:
      - Whether the rule is active.
    type: bool
    default: true
  log:
    description:
      - Log packets that match.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates; V(absent) removes.
    type: str
    choices: [present, absent]
    default: present
"""
