"""What the end-to-end tests share: running the ``iac`` command and intent files that collide with nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from planner.paths import project_root

__all__ = ["IAC", "iac", "minecraft_variant"]

IAC = str(Path(sys.executable).with_name("iac"))


def iac(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``iac ARGS`` from the project root; unless ``check`` is off, a non-zero exit fails with its output."""
    done = subprocess.run([IAC, *args], env=env, capture_output=True, text=True, timeout=300, cwd=project_root())
    if check and done.returncode != 0:
        raise AssertionError(f"iac {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def minecraft_variant(tmp_path: Path, name: str, vlan: int, port: int) -> Path:
    """examples/minecraft.yaml with its own names (``<name>game``, ``<name>mc``), VLAN, subnet and port."""
    text = (project_root() / "examples" / "minecraft.yaml").read_text()
    text = text.replace("name: gaming", f"name: {name}game").replace("segment: gaming", f"segment: {name}game")
    text = text.replace("vlan: 20", f"vlan: {vlan}").replace("10.0.20.0/24", f"10.0.{vlan}.0/24")
    text = text.replace("name: minecraft", f"name: {name}mc").replace("players: 10", f"players: 10\n    host_port: {port}")
    path = tmp_path / f"{name}mc.yaml"
    path.write_text(text)
    return path
