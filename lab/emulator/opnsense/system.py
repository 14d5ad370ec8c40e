"""Backups (``/api/core/backup``), firmware/system status and diagnostics: reference §9 and §10.

Backups are the revisions ``Appliance.save`` keeps; ``download`` renders them as config.xml.
``revertBackup`` restores the saved config but, as on the real firewall, reconfigures nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from xml.sax.saxutils import escape

from starlette.responses import Response

from lab.emulator.opnsense.core import Appliance, Call, Router

__all__ = ["config_xml", "register"]


def _xml(name: str, value: Any, indent: str) -> str:
    tag = name.replace("%", "").replace("/", "_")
    if isinstance(value, dict):
        inner = "".join(
            _xml("item", child, indent + "  ").replace("<item>", f'<item uuid="{key}">', 1)
            if "-" in key and len(key) == 36
            else _xml(key, child, indent + "  ")
            for key, child in value.items()
        )
        return f"{indent}<{tag}>\n{inner}{indent}</{tag}>\n"
    return f"{indent}<{tag}>{escape(str(value))}</{tag}>\n"


def config_xml(config: dict[str, Any]) -> str:
    """A config.xml rendering of the emulator's config (structure, not OPNsense's exact schema)."""
    return '<?xml version="1.0"?>\n' + _xml("opnsense", config, "")


def _providers(app: Appliance, call: Call) -> dict[str, Any]:
    return {"items": {"this": {"description": "This Firewall", "dirname": "/conf/backup"}}}


def _backups(app: Appliance, call: Call) -> dict[str, Any]:
    if call.params[0] != "this":
        return {"items": []}
    items = []
    for revision in reversed(app.state.get("revisions", [])):
        stamp = dt.datetime.fromtimestamp(revision["time"], dt.UTC)
        path = app.backup_dir / f"{revision['id']}.json"
        items.append(
            {
                "time": revision["id"][len("config-") : -len(".xml")],
                "time_iso": stamp.isoformat(),
                "description": revision["description"],
                "username": revision["username"],
                "filesize": path.stat().st_size if path.exists() else 0,
                "id": revision["id"],
            }
        )
    return {"items": items}


def _download(app: Appliance, call: Call) -> Any:
    config = app.config
    if len(call.params) > 1:
        saved = app.backup(call.params[1])
        if saved is None:
            return Response("", status_code=200, media_type="application/octet-stream")
        config = saved
    return Response(
        config_xml(config),
        media_type="application/octet-stream",
        headers={"Content-Disposition": 'attachment; filename="config.xml"'},
    )


def _revert(app: Appliance, call: Call) -> dict[str, str]:
    if not call.is_post:
        return {"status": "failed"}
    saved = app.backup(call.params[0])
    if saved is None:
        return {"status": "not_found"}
    app.state["config"] = copy.deepcopy(saved)
    app.save(f"reverted to {call.params[0]}")
    return {"status": "reverted"}  # services keep running the old config until applied


def _delete(app: Appliance, call: Call) -> dict[str, str]:
    if not call.is_post:
        return {"status": "failed"}
    revisions = app.state.get("revisions", [])
    for index, revision in enumerate(revisions):
        if revision["id"] == call.params[0]:
            revisions.pop(index)
            (app.backup_dir / f"{revision['id']}.json").unlink(missing_ok=True)
            return {"status": "deleted"}
    return {"status": "not_found"}


def _product(app: Appliance) -> dict[str, str]:
    meta = app.state["meta"]
    return {
        "product_name": "OPNsense",
        "product_version": meta["version"],
        "product_series": meta["series"],
        "product_arch": "amd64",
        "product_abi": meta["series"],
        "product_id": "opnsense",
        "product_nickname": meta["nickname"],
        "product_latest": meta["version"],
        "product_license": {},
    }


def _firmware_status(app: Appliance, call: Call) -> dict[str, Any]:
    # A POST would run a synchronous, networked probe on the real firewall; the lab has no network,
    # so both methods answer with the last-check result.
    return {
        "status": "none",
        "status_msg": "Firmware status requires to check for update first to provide more information.",
        "product": _product(app),
    }


def _system_information(app: Appliance, call: Call) -> dict[str, Any]:
    meta = app.state["meta"]
    system = app.config["system"]
    return {
        "name": f"{system['hostname']}.{system['domain']}",
        "versions": [f"OPNsense {meta['version']}-amd64", "FreeBSD 14.3-RELEASE-p5", "OpenSSL 3.0.17"],
        "updates": "Click to check for updates.",
    }


def _service_search(app: Appliance, call: Call) -> dict[str, Any]:
    rows = []
    for name, description, running in (
        ("configd", "System Configuration Daemon", 1),
        ("kea-dhcpv4", "Kea DHCPv4 server", int(app.running["kea"]["general"].get("enabled") == "1")),
        ("pf", "Packet Filter", 1),
        ("unbound", "Unbound DNS", 1),
    ):
        rows.append({"id": name, "name": name, "description": description, "running": running, "locked": 0})
    return {"total": len(rows), "rowCount": len(rows), "current": 1, "rows": rows}


def register(router: Router) -> None:
    router.add("core", "backup", "providers", _providers)
    router.add("core", "backup", "backups", _backups, nparams=1)
    router.add("core", "backup", "download", _download, nparams=1)
    router.add("core", "backup", "revertBackup", _revert, nparams=1)
    router.add("core", "backup", "deleteBackup", _delete, nparams=1)
    router.add("core", "firmware", "status", _firmware_status)
    router.add(
        "core",
        "system",
        "status",
        lambda app, call: {
            "metadata": {"system": {"status": "OK", "message": "No pending messages", "title": "System"}}
        },
    )
    router.add("core", "service", "search", _service_search)
    router.add("diagnostics", "system", "systemInformation", _system_information)
