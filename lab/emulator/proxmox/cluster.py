"""Version, nodes, cluster helpers, storage and its content, appliance templates and tasks (§2, §3.7, §6, §7)."""

from __future__ import annotations

import time
from typing import Any

from lab.emulator.proxmox.guests import NODE, GuestStore
from lab.emulator.proxmox.http import ApiError, ok, validate
from lab.emulator.proxmox.tasks import TaskFailed

__all__ = ["ClusterApi", "initial_state"]

VERSION = {"version": "8.4.1", "release": "8.4", "repoid": "2a5fa54a8503f96d"}
GIB = 1 << 30
# pvestatd refreshes /cluster/resources every ~10 s; a guest younger than this shows status
# "unknown" and no name there (§3.7). Shortened so tests stay fast but the effect stays visible.
RRD_DELAY = 1.0

APPLIANCES = [
    {"template": "debian-12-standard_12.7-1_amd64.tar.zst", "package": "debian-12-standard", "version": "12.7-1",
     "os": "debian-12", "section": "system", "type": "lxc", "headline": "Debian 12 Bookworm (standard)"},
    {"template": "ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "package": "ubuntu-24.04-standard",
     "version": "24.04-2", "os": "ubuntu-24.04", "section": "system", "type": "lxc",
     "headline": "Ubuntu 24.04 Noble (standard)"},
    {"template": "alpine-3.20-default_20240908_amd64.tar.xz", "package": "alpine-3.20-default",
     "version": "20240908", "os": "alpine-3.20", "section": "system", "type": "lxc", "headline": "Alpine Linux 3.20"},
]


def initial_state() -> dict[str, Any]:
    """A fresh single-node PVE 8.4 with ``local`` (dir) and ``local-lvm`` (lvmthin) storage."""
    now = int(time.time())
    return {
        "nodes": {NODE: {"maxcpu": 8, "maxmem": 64 * GIB, "maxdisk": 100 * GIB, "started": now}},
        "storages": {
            "local": {"type": "dir", "path": "/var/lib/vz", "content": "backup,iso,vztmpl,snippets",
                      "shared": 0, "total": 100 * GIB},
            "local-lvm": {"type": "lvmthin", "vgname": "pve", "thinpool": "data", "content": "images,rootdir",
                          "shared": 0, "total": 500 * GIB},
        },
        "volumes": {
            "local": [
                {"volid": "local:iso/debian-12.7.0-amd64-netinst.iso", "content": "iso", "format": "iso",
                 "size": 661651456, "ctime": now},
                {"volid": "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", "content": "vztmpl",
                 "format": "tzst", "size": 126649688, "ctime": now},
            ],
        },
        "guests": {},
        "tasks": {},
        "task_counter": 0,
    }


class ClusterApi:
    """Handlers outside the guests: version, nodes, cluster, storage, tasks."""

    def __init__(self, store: GuestStore) -> None:
        self.store = store
        self.state = store.state

    def routes(self) -> list[tuple[str, str, Any]]:
        node = r"/nodes/(?P<node>[^/]+)"
        storage = node + r"/storage/(?P<storage>[^/]+)"
        return [
            ("GET", "/version", lambda p, u: dict(VERSION)),
            ("GET", "/nodes", self.nodes),
            ("GET", node, lambda p, u: [{"subdir": s} for s in ("qemu", "lxc", "storage", "tasks", "status")]),
            ("GET", node + "/status", self.node_status),
            ("GET", node + "/version", lambda p, u: dict(VERSION)),
            ("GET", "/cluster/resources", self.resources),
            ("GET", "/cluster/nextid", self.nextid),
            ("GET", "/cluster/status", self.cluster_status),
            ("GET", "/storage", self.storage_config),
            ("GET", node + "/storage", self.node_storage),
            ("GET", storage + "/status", self.storage_status),
            ("GET", storage + "/content", self.content),
            ("DELETE", storage + r"/content/(?P<volume>.+)", self.delete_content),
            ("POST", storage + "/download-url", self.download_url),
            ("GET", node + "/aplinfo", self.aplinfo),
            ("POST", node + "/aplinfo", self.apl_download),
            ("GET", node + "/tasks", self.task_list),
            ("GET", node + r"/tasks/(?P<upid>[^/]+)/status", self.task_status),
            ("GET", node + r"/tasks/(?P<upid>[^/]+)/log", self.task_log),
        ]

    # Nodes and cluster --------------------------------------------------------------------------
    def nodes(self, params: dict[str, Any], user: str) -> Any:
        return [{"node": name, "status": "online", "cpu": 0.02, "maxcpu": info["maxcpu"], "mem": 4 * GIB,
                 "maxmem": info["maxmem"], "disk": 10 * GIB, "maxdisk": info["maxdisk"],
                 "uptime": int(time.time()) - info["started"], "level": "", "id": f"node/{name}", "type": "node",
                 "ssl_fingerprint": "lab"} for name, info in self.state["nodes"].items()]

    def node_status(self, params: dict[str, Any], user: str) -> Any:
        self.store.check_node(params["node"])
        info = self.state["nodes"][params["node"]]
        return {"uptime": int(time.time()) - info["started"], "loadavg": ["0.10", "0.12", "0.09"], "cpu": 0.02,
                "wait": 0, "cpuinfo": {"cpus": info["maxcpu"], "cores": info["maxcpu"], "sockets": 1,
                                       "model": "Lab Virtual CPU", "mhz": "2400.000"},
                "memory": {"total": info["maxmem"], "used": 4 * GIB, "free": info["maxmem"] - 4 * GIB},
                "swap": {"total": 0, "used": 0, "free": 0}, "ksm": {"shared": 0},
                "rootfs": {"total": info["maxdisk"], "used": 10 * GIB, "free": info["maxdisk"] - 10 * GIB,
                           "avail": info["maxdisk"] - 10 * GIB},
                "kversion": "Linux 6.8.12-4-pve", "current-kernel": {"release": "6.8.12-4-pve"},
                "pveversion": f"pve-manager/{VERSION['version']}/{VERSION['repoid']}"}

    def cluster_status(self, params: dict[str, Any], user: str) -> Any:
        return [{"type": "node", "id": f"node/{name}", "name": name, "nodeid": 0, "ip": "127.0.0.1",
                 "local": 1, "online": 1, "level": ""} for name in self.state["nodes"]]

    def resources(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"type": "enum:vm|storage|node|sdn"})
        wanted = params.get("type")
        items: list[dict[str, Any]] = []
        if wanted in (None, "vm"):
            now = time.time()
            for guest in self.store.guests.values():
                fields = self.store.status_fields(guest)
                item = {"id": f"{guest['type']}/{guest['vmid']}", "type": guest["type"], "vmid": guest["vmid"],
                        "node": guest["node"], "maxcpu": fields["cpus"], **{k: fields[k] for k in (
                            "status", "name", "cpu", "maxmem", "mem", "maxdisk", "disk", "uptime", "netin",
                            "netout", "diskread", "diskwrite")}, "template": int(bool(guest["config"].get("template")))}
                for key in ("tags", "lock"):
                    if guest["config"].get(key):
                        item[key] = guest["config"][key]
                if now - guest["created_at"] < RRD_DELAY:
                    # Not yet seen by pvestatd: no stats, no name, no template flag.
                    item = {k: v for k, v in item.items() if k not in ("name", "template")}
                    item["status"] = "unknown"
                items.append(item)
        if wanted in (None, "node"):
            items += [{**n, "id": f"node/{n['node']}"} for n in self.nodes(params, user)]
        if wanted in (None, "storage"):
            for name, info in self.state["storages"].items():
                items.append({"id": f"storage/{NODE}/{name}", "type": "storage", "storage": name, "node": NODE,
                              "status": "available", "plugintype": info["type"], "content": info["content"],
                              "shared": info["shared"], "maxdisk": info["total"], "disk": self._used(name)})
        return items

    def nextid(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, {"vmid": "vmid"})
        if "vmid" in checked:
            if self.store.vmid_taken(checked["vmid"]):
                raise ApiError.params({"vmid": f"VM {checked['vmid']} already exists"})
            return checked["vmid"]
        vmid = 100
        while self.store.vmid_taken(vmid):
            vmid += 1
        # Reserves nothing: concurrent callers get the same answer, as on PVE (§3.7).
        return vmid

    # Storage ------------------------------------------------------------------------------------
    def _used(self, name: str) -> int:
        return sum(v["size"] for v in self._volumes(name))

    def _volumes(self, name: str) -> list[dict[str, Any]]:
        """Stored files plus the guest volumes living on ``name`` (images for qemu, rootdir for lxc)."""
        items = [dict(v) for v in self.state["volumes"].get(name, [])]
        for guest in self.store.guests.values():
            for key, value in guest["config"].items():
                if key in ("lock", "parent") or "media=cdrom" in str(value):
                    continue
                volume = str(value).split(",", 1)[0]
                if volume.startswith(name + ":") and ("-disk-" in volume):
                    items.append({"volid": volume, "vmid": guest["vmid"], "format": "raw",
                                  "content": "images" if guest["type"] == "qemu" else "rootdir",
                                  "size": self.store.disk_size(str(value)), "ctime": int(guest["created_at"])})
        unique = {item["volid"]: item for item in items}
        return sorted(unique.values(), key=lambda v: v["volid"].lower())

    def _storage(self, params: dict[str, Any]) -> dict[str, Any]:
        self.store.check_node(params["node"])
        storage = self.state["storages"].get(params["storage"])
        if storage is None:
            raise ApiError(500, f"storage '{params['storage']}' does not exist")
        return storage  # type: ignore[no-any-return]

    def storage_config(self, params: dict[str, Any], user: str) -> Any:
        return [{"storage": name, **{k: v for k, v in info.items() if k != "total"}, "digest": "lab"}
                for name, info in self.state["storages"].items()]

    def _storage_status(self, name: str, info: dict[str, Any]) -> dict[str, Any]:
        used = self._used(name)
        return {"storage": name, "type": info["type"], "content": info["content"], "enabled": 1, "active": 1,
                "shared": info["shared"], "total": info["total"], "used": used, "avail": info["total"] - used,
                "used_fraction": used / info["total"]}

    def node_storage(self, params: dict[str, Any], user: str) -> Any:
        self.store.check_node(params["node"])
        items = [self._storage_status(n, i) for n, i in self.state["storages"].items()]
        if params.get("content"):
            items = [i for i in items if params["content"] in i["content"].split(",")]
        return items

    def storage_status(self, params: dict[str, Any], user: str) -> Any:
        return self._storage_status(params["storage"], self._storage(params))

    def content(self, params: dict[str, Any], user: str) -> Any:
        validate(params, {"node": "string", "storage": "string", "vmid": "vmid",
                          "content": "enum:images|rootdir|vztmpl|iso|backup|snippets|import"})
        self._storage(params)
        items = self._volumes(params["storage"])
        if params.get("content"):
            items = [i for i in items if i["content"] == params["content"]]
        if params.get("vmid"):
            items = [i for i in items if str(i.get("vmid")) == str(params["vmid"])]
        return items

    def delete_content(self, params: dict[str, Any], user: str) -> Any:
        self._storage(params)
        volid = params["volume"] if ":" in params["volume"] else f"{params['storage']}:{params['volume']}"
        files = self.state["volumes"].get(params["storage"], [])
        if not any(v["volid"] == volid for v in files):
            raise ApiError(500, f"volume '{volid}' does not exist")
        self.state["volumes"][params["storage"]] = [v for v in files if v["volid"] != volid]
        return self.store.tasks.start(NODE, "imgdel", "", user, "noop", {}, log=[f"Removed volume '{volid}'"])

    def download_url(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, {"node": "string", "storage": "string", "url": "string",
                                    "content": "enum:iso|vztmpl|import", "filename": "string",
                                    "checksum": "string", "checksum-algorithm": "string",
                                    "verify-certificates": "boolean", "compression": "string"},
                           required=("url", "content", "filename"))
        storage = self._storage(params)
        if checked["content"] not in storage["content"].split(","):
            raise ApiError(
                500, f"storage '{params['storage']}' is not configured for content-type '{checked['content']}'"
            )
        # The lab has no outside network: the "download" only records the volume.
        volid = f"{params['storage']}:{checked['content']}/{checked['filename']}"
        return self.store.tasks.start(NODE, "download", "", user, "add_volume",
                                      {"storage": params["storage"], "volid": volid, "content": checked["content"]},
                                      log=[f"downloading {checked['url']} to {volid}"])

    def aplinfo(self, params: dict[str, Any], user: str) -> Any:
        self.store.check_node(params["node"])
        return [dict(a) for a in APPLIANCES]

    def apl_download(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, {"node": "string", "storage": "string", "template": "string"},
                           required=("storage", "template"))
        self.store.check_node(params["node"])
        if not any(a["template"] == checked["template"] for a in APPLIANCES):
            raise ApiError.params({"template": "no such template"})
        storage = self.state["storages"].get(checked["storage"])
        if storage is None:
            raise ApiError(500, f"storage '{checked['storage']}' does not exist")
        if "vztmpl" not in storage["content"].split(","):
            raise ApiError(500, f"storage '{checked['storage']}' does not support templates")
        volid = f"{checked['storage']}:vztmpl/{checked['template']}"
        return self.store.tasks.start(NODE, "download", "", user, "add_volume",
                                      {"storage": checked["storage"], "volid": volid, "content": "vztmpl"},
                                      log=[f"starting template download of {checked['template']}"])

    def op_add_volume(self, args: dict[str, Any]) -> list[str]:
        files = self.state["volumes"].setdefault(args["storage"], [])
        if args["storage"] not in self.state["storages"]:
            raise TaskFailed(f"storage '{args['storage']}' does not exist")
        if not any(v["volid"] == args["volid"] for v in files):
            fmt = args["volid"].rsplit(".", 1)[-1] if args["content"] == "iso" else "tzst"
            files.append({"volid": args["volid"], "content": args["content"], "format": fmt,
                          "size": 104857600, "ctime": int(time.time())})
        return ["download of file finished"]

    # Tasks --------------------------------------------------------------------------------------
    def task_list(self, params: dict[str, Any], user: str) -> Any:
        self.store.check_node(params["node"])
        return self.store.tasks.listing(params.get("vmid"))

    def task_status(self, params: dict[str, Any], user: str) -> Any:
        return self.store.tasks.status(params["upid"])

    def task_log(self, params: dict[str, Any], user: str) -> Any:
        checked = validate(params, {"node": "string", "upid": "string", "start": "integer", "limit": "integer",
                                    "download": "boolean"})
        if checked.get("download") and ("start" in checked or "limit" in checked):
            raise ApiError.params({"download": "parameter 'download' conflicts with 'start' and 'limit'"})
        limit = 0 if checked.get("download") else checked.get("limit", 50)
        lines, total = self.store.tasks.log(params["upid"], checked.get("start", 0), limit)
        return ok(lines, total=total)
