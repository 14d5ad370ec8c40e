# Private to this collection: may change without notice, do not use from outside homelab.iac.
"""Documentation of the DNS provider and connection options shared by the homelab.iac dns modules.

Kept in step with DNS_COMMON_ARGS in plugins/module_utils/_dns_module.py.
"""

from __future__ import annotations


class ModuleDocFragment:
    """Provider selection and connection options of the dns modules."""

    DOCUMENTATION = r"""
options:
  provider:
    description:
      - Where the records live.
      - V(cloudflare) uses the official C(cloudflare) Python SDK against the Cloudflare API v4
        (or any compatible endpoint, see O(cloudflare_base_url)).
      - V(rfc2136) sends TSIG-signed dynamic updates (RFC 2136) to an authoritative server such as
        BIND, and reads with signed queries (so a key also selects a BIND view).
      - V(opnsense_unbound) manages OPNsense Unbound host overrides (A, AAAA and MX only, one value per
        name and type, no TTL).
      - If not set in the task, the value of the E(DNS_PROVIDER) environment variable is used.
    type: str
    choices: [cloudflare, rfc2136, opnsense_unbound]
  zone:
    description:
      - The zone holding the records. Relative record names are completed with it.
      - Optional for V(cloudflare) (the zone is found among those the token sees) and V(rfc2136)
        (found by asking the server for the closest SOA).
    type: str
  cloudflare_api_token:
    description:
      - Cloudflare API token with DNS edit permission.
      - If not set in the task, the value of the E(CLOUDFLARE_API_TOKEN) environment variable is used.
      - E(CLOUDFLARE_API_KEY) and E(CLOUDFLARE_EMAIL) are ignored, since the SDK would send them
        instead of the token.
    type: str
  cloudflare_base_url:
    description:
      - Base URL of the API, for example V(https://127.0.0.1:8443/client/v4) for the homelab-iac lab.
      - If not set in the task, the value of the E(CLOUDFLARE_BASE_URL) environment variable is used;
        otherwise C(https://api.cloudflare.com/client/v4).
    type: str
  cloudflare_ca_cert:
    description:
      - CA certificate (PEM) to verify the API endpoint with, instead of the system store.
      - If not set in the task, the value of the E(CLOUDFLARE_CA_CERT) environment variable is used.
    type: path
  server:
    description:
      - Address of the authoritative server for V(rfc2136).
      - If not set in the task, the value of the E(DNS_SERVER) environment variable is used.
    type: str
  port:
    description:
      - Port of O(server).
      - If not set in the task, the value of the E(DNS_PORT) environment variable is used.
    type: int
    default: 53
  key_name:
    description:
      - TSIG key name for V(rfc2136).
      - If not set in the task, the value of the E(DNS_TSIG_KEY_NAME) environment variable is used.
    type: str
  key_secret:
    description:
      - TSIG secret (base64) of O(key_name).
      - If not set in the task, the value of the E(DNS_TSIG_KEY_SECRET) environment variable is used.
    type: str
  key_algorithm:
    description:
      - TSIG algorithm, for example V(hmac-sha256) or V(hmac-sha512).
      - If not set in the task, the value of the E(DNS_TSIG_KEY_ALGORITHM) environment variable is used.
    type: str
    default: hmac-sha256
  protocol:
    description:
      - Transport for V(rfc2136) queries and updates.
    type: str
    choices: [tcp, udp]
    default: tcp
  opnsense_api_url:
    description:
      - OPNsense base URL for V(opnsense_unbound).
      - If not set in the task, the value of the E(OPNSENSE_URL) environment variable is used.
    type: str
  opnsense_api_key:
    description:
      - OPNsense API key.
      - If not set in the task, the value of the E(OPNSENSE_API_KEY) environment variable is used.
    type: str
  opnsense_api_secret:
    description:
      - OPNsense API secret.
      - If not set in the task, the value of the E(OPNSENSE_API_SECRET) environment variable is used.
    type: str
  opnsense_ca_cert:
    description:
      - CA certificate (PEM) for the OPNsense API.
      - If not set in the task, the value of the E(OPNSENSE_CA_CERT) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each API call or DNS message.
    type: int
    default: 30
notes:
  - Set the provider and its connection options once per play with C(module_defaults) and the
    action group C(group/homelab.iac.dns).
  - For the homelab-iac lab the Cloudflare token is in C(<lab home>/credentials.yml) under
    C(emulators.cloudflare.credentials.token), the TSIG keys under C(bind.keys).
requirements:
  - cloudflare >= 4.0 (provider V(cloudflare))
  - dnspython >= 2.0 (provider V(rfc2136))
  - requests (provider V(opnsense_unbound))
"""

    RECORD = r"""
options:
  name:
    description:
      - Record name; absolute with or without the final dot, or relative to O(zone); V(@) is the apex.
    type: str
    required: true
  type:
    description:
      - Record type.
    type: str
    choices: [A, AAAA, CNAME, TXT, MX, NS, PTR]
    default: A
  value:
    description:
      - Record content. For V(TXT) the text itself (quoting and splitting into 255-byte strings is
        done for you); for V(MX) the mail host (see O(priority)).
      - Required with O(state=present).
    type: str
  ttl:
    description:
      - TTL in seconds (V(1) means automatic on Cloudflare). Not managed when omitted.
    type: int
  proxied:
    description:
      - Cloudflare proxying (V(cloudflare) only). Not managed when omitted.
    type: bool
  comment:
    description:
      - Record comment (V(cloudflare)) or host override description (V(opnsense_unbound)). Not managed when omitted.
    type: str
  priority:
    description:
      - MX preference. Not managed when omitted.
    type: int
  exclusive:
    description:
      - With O(state=present), also remove every other record of the same O(type) and O(name).
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates; V(absent) removes the record (all records of O(type) and
        O(name) when O(value) is omitted).
    type: str
    choices: [present, absent]
    default: present
"""
