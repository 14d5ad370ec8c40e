"""Run homelab.iac dns/cert tasks through real ansible-playbook against the lab.

Connection options go in ``module_defaults`` for the ``dns``/``certs`` groups; the secrets (the
Cloudflare token, the TSIG secret) only in the environment, and the helper checks that they never
appear in the output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.integration.dns.conftest import DnsLabInfo

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")


def play_defaults(lab: DnsLabInfo, provider: str, key: str = "ddns-key") -> dict[str, Any]:
    """module_defaults for one provider (secrets come from the environment)."""
    common: dict[str, Any] = {"provider": provider}
    if provider == "cloudflare":
        common.update(cloudflare_base_url=lab.cloudflare_url, cloudflare_ca_cert=lab.ca_cert)
    else:
        common.update(server="127.0.0.1", port=lab.bind_port, key_name=key, zone=lab.zone)
    return {"group/homelab.iac.dns": common}


def run_playbook(
    lab: DnsLabInfo,
    tmp_path: Path,
    tasks: list[dict[str, Any]],
    defaults: dict[str, Any],
    key: str = "ddns-key",
    expect_ok: bool = True,
) -> str:
    """Run ``tasks`` as one play; return stdout (assertions live in the tasks)."""
    secret = lab.key(key)["secret"]
    env = {"CLOUDFLARE_API_TOKEN": lab.cloudflare_token, "DNS_TSIG_KEY_SECRET": secret}
    output = run_tasks(tmp_path, tasks, defaults, env, expect_ok)
    assert lab.cloudflare_token not in output and secret not in output
    return output


def run_tasks(
    tmp_path: Path,
    tasks: list[dict[str, Any]],
    defaults: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    expect_ok: bool = True,
) -> str:
    """Run ``tasks`` as one localhost play with the project's collection; return the output."""
    play = [{"hosts": "localhost", "gather_facts": False, "module_defaults": defaults or {}, "tasks": tasks}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    full_env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(PROJECT_ROOT / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        **(env or {}),
    }
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-e", f"ansible_python_interpreter={sys.executable}", str(path)],
        env=full_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    if expect_ok:
        assert done.returncode == 0, output[-6000:]
    return output
