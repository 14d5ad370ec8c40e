#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cert_deploy
short_description: Put a certificate and its key where a service reads them
version_added: 0.1.0
description:
  - Copies a certificate (from M(homelab.iac.cert_issue), M(homelab.iac.cert_acme) or anywhere)
    and its private key to the paths a service uses, as separate files, a full chain, or one
    bundle of certificate, chain and key.
  - Checks the pair first - the key must belong to the certificate - so a service is never handed
    a mismatched pair; nothing is written then.
  - Writes a file only when its content, mode or ownership differ, and reports which files changed,
    so a handler can reload the service exactly when needed.
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._cert
  - homelab.iac._attributes
options:
  cert_path:
    description:
      - The certificate to deploy (PEM); certificates after the first in this file are taken as its chain.
    type: path
    required: true
  key_path:
    description:
      - Its private key (PEM).
    type: path
    required: true
  chain_path:
    description:
      - Intermediate certificates (PEM) to append to the chain, if not already in O(cert_path).
    type: path
  cert_dest:
    description:
      - Where the certificate alone goes.
    type: path
  key_dest:
    description:
      - Where the private key goes (always mode 0600).
    type: path
  fullchain_dest:
    description:
      - Where the certificate followed by its chain goes.
    type: path
  bundle_dest:
    description:
      - Where certificate, chain and key go as one file, as HAProxy expects (always mode 0600).
    type: path
notes:
  - At least one of O(cert_dest), O(key_dest), O(fullchain_dest) and O(bundle_dest) is required.
"""

EXAMPLES = r"""
- name: Give nginx its certificate
  homelab.iac.cert_deploy:
    cert_path: /etc/homelab-ca/issued/www.pem
    key_path: /etc/homelab-ca/issued/www.key
    chain_path: /etc/homelab-ca/issuing.pem
    fullchain_dest: /etc/nginx/tls/www.pem
    key_dest: /etc/nginx/tls/www.key
    owner: root
    group: www-data
    mode: "0640"
  notify: reload nginx

- name: One PEM bundle for HAProxy
  homelab.iac.cert_deploy:
    cert_path: /etc/ssl/acme/example.com.pem
    key_path: /etc/ssl/acme/example.com.key
    bundle_dest: /etc/haproxy/certs/example.com.pem
"""

RETURN = r"""
files:
  description: Destination files written (or, in check mode, that would be written).
  returned: always
  type: list
  elements: str
  sample: [/etc/nginx/tls/www.pem]
certificate:
  description: The deployed certificate (no key material; the fingerprint of its public key).
  returned: always
  type: dict
  sample:
    subject: CN=www.home.arpa
    names: [www.home.arpa]
    serial: 1d2e3f
    not_after: "2027-11-23T20:00:00+00:00"
    days_left: 365.0
    public_key: "sha256:0b4e..."
chain_length:
  description: Number of chain certificates placed after the leaf.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.homelab.iac.plugins.module_utils._cert_deploy import run  # noqa: E402


def main() -> None:
    """Deploy the certificate."""
    run()


if __name__ == "__main__":
    main()
