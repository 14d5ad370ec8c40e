#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cert_issue
short_description: Issue a leaf certificate with SANs from the internal CA
version_added: 0.1.0
description:
  - Issues a certificate for O(names) (DNS names and IP addresses) signed by a CA made with
    M(homelab.iac.cert_ca) (root or intermediate), with the Python C(cryptography) library.
  - Reissues only when the certificate is missing, was issued by another CA, its subject, names,
    extended key usages or key differ from the task, or fewer than O(remaining_days) days are left.
    The serial number and dates are never compared, so a rerun changes nothing.
  - The private key is reused unless it is missing, of another O(key_type), or O(regenerate_key) is set.
  - With O(state=absent) the certificate's files are removed - O(cert_path), O(key_path) and
    O(fullchain_path) when given. The CA options are not needed then, and the CA is not touched.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._cert
  - homelab.iac._attributes
options:
  state:
    description:
      - V(present) issues or keeps the certificate, V(absent) removes its files (nothing to do when they are gone).
    type: str
    choices: [present, absent]
    default: present
  ca_cert_path:
    description:
      - Certificate of the issuing CA (PEM), for example RV(homelab.iac.cert_ca#module:signing_cert_path).
      - Required with O(state=present).
    type: path
  ca_key_path:
    description:
      - Private key of the issuing CA (PEM, unencrypted). Required with O(state=present).
    type: path
  names:
    description:
      - Subject alternative names; IP addresses become IP SANs, anything else a DNS name.
      - Required with O(state=present).
    type: list
    elements: str
  common_name:
    description:
      - Common name (CN) of the subject. Defaults to the first of the sorted O(names).
    type: str
  organization:
    description:
      - Organization (O) of the subject.
    type: str
  key_path:
    description:
      - The certificate's private key (PEM, mode 0600). Created when missing.
    type: path
    required: true
  cert_path:
    description:
      - Where the leaf certificate is written (PEM).
    type: path
    required: true
  fullchain_path:
    description:
      - Where the leaf followed by the issuing CA is written, if wanted (the CA is left out when it
        is a self-signed root).
    type: path
  key_type:
    description:
      - Key type, EC P-256 or RSA 2048. An existing key of another type is replaced.
    type: str
    choices: [ec, rsa]
    default: ec
  valid_days:
    description:
      - Validity of a new certificate in days (never beyond the CA's own expiry).
    type: int
    default: 365
  remaining_days:
    description:
      - Reissue when fewer days than this are left. Must be shorter than O(valid_days).
    type: int
    default: 30
  extended_key_usage:
    description:
      - Extended key usages of the certificate.
    type: list
    elements: str
    choices: [client_auth, server_auth]
    default: [server_auth]
  regenerate_key:
    description:
      - Create a new private key (and so a new certificate) even if the current one is fine.
    type: bool
    default: false
  force:
    description:
      - Reissue the certificate (with the same key) even if the current one is fine.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Certificate for the NAS web UI from the homelab CA
  homelab.iac.cert_issue:
    ca_cert_path: /etc/homelab-ca/issuing.pem
    ca_key_path: /etc/homelab-ca/issuing.key
    names: [nas.home.arpa, 10.0.10.5]
    key_path: /etc/ssl/private/nas.key
    cert_path: /etc/ssl/certs/nas.pem
    fullchain_path: /etc/ssl/certs/nas-fullchain.pem

- name: Client certificate for a backup agent, renewed two weeks before expiry
  homelab.iac.cert_issue:
    ca_cert_path: "{{ ca.signing_cert_path }}"
    ca_key_path: "{{ ca.signing_key_path }}"
    names: [backup-agent]
    extended_key_usage: [client_auth]
    valid_days: 90
    remaining_days: 14
    key_path: /etc/backup/client.key
    cert_path: /etc/backup/client.pem

- name: Remove the NAS certificate, its key and full chain
  homelab.iac.cert_issue:
    state: absent
    key_path: /etc/ssl/private/nas.key
    cert_path: /etc/ssl/certs/nas.pem
    fullchain_path: /etc/ssl/certs/nas-fullchain.pem
"""

RETURN = r"""
reason:
  description:
    - Why the certificate was (or in check mode would be) issued; empty when it was kept.
    - With O(state=absent), V(state is absent) when files were removed.
  returned: always
  type: str
  sample: the names are a.home.arpa, not a.home.arpa, b.home.arpa
key_created:
  description: Whether a new private key was (or would be) created.
  returned: always
  type: bool
  sample: false
certificate:
  description: The certificate after the run (in check mode, as it would be); empty with O(state=absent).
  returned: always
  type: dict
  sample:
    subject: CN=nas.home.arpa
    issuer: CN=Homelab Issuing CA 1
    names: [10.0.10.5, nas.home.arpa]
    serial: 1d2e3f
    not_before: "2026-11-23T20:00:00+00:00"
    not_after: "2027-11-23T20:00:00+00:00"
    days_left: 365.0
    fingerprint_sha256: 7c3a...
    path: /etc/ssl/certs/nas.pem
    public_key: "sha256:0b4e..."
files:
  description: Files written or, with O(state=absent), removed (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/etc/ssl/certs/nas.pem, /etc/ssl/certs/nas-fullchain.pem]
"""

from ansible_collections.homelab.iac.plugins.module_utils._cert_issue import run  # noqa: E402


def main() -> None:
    """Issue or keep the certificate."""
    run()


if __name__ == "__main__":
    main()
