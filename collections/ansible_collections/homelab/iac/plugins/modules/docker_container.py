#!/usr/bin/python
# Copyright: homelab-iac contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: docker_container
short_description: Create, update, recreate, start, stop or remove a Docker container
version_added: 0.1.0
description:
  - Makes a Docker container match the task, identified by O(name).
  - What Docker can change in place is changed in place, without a new container - the running
    state, network membership (connect/disconnect), O(memory), O(cpus) and O(restart_policy).
    Every other difference (O(image) or the image it names being rebuilt, O(command), O(env) or
    O(secret_env), O(ports), O(labels), O(mounts)/O(volumes), O(healthcheck), O(init), O(stop_signal),
    O(stop_timeout), moving in or out of the C(none) network) recreates the container;
    RV(recreated_because) names the properties.
  - A recreation keeps the old container, stopped and renamed, until the new one has started. When
    the new one fails (for example because a host port is taken), it is removed and the old one is
    renamed back and restarted, so the run leaves no partial change.
  - Options that are not set are not compared, except O(restart_policy), which has a default.
  - The container gets the label C(io.homelab-iac.managed=true). Containers without it are never
    removed, recreated or changed in place; the task fails instead and changes nothing, unless
    O(adopt=true) takes them over.
  - "B(Adopting.) With O(adopt=true), O(image) may be left out: it is then not compared, and a
    recreation keeps the container's image. Docker can add the managed label only by recreating
    the container, so an adopted container changed only in place (running state, networks, limits)
    keeps running without the label, and later tasks need O(adopt=true) still."
author:
  - homelab-iac engineers (@homelab-iac)
extends_documentation_fragment:
  - homelab.iac._docker
  - homelab.iac._docker.ADOPT
  - homelab.iac._attributes
options:
  name:
    description:
      - Name of the container. Identifies it.
    type: str
    required: true
  state:
    description:
      - V(started) - the container exists and runs.
      - V(stopped) - the container exists and does not run.
      - V(present) - the container exists; a new one is created but not started and the running
        state of an existing one is left alone.
      - V(absent) - the container does not exist.
    type: str
    choices: [started, stopped, present, absent]
    default: started
  image:
    description:
      - Image to run, C(repository[:tag]); a missing tag means C(latest). Required unless
        O(state=absent) or O(adopt=true).
      - The image must be present on the Docker host or pullable. When it is neither, the task fails
        naming the image. Check mode never pulls; it plans as if the pull would succeed.
    type: str
  command:
    description:
      - Command to run, as a list of arguments or a string split like a shell would.
      - When omitted, the image's command is used and not compared.
    type: raw
  env:
    description:
      - Environment variables whose values are not secret, for example V(POSTGRES_DB). Their values
        are shown in the diff and in RV(container.env). Put secret values in O(secret_env).
      - O(env) and O(secret_env) together are the container's environment, exactly - when either is
        set, a variable the container has but neither names makes a new container. Variables the
        image itself defines (same name and value) are not compared. When both are omitted, the
        environment is not compared.
      - Values are compared as Docker stores them, as strings - V(true)/V(false) for booleans, an
        empty string for null, numbers as written - and the order of the variables never matters.
      - A variable whose name looks secret (containing C(PASS) as in C(PASSWORD) or C(PASSWD),
        C(SECRET), C(TOKEN), C(API_KEY), C(PRIVATE_KEY), C(CREDENTIAL) or C(TSIG), in any case) is masked
        in the diff and in RV(container.env), and the task warns. Only O(secret_env) keeps a value out
        of what Ansible itself shows and records - the module arguments echoed in the result
        (C(invocation), shown with C(-vvv)) and logged on the target - so move such variables there.
    type: dict
  secret_env:
    description:
      - Environment variables whose values are secret, for example V(POSTGRES_PASSWORD). Merged with
        O(env) for the container; a variable in both is an error that names it.
      - The values are C(no_log) - Ansible hides them in all output, including the module arguments
        it echoes - and they are shown as V(********) in the diff (V(******** (changed)) on the
        C(after) side when a value changes) and in RV(container.env).
      - Because of C(no_log), Ansible hides any output text equal to one of these values; keep
        non-secret values such as V(true) or short names in O(env), where they mask nothing.
    type: dict
  ports:
    description:
      - Published ports, each C(HOST_IP:HOST_PORT:CONTAINER_PORT[/tcp|udp]), for example
        V(127.0.0.1:8080:80). The host IP is required so nothing binds 0.0.0.0 by accident; write
        V(0.0.0.0:8080:80) to publish on every interface on purpose. An IPv6 host IP goes in brackets.
      - If a host port is already in use the task fails with a message naming the port and the
        entry, and the container created by the run is removed.
    type: list
    elements: str
  networks:
    description:
      - Networks the container is attached to, exactly. Changes connect and disconnect the
        container without recreating it. An empty list means no networking (network mode C(none)).
      - When omitted, Docker's default network is used and membership is not compared. An engine
        started with C(--bridge=none) (like the homelab-iac lab's) has no default network, so such a
        container has no networking and its O(ports) are not published.
    type: list
    elements: dict
    suboptions:
      name:
        description: Network name.
        type: str
        required: true
      ipv4_address:
        description: Fixed IPv4 address in the network's subnet.
        type: str
      aliases:
        description: Extra DNS names of the container in this network.
        type: list
        elements: str
  memory:
    description:
      - Memory limit, for example V(512m), V(4g), V(4GB) or V(4GiB) - all units are binary, as Docker
        reads them, so V(4g) is 4294967296 bytes. A plain number is bytes. Changed in place. Swap is
        limited to the same amount again (Docker's default of twice the memory).
    type: str
  cpus:
    description:
      - Number of CPUs the container may use, for example V(1.5). Changed in place.
    type: float
  restart_policy:
    description:
      - Restart policy. Changed in place.
    type: str
    choices: ["no", always, unless-stopped, on-failure]
    default: unless-stopped
  labels:
    description:
      - Labels. When set, they are compared exactly (plus the managed label, which is always added;
        labels that come from the image are not compared); when omitted, labels are not compared.
        Docker cannot update labels, so a change recreates the container.
    type: dict
  mounts:
    description:
      - Filesystem mounts, long form. Together with O(volumes) they are the container's mounts,
        exactly; when both are omitted, mounts are not compared. A change recreates the container.
      - A named volume that does not exist yet is created by Docker without the managed label; create
        it with M(homelab.iac.docker_volume) first to manage it.
    type: list
    elements: dict
    suboptions:
      type:
        description: V(bind) - a host path; V(volume) - a named volume; V(tmpfs) - memory-backed.
        type: str
        choices: [bind, volume, tmpfs]
        default: volume
      source:
        description: Host path (absolute) for V(bind), volume name for V(volume); unused for V(tmpfs).
        type: str
      target:
        description: Absolute path inside the container.
        type: str
        required: true
      read_only:
        description: Mount read-only.
        type: bool
        default: false
  volumes:
    description:
      - Mounts in C(docker run -v) form, C(SOURCE:/TARGET[:ro|rw]). A SOURCE starting with C(/) is a
        host path (bind mount), anything else a named volume.
    type: list
    elements: str
  healthcheck:
    description:
      - How Docker checks the container's health; RV(container.health) reports the result. A change
        recreates the container. When omitted, the image's healthcheck (if any) applies and is not
        compared.
    type: dict
    suboptions:
      test:
        description:
          - A string runs in the container's shell (C(CMD-SHELL)); a list is run directly (C(CMD)),
            unless it already starts with C(CMD), C(CMD-SHELL) or C(NONE).
        type: raw
      interval:
        description: Time between checks, for example V(30s) or V(1m30s); a bare number is seconds.
        type: str
      timeout:
        description: Time one check may take.
        type: str
      retries:
        description: Consecutive failures that make the container unhealthy.
        type: int
      start_period:
        description: Grace period after start during which failures do not count.
        type: str
      disable:
        description: Disable any healthcheck the image defines.
        type: bool
        default: false
  init:
    description:
      - Run a tiny init process as PID 1 (C(docker run --init)) that forwards signals and reaps
        zombies, so a process that ignores SIGTERM as PID 1 still stops at once. A change recreates
        the container.
    type: bool
  stop_signal:
    description:
      - Signal that stops the container, for example V(SIGINT) or V(INT). When omitted, not compared
        (Docker uses the image's or SIGTERM). A change recreates the container.
    type: str
  stop_timeout:
    description:
      - Seconds Docker waits after O(stop_signal) before killing the container (Docker's default is 10).
        A change recreates the container.
    type: int
"""

EXAMPLES = r"""
- name: A web server published on loopback only
  homelab.iac.docker_container:
    name: web
    image: homelab/busybox:latest
    command: httpd -f -p 80 -h /www
    ports:
      - 127.0.0.1:8080:80
    networks:
      - name: frontend
        ipv4_address: 172.30.20.10
        aliases: [www]
    memory: 256m
    cpus: 0.5
    init: true
    stop_timeout: 5
    volumes:
      - web-data:/data
      - /srv/web/www:/www:ro
    healthcheck:
      test: wget -q -O /dev/null http://127.0.0.1/
      interval: 10s
      retries: 3
    env:
      LOG_LEVEL: info
    secret_env:
      API_TOKEN: "{{ vault_api_token }}"
    labels:
      homelab.role: web
  register: web

- name: Show where it runs
  ansible.builtin.debug:
    msg: "{{ web.container.networks.frontend.ip }} {{ web.recreated_because }}"

- name: A database whose name shows in the output and whose password never does
  homelab.iac.docker_container:
    name: dev-db
    image: postgres:16
    env:
      POSTGRES_DB: dev
      POSTGRES_USER: dev
    secret_env:
      POSTGRES_PASSWORD: "{{ lookup('ansible.builtin.env', 'DEV_DB_PASSWORD') }}"

- name: Stop it without removing it
  homelab.iac.docker_container:
    name: web
    image: homelab/busybox:latest
    state: stopped

- name: Remove it
  homelab.iac.docker_container:
    name: web
    state: absent

- name: Read a container started by hand (writes nothing; diff.before holds its state)
  homelab.iac.docker_container:
    name: legacy-app
    adopt: true
  check_mode: true
  diff: true
  register: legacy

- name: Take it over and give it a memory limit (changed in place, so it keeps its labels as they are)
  homelab.iac.docker_container:
    name: legacy-app
    adopt: true
    restart_policy: "{{ legacy.diff.before.restart_policy }}"
    memory: 512m
"""

RETURN = r"""
action:
  description: What was done (or would be done in check mode).
  returned: always
  type: str
  sample: replace
  choices: [noop, create, update, replace, delete]
recreated_because:
  description: Properties whose change made a new container necessary; empty unless RV(action=replace).
  returned: always
  type: list
  elements: str
  sample: [image, ports]
diff:
  description:
    - In diff mode, C(before) and C(after) of every compared property. The environment is shown in
      two parts - C(env) with the readable values and C(secret_env) with the masked ones (variables
      of O(secret_env), names that look secret, and variables the container has that O(env) does
      not set). RV(recreated_because) names the part that changed.
  returned: when diff mode is on
  type: dict
  sample: {"before": {"env": {"POSTGRES_DB": "dev"}, "secret_env": {"POSTGRES_PASSWORD": "********"}},
           "after": {"env": {"POSTGRES_DB": "app"}, "secret_env": {"POSTGRES_PASSWORD": "******** (changed)"}}}
updated:
  description: Properties changed in place (networks, memory, cpus, restart_policy, running).
  returned: always
  type: list
  elements: str
  sample: [networks]
container:
  description:
    - The container as the engine reports it after the change; empty after removal. Secret
      environment values are masked (see RV(container.env)).
    - In check mode, the container as it is now (empty when it would be created).
  returned: always
  type: dict
  contains:
    id:
      description: Container id.
      type: str
      sample: 260c2b47542335638b957c5fd3cd9e8ecb180473f442a80e58ebdd7bc054a9ee
    name:
      description: Container name.
      type: str
      sample: web
    image:
      description: Image as given when the container was created.
      type: str
      sample: homelab/busybox:latest
    image_id:
      description: Id of the image the container runs.
      type: str
      sample: sha256:4f2d0c3e7b1a9e8d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d
    status:
      description: Docker's status word.
      type: str
      sample: running
    health:
      description: Health status (V(starting), V(healthy), V(unhealthy)); null without a healthcheck.
      type: str
      sample: healthy
    mounts:
      description: Mounts as C(TYPE:SOURCE:TARGET:ro|rw).
      type: list
      elements: str
      sample: ["volume:web-data:/data:rw", "bind:/srv/web/www:/www:ro"]
    ports:
      description: Published ports as C(HOST_IP:HOST_PORT:CONTAINER_PORT/PROTO).
      type: list
      elements: str
      sample: ["127.0.0.1:8080:80/tcp"]
    networks:
      description:
        - Attached networks with the container's IPv4 address in each (null while stopped) and its
          aliases there (without the short container id Docker adds).
      type: dict
      sample: {"frontend": {"ip": "172.30.20.10", "aliases": ["www"]}}
    labels:
      description: The container's own labels, including C(io.homelab-iac.managed); labels its image
        brings are left out.
      type: dict
      sample: {"io.homelab-iac.managed": "true", "homelab.role": "web"}
    env:
      description:
        - The container's own environment (variables its image defines are left out). Only the
          values of O(env) variables whose name does not look secret are shown; every other value -
          O(secret_env), secret-looking names, variables the task does not set - reads V(********).
      type: dict
      sample: {"POSTGRES_DB": "dev", "POSTGRES_PASSWORD": "********"}
"""

from ansible_collections.homelab.iac.plugins.module_utils._docker_container import run_container_module  # noqa: E402


def main() -> None:
    """Reconcile one Docker container."""
    run_container_module()


if __name__ == "__main__":
    main()
