#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cert_ca
short_description: Create an internal root CA, optionally with an intermediate CA
version_added: 0.1.0
description:
  - Creates a self-signed root CA certificate and key with the Python C(cryptography) library and,
    if O(intermediate) is given, an intermediate CA signed by the root (path length 0) to issue
    leaves from with M(homelab.iac.cert_issue).
  - An existing valid CA is kept. A CA certificate is replaced only when it is missing, is not a CA,
    has another subject, does not match its key, is not signed by its issuer (for the intermediate
    the root, so replacing the root also reissues the intermediate), or has fewer than
    O(remaining_days) days left. O(force) replaces it anyway.
  - An existing CA key is never replaced; O(key_type) applies only to keys this module creates.
  - With O(state=absent) the CA's files are removed - O(cert_path), O(key_path) and, when O(intermediate)
    is given, its certificate, key and chain. Certificates issued from the CA are not touched.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._cert
  - homelab.iac._attributes
options:
  state:
    description:
      - V(present) keeps or creates the CA, V(absent) removes its files (nothing to do when they are gone).
    type: str
    choices: [present, absent]
    default: present
  common_name:
    description:
      - Common name (CN) of the root CA. Required with O(state=present).
    type: str
  organization:
    description:
      - Organization (O) in the subject of the root and the intermediate.
    type: str
  cert_path:
    description:
      - Root CA certificate (PEM).
    type: path
    required: true
  key_path:
    description:
      - Root CA private key (PEM, unencrypted, mode 0600). Created when missing.
    type: path
    required: true
  key_type:
    description:
      - Type of keys this module creates, EC P-256 or RSA 2048.
    type: str
    choices: [ec, rsa]
    default: ec
  valid_days:
    description:
      - Validity of a new root CA certificate, in days.
    type: int
    default: 3650
  remaining_days:
    description:
      - Replace a CA certificate (root or intermediate) when fewer days than this are left.
        Must be shorter than the validity periods.
    type: int
    default: 90
  force:
    description:
      - Replace the CA certificates (keeping their keys) even if they are fine.
    type: bool
    default: false
  intermediate:
    description:
      - An intermediate CA signed by the root.
    type: dict
    suboptions:
      common_name:
        description:
          - Common name (CN) of the intermediate CA.
        type: str
        required: true
      cert_path:
        description:
          - Intermediate CA certificate (PEM).
        type: path
        required: true
      key_path:
        description:
          - Intermediate CA private key (PEM, mode 0600). Created when missing.
        type: path
        required: true
      valid_days:
        description:
          - Validity of a new intermediate certificate, in days.
        type: int
        default: 1825
      chain_path:
        description:
          - Where to write the intermediate followed by the root (PEM), if wanted.
        type: path
"""

EXAMPLES = r"""
- name: Root CA of the homelab
  homelab.iac.cert_ca:
    common_name: Homelab Root CA
    organization: Homelab
    cert_path: /etc/homelab-ca/root.pem
    key_path: /etc/homelab-ca/root.key

- name: Root plus an intermediate that issues the service certificates
  homelab.iac.cert_ca:
    common_name: Homelab Root CA
    cert_path: /etc/homelab-ca/root.pem
    key_path: /etc/homelab-ca/root.key
    intermediate:
      common_name: Homelab Issuing CA 1
      cert_path: /etc/homelab-ca/issuing.pem
      key_path: /etc/homelab-ca/issuing.key
      chain_path: /etc/homelab-ca/chain.pem
  register: ca

- name: Remove the CA again (root and intermediate files)
  homelab.iac.cert_ca:
    state: absent
    cert_path: /etc/homelab-ca/root.pem
    key_path: /etc/homelab-ca/root.key
    intermediate:
      common_name: Homelab Issuing CA 1
      cert_path: /etc/homelab-ca/issuing.pem
      key_path: /etc/homelab-ca/issuing.key
      chain_path: /etc/homelab-ca/chain.pem
"""

RETURN = r"""
root:
  description: The root CA after the run (in check mode, as it would be); empty with O(state=absent).
  returned: always
  type: dict
  sample:
    subject: CN=Homelab Root CA,O=Homelab
    issuer: CN=Homelab Root CA,O=Homelab
    names: []
    serial: 5f1c0e2a
    not_before: "2026-11-23T20:00:00+00:00"
    not_after: "2036-11-21T20:00:00+00:00"
    days_left: 3650.0
    fingerprint_sha256: 4b1f...
    path: /etc/homelab-ca/root.pem
    key_path: /etc/homelab-ca/root.key
    public_key: "sha256:9a0c..."
intermediate:
  description: The intermediate CA after the run, same keys as RV(root).
  returned: when O(intermediate) is given
  type: dict
reasons:
  description:
    - Why each level was created or replaced; an empty string when it was kept.
    - With O(state=absent), V(state is absent) when files were removed.
  returned: always
  type: dict
  sample: {"root": "", "intermediate": "the CA certificate does not exist"}
signing_cert_path:
  description: The CA certificate leaves should be issued from (the intermediate if any, else the root).
  returned: always
  type: str
  sample: /etc/homelab-ca/issuing.pem
signing_key_path:
  description: The key belonging to RV(signing_cert_path).
  returned: always
  type: str
  sample: /etc/homelab-ca/issuing.key
files:
  description: Files written or, with O(state=absent), removed (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/etc/homelab-ca/root.key, /etc/homelab-ca/root.pem]
"""

from ansible_collections.homelab.iac.plugins.module_utils._cert_ca import run  # noqa: E402


def main() -> None:
    """Keep or create the CA."""
    run()


if __name__ == "__main__":
    main()
