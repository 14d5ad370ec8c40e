"""Re-running costs no more than reading (issue 15: run only what differs).

700 resources in PostgreSQL state, as the issue measured them: 300 VLANs on the lab's OPNsense, 200 DNS
records on its BIND (RFC 2136) and 200 on its Cloudflare emulator. The bench times, each a fresh ``iac``:

    create                 iac apply FILE --yes           the first apply: everything is made
    no-op rerun            iac apply FILE --yes           refreshed: one check-mode run, then nothing runs
    no-op, no refresh      iac apply FILE --yes --refresh=false   the old way: every module runs again
    drift                  iac drift                      the read a rerun is measured against
    one record changed     iac apply FILE --yes           after one record's value changed in the file
    drifted, reapplied     iac apply FILE --yes           after a VLAN's description was changed on the device

and prints, for the reruns, how many resources the apply really ran (the deployment's results) and what a
drift check finds afterwards (a reapplied drift must converge). Target: the no-op rerun within 1.5x of
``iac drift``; the rerun after one changed record runs one resource.

It starts its own lab in a temporary IAC_HOME (stopped at the end) and its own database on the PostgreSQL
at 127.0.0.1:5432 (dropped at the end; without a server it says so and uses SQLite). Run it under the lab
lock:

    flock /tmp/iac-lab.lock .venv/bin/python bench/rerun.py

Prints a table; asserts nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _lab import EmulatorLab

PROJECT_ROOT = Path(__file__).resolve().parents[1]
IAC = str(Path(sys.executable).parent / "iac")
VLANS, RECORDS_PER_PROVIDER = 300, 200


def intents() -> dict[str, Any]:
    vlans = [{"kind": "vlan", "name": f"v{tag}", "tag": tag, "parent": "vtnet2", "description": f"bench {tag}"}
             for tag in range(100, 100 + VLANS)]
    zone = {"bind": "", "cloudflare": ".example.com"}  # the lab's Cloudflare holds example.com, BIND its own zone
    records = [{"kind": "dns_record", "name": f"{provider}-{number}", "record": f"host{number}{zone[provider]}",
                "type": "A",
                "value": f"10.{1 if provider == 'bind' else 2}.{number // 250}.{number % 250 + 1}", "ttl": 300,
                "endpoint": f"lab-{provider}"}
               for provider in ("bind", "cloudflare") for number in range(RECORDS_PER_PROVIDER)]
    return {"version": 1, "stack": "bench", "intents": vlans + records}


def run(*argv: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([IAC, *argv], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2):  # drift exits 2 when something drifted
        raise SystemExit(f"iac {' '.join(argv)} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return elapsed, done.stdout


def ran(stdout: str) -> str:
    """How many resources the apply's run reported on, from its JSON."""
    view = json.loads(stdout)
    return f"{len(view['resources'])} run, {view['changed']} changed"


def drifted() -> str:
    _, out = run("drift", "--json")
    view = json.loads(out)
    return f"{sum(1 for item in view['resources'] if item['status'] != 'in_sync')} drifted after"


def change_a_vlan_by_hand(home: Path) -> None:
    lab = EmulatorLab(home, "opnsense")
    auth = (lab.credentials["key"], lab.credentials["secret"])
    import httpx

    with httpx.Client(base_url=lab.url, auth=auth, verify=lab.ca_cert, timeout=30) as api:
        rows = api.post("/api/interfaces/vlan_settings/searchItem", json={"rowCount": -1}).json()["rows"]
        row = next(row for row in rows if str(row.get("tag")) == "150")
        api.post(f"/api/interfaces/vlan_settings/setItem/{row['uuid']}",
                 json={"vlan": {"descr": "changed by hand"}}).raise_for_status()
        api.post("/api/interfaces/vlan_settings/reconfigure").raise_for_status()


def database() -> tuple[str, str | None]:
    """A fresh PostgreSQL database (URL, admin URL to drop it), or SQLite when no server answers."""
    import psycopg

    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"iac_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return "", None
    return f"postgresql://postgres@127.0.0.1:5432/{name}", admin


def main() -> None:
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="iac-rerun-", dir="/tmp") as tmp:
        home = Path(tmp)
        os.environ["IAC_HOME"] = str(home)
        os.environ["IAC_INVENTORY"] = str(home / "hosts.yml")
        url, admin = database()
        if url:
            os.environ["IAC_DATABASE_URL"] = url
        else:
            os.environ.pop("IAC_DATABASE_URL", None)
            print("no PostgreSQL at 127.0.0.1:5432: the state is SQLite under IAC_HOME")
        file = home / "bench.yaml"
        file.write_text(yaml.safe_dump(intents(), sort_keys=False))
        run("lab", "up")
        try:
            seconds, out = run("apply", str(file), "--yes", "--json")
            rows.append(("create", seconds, ran(out)))
            seconds, out = run("apply", str(file), "--yes", "--json")
            rows.append(("no-op rerun", seconds, ran(out)))
            seconds, out = run("apply", str(file), "--yes", "--json", "--refresh=false")
            rows.append(("no-op, no refresh", seconds, ran(out)))
            seconds, _ = run("drift", "--json")
            rows.append(("drift", seconds, "reads all"))
            document = intents()
            document["intents"][VLANS]["value"] = "10.1.9.9"
            file.write_text(yaml.safe_dump(document, sort_keys=False))
            seconds, out = run("apply", str(file), "--yes", "--json")
            rows.append(("one record changed", seconds, ran(out)))
            change_a_vlan_by_hand(home)
            seconds, out = run("apply", str(file), "--yes", "--json")
            rows.append(("drifted, reapplied", seconds, f"{ran(out)}; {drifted()}"))
        finally:
            subprocess.run([IAC, "lab", "down"], cwd=PROJECT_ROOT, capture_output=True, check=False)
            if admin is not None:
                import psycopg

                with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
                    connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    drift = next(seconds for name, seconds, _ in rows if name == "drift")
    print(f"{VLANS + 2 * RECORDS_PER_PROVIDER} resources ({VLANS} VLANs, {RECORDS_PER_PROVIDER} BIND and "
          f"{RECORDS_PER_PROVIDER} Cloudflare records), state in {'PostgreSQL' if url else 'SQLite'}\n")
    print(f"{'':<20}  {'seconds':>8}  {'vs drift':>8}  what ran")
    for name, seconds, what in rows:
        print(f"{name:<20}  {seconds:>8.1f}  {seconds / drift:>7.2f}x  {what}")
    print("\ntarget: the no-op rerun within 1.50x of drift; one changed record runs one resource")


if __name__ == "__main__":
    main()
