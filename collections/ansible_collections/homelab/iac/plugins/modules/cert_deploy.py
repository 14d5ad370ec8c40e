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
  - Can also put the pair into a named Docker volume (O(docker_volume)) and into the OPNsense
    certificate store, System > Trust > Certificates, optionally serving it from HAProxy frontends
    (O(opnsense)), under the same rule - compare first, write only what differs.
  - With O(state=absent) the destination files (O(cert_dest), O(key_dest), O(fullchain_dest),
    O(bundle_dest)) are removed; the source pair is neither needed nor touched. O(docker_volume) and
    O(opnsense) are refused with O(state=absent) - remove the volume with M(homelab.iac.docker_volume).
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._cert
  - homelab.iac._attributes
options:
  state:
    description:
      - V(present) deploys the pair, V(absent) removes the destination files (nothing to do when they are gone).
    type: str
    choices: [present, absent]
    default: present
  cert_path:
    description:
      - The certificate to deploy (PEM); certificates after the first in this file are taken as its chain.
      - Required with O(state=present).
    type: path
  key_path:
    description:
      - Its private key (PEM). Required with O(state=present).
    type: path
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
  docker_volume:
    description:
      - Files to keep inside a named Docker volume, paths relative to the volume's root.
      - The volume is created when missing. It is read and written through a short-lived helper
        container that is created with the volume mounted, never started, and removed afterwards
        (the volume stays).
      - Certificate files take O(mode); key and bundle files are always V(0600).
    type: dict
    suboptions:
      name:
        description: The volume.
        type: str
        required: true
      cert:
        description: Path of the certificate alone.
        type: str
      key:
        description: Path of the private key.
        type: str
      fullchain:
        description: Path of the certificate followed by its chain.
        type: str
      bundle:
        description: Path of certificate, chain and key in one file.
        type: str
      owner:
        description:
          - Numeric user id of the files inside the volume (names mean nothing across containers).
          - Unchecked when omitted; new files then belong to 0.
        type: int
      group:
        description:
          - Numeric group id of the files. Unchecked when omitted; new files then belong to 0.
        type: int
      helper_image:
        description:
          - A local image for the helper container; it is never started, so any image works.
        type: str
        default: homelab/busybox:latest
      docker_host:
        description:
          - The Docker engine, as C(unix://) or C(tcp://) URL. If not set, the value of the
            E(DOCKER_HOST) environment variable is used.
        type: str
        default: unix:///var/run/docker.sock
      timeout:
        description: Seconds to wait for the engine.
        type: int
        default: 60
  opnsense:
    description:
      - Keep the certificate (followed by its chain) and its key in the OPNsense certificate store,
        System > Trust > Certificates, as one certificate identified by O(opnsense.description).
      - It is imported with C(action=import) when missing and re-imported when the certificate or
        the key differ; nothing is written when both match.
    type: dict
    suboptions:
      description:
        description:
          - The certificate's description in the store; identifies it, so keep it unique.
        type: str
        required: true
      haproxy_frontends:
        description:
          - Names of HAProxy frontends that serve this certificate; it is added to their
            C(ssl_certificates) when missing.
          - When given, HAProxy is reconfigured once if the certificate or a frontend changed.
        type: list
        elements: str
        default: []
      api_url:
        description:
          - Base URL of the firewall, e.g. V(https://fw.home.arpa). If not set, the value of the
            E(OPNSENSE_URL) environment variable is used.
        type: str
      api_key:
        description:
          - API key. If not set, the value of the E(OPNSENSE_API_KEY) environment variable is used.
        type: str
      api_secret:
        description:
          - API secret. If not set, the value of the E(OPNSENSE_API_SECRET) environment variable is used.
        type: str
      ca_cert:
        description:
          - CA bundle that signed the firewall's certificate. If not set, the value of the
            E(OPNSENSE_CA_CERT) environment variable is used.
        type: path
      validate_certs:
        description:
          - Verify the firewall's TLS certificate. If not set, the value of the
            E(OPNSENSE_VALIDATE_CERTS) environment variable is used.
        type: bool
        default: true
      timeout:
        description:
          - Seconds per API request. If not set, the value of the E(OPNSENSE_TIMEOUT) environment
            variable is used.
        type: int
        default: 30
notes:
  - At least one of O(cert_dest), O(key_dest), O(fullchain_dest), O(bundle_dest), O(docker_volume)
    and O(opnsense) is required.
  - The private key is sent to OPNsense, which stores it in its configuration (and backups); it
    never appears in this module's results or diffs.
requirements:
  - docker (the Python SDK) for O(docker_volume)
  - requests for O(opnsense)
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

- name: Certificate files for a container, in its volume
  homelab.iac.cert_deploy:
    cert_path: /etc/ssl/acme/www.pem
    key_path: /etc/ssl/acme/www.key
    docker_volume:
      name: web-tls
      fullchain: tls/fullchain.pem
      key: tls/privkey.pem
      owner: 101
      group: 101

- name: Import into OPNsense and serve it from an HAProxy frontend
  homelab.iac.cert_deploy:
    cert_path: /etc/ssl/acme/www.pem
    key_path: /etc/ssl/acme/www.key
    opnsense:
      api_url: https://fw.home.arpa
      description: www.example.com (ACME)
      haproxy_frontends: [https-in]

- name: Take the certificate away from nginx again
  homelab.iac.cert_deploy:
    state: absent
    fullchain_dest: /etc/nginx/tls/www.pem
    key_dest: /etc/nginx/tls/www.key
"""

RETURN = r"""
files:
  description: Destination files written or, with O(state=absent), removed (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/etc/nginx/tls/www.pem]
certificate:
  description:
    - The deployed certificate (no key material; the fingerprint of its public key).
    - Empty with O(state=absent).
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
docker_volume:
  description: The volume, the files in it written (or that would be), and whether it was created.
  returned: when O(docker_volume) is given
  type: dict
  sample: {name: web-tls, files: [tls/fullchain.pem], created: false}
opnsense:
  description:
    - The certificate in the OPNsense store - C(uuid), C(refid) (what other sections reference),
      C(action) (V(create), V(update) or V(noop)), the HAProxy frontends it was added to, and the
      services reconfigured.
  returned: when O(opnsense) is given
  type: dict
  sample:
    description: www.example.com (ACME)
    uuid: 8a1d6c4e-5d0b-4d7e-9a5e-2b6f3c1d0e9f
    refid: 66a1f0c2b3d4e
    action: update
    haproxy_frontends_changed: []
    applied: [haproxy]
"""

from ansible_collections.homelab.iac.plugins.module_utils._cert_deploy import run  # noqa: E402


def main() -> None:
    """Deploy the certificate."""
    run()


if __name__ == "__main__":
    main()
