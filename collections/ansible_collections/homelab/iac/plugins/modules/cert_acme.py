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
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._dns
  - homelab.iac._attributes
options:
  acme_directory:
    description:
      - ACME directory URL, for example V(https://acme-staging-v02.api.letsencrypt.org/directory).
    type: str
    required: true
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
    type: path
    required: true
  account_email:
    description:
      - Contact address registered with a new account.
    type: str
  names:
    description:
      - DNS names of the certificate, for example V([example.com, "*.example.com"]).
    type: list
    elements: str
    required: true
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
"""

RETURN = r"""
reason:
  description: Why a certificate was (or in check mode would be) ordered; empty when none was needed.
  returned: always
  type: str
  sample: 12.0 days left, inside the 30-day renewal window
certificate:
  description: The certificate on disk after the run (empty when there is none).
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
  returned: when a certificate was ordered
  type: str
  sample: https://127.0.0.1:14000/my-account/1
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
