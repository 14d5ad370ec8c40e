# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Read-only facts (opnsense_info) and config backups (opnsense_backup): reference §9 and §10.

Both work on plain API answers rather than the reconcile engine: they have no desired state.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import OpnsenseApi, OpnsenseError

INFO_SECTIONS = ("version", "health", "interfaces")


def gather_info(api: OpnsenseApi, sections: list[str]) -> dict[str, Any]:
    """The requested sections; each costs one GET (``firmware/status`` by GET never probes the network)."""
    info: dict[str, Any] = {}
    if "version" in sections:
        product = (api.get("core/firmware/status") or {}).get("product") or {}
        info["version"] = {
            "product": product.get("product_name"),
            "version": product.get("product_version"),
            "series": product.get("product_series"),
            "nickname": product.get("product_nickname"),
            "arch": product.get("product_arch"),
        }
    if "health" in sections:
        system = api.get("diagnostics/system/systemInformation")
        services = api.get("core/service/search")
        info["health"] = {
            "name": system.get("name"),
            "versions": system.get("versions", []),
            "services": {row["name"]: bool(int(row.get("running", 0))) for row in services.get("rows", [])},
        }
    if "interfaces" in sections:
        rows = api.get("interfaces/overview/interfacesInfo").get("rows", [])
        info["interfaces"] = [
            {
                "identifier": row.get("identifier"),
                "device": row.get("device"),
                "description": row.get("description"),
                "enabled": bool(row.get("enabled")),
                "ipv4": [entry.get("ipaddr") for entry in row.get("ipv4") or []],
                "vlan_tag": row.get("vlan_tag"),
            }
            for row in rows
        ]
    return info


def list_revisions(api: OpnsenseApi) -> list[dict[str, Any]]:
    """Backups on the firewall, newest first: id, time, description, user, size."""
    items = api.get("core/backup/backups/this").get("items", [])
    return [
        {key: item.get(key) for key in ("id", "time", "time_iso", "description", "username", "filesize")}
        for item in items
    ]


def pre_change_backup(api: OpnsenseApi) -> str | None:
    """The id of a backup holding the configuration as it is now, taken before a change.

    OPNsense writes a backup on every save, so the newest one is the current configuration and
    reverting to it (``revertBackup``) undoes everything saved after it. The API has no call that
    only takes a backup; when the history is empty, the filter savepoint (24.1 to 26.1) saves
    one. None when neither gives a backup (an empty history on 26.7).
    """
    revisions = list_revisions(api)
    if not revisions:
        try:
            api.post("firewall/filter/savepoint")  # Config::save(): one backup, nothing armed
        except OpnsenseError:
            return None  # removed in 26.7: 404
        revisions = list_revisions(api)
    return str(revisions[0]["id"]) if revisions else None


def fetch_config(api: OpnsenseApi, revision: str | None) -> bytes:
    """config.xml as the firewall has it now, or as saved in backup ``revision``."""
    text = api.download("core/backup/download/this" + (f"/{revision}" if revision else ""))
    if not text.strip():
        raise OpnsenseError(f"backup {revision} not found on the firewall")
    return text.encode()


def download_config(api: OpnsenseApi, dest: str, revision: str | None, check_mode: bool) -> tuple[bool, int]:
    """Write config.xml (the current one or a revision) to ``dest`` unless equal; (changed, bytes)."""
    data = fetch_config(api, revision)
    try:
        with open(dest, "rb") as handle:
            if handle.read() == data:
                return False, len(data)
    except FileNotFoundError:
        pass
    if check_mode:
        return True, len(data)
    directory = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".config-", suffix=".xml")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o600)  # config.xml holds password hashes and keys
    os.replace(tmp, dest)
    return True, len(data)


def revert_to(api: OpnsenseApi, revision: str) -> None:
    """Restore a backup over the config (services are not reconfigured by OPNsense)."""
    answer = api.post(f"core/backup/revertBackup/{revision}")
    if answer.get("status") != "reverted":
        raise OpnsenseError(f"revert to {revision}: OPNsense answered {answer.get('status')!r}")
