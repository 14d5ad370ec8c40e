# Private to this collection: may change without notice, do not use from outside homelab.iac.
"""Documentation of the Docker connection options shared by every homelab.iac docker module.

Kept in step with DOCKER_COMMON_ARGS in plugins/module_utils/_docker_common.py.
"""

from __future__ import annotations


class ModuleDocFragment:
    """Connection options and requirements of the docker modules."""

    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - URL of the Docker engine API, for example V(unix:///var/run/docker.sock) or V(tcp://127.0.0.1:2376).
      - If not set in the task, the value of the E(DOCKER_HOST) environment variable is used.
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  timeout:
    description:
      - Seconds to wait for a response from the engine API.
      - If not set in the task, the value of the E(DOCKER_TIMEOUT) environment variable is used.
    type: int
    default: 60
  tls:
    description:
      - Use TLS to talk to the engine without verifying its certificate. Prefer O(validate_certs).
      - If not set in the task, the value of the E(DOCKER_TLS) environment variable is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Use TLS and verify the engine's certificate against O(ca_path).
      - If not set in the task, the value of the E(DOCKER_TLS_VERIFY) environment variable is used.
    type: bool
    default: false
    aliases: [tls_verify]
  ca_path:
    description:
      - CA certificate used to verify the engine's certificate.
      - If not set, C(ca.pem) in the directory named by the E(DOCKER_CERT_PATH) environment variable.
    type: path
    aliases: [ca_cert, tls_ca_cert]
  client_cert:
    description:
      - Client certificate presented to the engine.
      - If not set, C(cert.pem) in the directory named by the E(DOCKER_CERT_PATH) environment variable.
    type: path
    aliases: [tls_client_cert]
  client_key:
    description:
      - Private key of O(client_cert).
      - If not set, C(key.pem) in the directory named by the E(DOCKER_CERT_PATH) environment variable.
    type: path
    aliases: [tls_client_key]
notes:
  - Set the connection options once per play with C(module_defaults) and the action group
    C(group/homelab.iac.docker).
  - Everything these modules create carries the label C(io.homelab-iac.managed=true). Objects without
    it are never removed or recreated; the modules fail instead and change nothing (unless the task
    sets C(adopt=true) where a module offers it).
requirements:
  - docker (Python SDK) >= 7.0
  - A Docker engine (API version 1.41 or newer).
"""

    ADOPT = r"""
options:
  adopt:
    description:
      - Take over an existing object that homelab-iac did not create (it lacks the label
        C(io.homelab-iac.managed=true)), for example one made by hand with the C(docker) CLI.
      - Adopting writes nothing by itself. A check-mode run with only O(name) and O(adopt=true) returns
        the object's current state as C(diff.before) (what M(homelab.iac.docker_info) lists as its
        C(spec)), and a run whose options match the object changes nothing - the managed label is not
        added then, since Docker sets labels only when it creates an object.
      - When a change is made anyway, it is made as for an object homelab-iac created, and where that
        change creates the object anew (a replacement), the new one gets the managed label and keeps
        the old one's labels unless O(labels) is set. Later runs then need O(adopt) no more.
      - Without O(adopt), an object lacking the label is never changed in a way that removes or
        recreates it; the task fails naming the object and changes nothing.
    type: bool
    default: false
"""
