"""Print the PROXMOX_* environment for the lab's Proxmox emulator, for shells and molecule.

    eval "$(.venv/bin/python -m lab.emulator.proxmox.env)"

The homelab.iac proxmox modules read these variables as fallbacks for their connection options,
so a hand-written playbook or ``molecule test -s proxmox`` needs no credentials in any file.
"""

from __future__ import annotations

import shlex
import sys

from lab.credentials import LabCredentials
from lab.layout import LabLayout


def environment(layout: LabLayout, name: str = "proxmox") -> dict[str, str]:
    """PROXMOX_URL / _TOKEN_ID / _TOKEN_SECRET / _CA_CERT / _NODE of the emulator ``name``."""
    credentials = LabCredentials(layout.credentials_file)
    entry = credentials.emulator(name)
    if entry is None:
        raise SystemExit(f"no emulator {name!r} in {layout.credentials_file}: run `iac lab up` first")
    values = entry.get("credentials") or {}
    return {
        "PROXMOX_URL": str(entry["url"]),
        "PROXMOX_TOKEN_ID": str(values["token_id"]),
        "PROXMOX_TOKEN_SECRET": str(values["secret"]),
        "PROXMOX_CA_CERT": str(layout.ca_dir / "ca.crt"),
        "PROXMOX_NODE": "pve",
    }


def main() -> None:
    """Write one `export` line per variable."""
    for key, value in environment(LabLayout.default()).items():
        sys.stdout.write(f"export {key}={shlex.quote(value)}\n")


if __name__ == "__main__":
    main()
