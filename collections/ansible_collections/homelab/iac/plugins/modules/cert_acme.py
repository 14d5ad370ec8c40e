#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cert_acme
short_description: Order or renew a certificate from an ACME CA with DNS-01 through any dns_record provider
version_added: 0.1.0
description:
  - Obtains a certificate for O(names) (wildcards included) from any ACME directory (Let's Encrypt,
    its staging, Pebble, step-ca) and answers the DNS-01 challenges by publishing C(_acme-challenge)
    TXT records through the DNS provider of M(homelab.iac.dns_record).
  - Orders only when needed, decided from the files on disk without contacting anyone; the
    certificate file is missing, its names or key differ, or fewer than O(remaining_days) days are left.
  - The account key at O(account_key_path) is created once and reused, so the account is too.
  - Challenge records are removed after the order, also when the order fails.
  - With O(state=absent) the certificate's files are removed - O(fullchain_path), O(cert_path) when
    given, and O(private_key_path). The account key is kept (other certificates share the account).
    The ACME server is not contacted and the certificate stays valid until it expires, unless
    O(revoke=true), which revokes it first (needs O(acme_directory) and O(account_key_path)).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._attributes
options:
  state:
    description:
      - V(present) orders or renews the certificate when needed, V(absent) removes its files
        (nothing to do when they are gone).
    type: str
    choices: [present, absent]
    default: present
  revoke:
    description:
      - With O(state=absent), revoke the certificate at the ACME server (as the account of
        O(account_key_path)) before its files are removed. Without it nothing is revoked.
      - Only a certificate still on disk is revoked, so a rerun contacts no one.
    type: bool
    default: false
  acme_directory:
    description:
      - ACME directory URL, for example V(https://acme-staging-v02.api.letsencrypt.org/directory).
      - Required with O(state=present) and with O(revoke=true).
    type: str
  acme_ca_cert:
    description:
      - CA certificate (PEM) to verify the ACME server with (Pebble's listener in the lab).
    type: path
  validate_certs:
    description:
      - Verify the ACME server's TLS certificate.
    type: bool
    default: true
  account_key_path:
    description:
      - ACME account private key (PEM). Created (EC P-256, mode 0600) when missing.
      - Required with O(state=present) and with O(revoke=true).
    type: path
  account_email:
    description:
      - Contact address registered with a new account.
    type: str
  names:
    description:
      - DNS names of the certificate, for example V([example.com, "*.example.com"]). Required with O(state=present).
    type: list
    elements: str
  private_key_path:
    description:
      - The certificate's private key (PEM, mode 0600). Created when missing, reused otherwise.
    type: path
    required: true
  fullchain_path:
    description:
      - Where the certificate and its chain are written (PEM, mode 0644).
    type: path
    required: true
  cert_path:
    description:
      - Where the leaf certificate alone is written, if wanted.
    type: path
  key_type:
    description:
      - Type of a newly created certificate key.
    type: str
    choices: [ec, rsa]
    default: ec
  remaining_days:
    description:
      - Renew when fewer days than this are left.
    type: int
    default: 30
  force:
    description:
      - Order a new certificate even if the current one is fine.
    type: bool
    default: false
attributes:
  idempotent:
    description:
      - A rerun while the certificate is valid for longer than O(remaining_days) makes no call at all.
    support: full
"""

EXAMPLES = r"""
- name: Wildcard certificate from Let's Encrypt staging, challenges on Cloudflare
  homelab.iac.cert_acme:
    acme_directory: https://acme-staging-v02.api.letsencrypt.org/directory
    account_key_path: /etc/ssl/acme/account.key
    account_email: admin@example.com
    names: [example.com, "*.example.com"]
    private_key_path: /etc/ssl/private/example.com.key
    fullchain_path: /etc/ssl/certs/example.com.pem
    provider: cloudflare
    cloudflare_api_token: "{{ vault_cloudflare_token }}"

- name: Internal name through the lab's Pebble and BIND (RFC 2136)
  homelab.iac.cert_acme:
    acme_directory: "{{ acme_directory }}"
    acme_ca_cert: "{{ acme_ca_cert }}"
    account_key_path: /tmp/lab-acme/account.key
    names: [www.lab.home.arpa]
    private_key_path: /tmp/lab-acme/www.key
    fullchain_path: /tmp/lab-acme/www.pem
    provider: rfc2136
    server: 127.0.0.1
    port: "{{ dns_port }}"
    key_name: ddns-key
    key_secret: "{{ lookup('env', 'DDNS_SECRET') }}"

- name: Remove a certificate and revoke it at the CA
  homelab.iac.cert_acme:
    state: absent
    revoke: true
    acme_directory: https://acme-staging-v02.api.letsencrypt.org/directory
    account_key_path: /etc/ssl/acme/account.key
    private_key_path: /etc/ssl/private/example.com.key
    fullchain_path: /etc/ssl/certs/example.com.pem
"""

RETURN = r"""
reason:
  description:
    - Why a certificate was (or in check mode would be) ordered; empty when none was needed.
    - With O(state=absent), V(state is absent) when files were removed.
  returned: always
  type: str
  sample: 12.0 days left, inside the 30-day renewal window
certificate:
  description: The certificate on disk after the run (empty when there is none, so always with O(state=absent)).
  returned: always
  type: dict
  sample:
    names: [www.example.com]
    serial: 3f2a
    not_after: "2027-02-21T10:00:00+00:00"
    days_left: 89.9
    issuer: CN=Pebble Intermediate CA 1a2b3c
account_uri:
  description: The ACME account used.
  returned: when a certificate was ordered or revoked
  type: str
  sample: https://127.0.0.1:14000/my-account/1
files:
  description: Files removed (in check mode, that would be removed).
  returned: with O(state=absent)
  type: list
  elements: str
  sample: [/etc/ssl/certs/example.com.pem, /etc/ssl/private/example.com.key]
revoked:
  description: Whether the certificate was (in check mode, would be) revoked.
  returned: with O(state=absent)
  type: bool
  sample: false
challenge_records:
  description: TXT records published for the challenges.
  returned: when a certificate was ordered
  type: list
  elements: str
  sample: [_acme-challenge.www.example.com]
cleaned_records:
  description: Challenge records removed again afterwards.
  returned: when a certificate was ordered
  type: list
  elements: str
  sample: [_acme-challenge.www.example.com]
"""

from ansible_collections.homelab.iac.plugins.module_utils._acme_module import run  # noqa: E402


def main() -> None:
    """Order or renew when needed."""
    run()


if __name__ == "__main__":
    main()
