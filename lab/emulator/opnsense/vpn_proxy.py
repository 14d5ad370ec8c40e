"""HAProxy (os-haproxy plugin, ``/api/haproxy/*``) and WireGuard (``/api/wireguard/*``): §7 and §8.

HAProxy uses safe delete: an item whose uuid any other item references cannot be removed
("Item in use by", HTTP 500). Its search actions are plural (``searchServers``). WireGuard links
peers and instances both ways: a peer's ``servers`` rewrites each instance's ``peers`` list, and
deleting a peer removes it everywhere. Its reconfigure answers ``{"result": "ok"}``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from lab.emulator.opnsense.core import Appliance, Call, Router, UserError, reconfigure
from lab.emulator.opnsense.fields import AsList, Bool, Integer, Option, Text, is_cidr, is_ip, split_csv
from lab.emulator.opnsense.model import Collection, Item
from lab.emulator.opnsense.trust import cert_names

__all__ = ["public_key", "register"]

_NAME = r"[0-9a-zA-Z._-]{1,255}"
#: the fields every HAProxy item starts with; each collection's own fields follow them
_HAPROXY_FIELDS = {
    "enabled": Bool("1"),
    "name": Text(required=True, mask=_NAME, message="Should be a string between 1 and 255 characters."),
    "description": Text(),
}


def _names(section: tuple[str, ...]) -> Any:
    def options(app: Appliance) -> dict[str, str]:
        node: Any = app.config
        for part in section:
            node = node.get(part, {})
        return {uuid: item.get("name", uuid) for uuid, item in node.items()}

    return options


class HaproxyCollection(Collection):
    """An os-haproxy item: a unique name, and ``$internalModelUseSafeDelete`` (no delete while in use)."""

    sort = "name"

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        return _unique_name(self, app, uuid, item)

    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        users = []
        for kind, collection in (("frontend", FRONTENDS), ("backend", BACKENDS), ("server", SERVERS)):
            for other_uuid, other in collection.items(app).items():
                if other_uuid != uuid and any(uuid in split_csv(str(value)) for value in other.values()):
                    users.append(f"HAProxy - {other.get('name')} {{haproxy.{kind}s.{kind}.{other_uuid}}}")
        if users:
            raise UserError(", ".join(users), "Item in use by")


class ServerCollection(HaproxyCollection):
    key = "server"
    section = ("haproxy", "servers")
    fields = {
        **_HAPROXY_FIELDS,
        "address": Text(),
        "port": Integer(minimum=1, maximum=65535, message="Please specify a valid port number (1-65535)."),
        "mode": Option(
            {"active": "active", "backup": "backup", "disabled": "disabled"}, default="active", required=True
        ),
        "type": Option({"static": "static", "template": "template", "unix": "unix"}, default="static", required=True),
        "ssl": Bool("0"),
        "sslVerify": Bool("1"),
        "weight": Integer(minimum=0, maximum=256),
    }


class BackendCollection(HaproxyCollection):
    key = "backend"
    section = ("haproxy", "backends")
    fields = {
        **_HAPROXY_FIELDS,
        "mode": Option({"http": "HTTP (Layer 7)", "tcp": "TCP (Layer 4)"}, default="http", required=True),
        "algorithm": Option(
            {k: k for k in ("source", "roundrobin", "static-rr", "leastconn", "uri", "random")},
            default="source",
            required=True,
        ),
        "linkedServers": Option(_names(("haproxy", "servers")), multiple=True),
        "healthCheckEnabled": Bool("1"),
    }


class FrontendCollection(HaproxyCollection):
    key = "frontend"
    section = ("haproxy", "frontends")
    fields = {
        **_HAPROXY_FIELDS,
        "bind": Text(required=True),
        "mode": Option(
            {"http": "HTTP / HTTPS (SSL offloading)", "ssl": "SSL / HTTPS (TCP mode)", "tcp": "TCP"},
            default="http",
            required=True,
        ),
        "defaultBackend": Option(_names(("haproxy", "backends"))),
        "ssl_enabled": Bool("0"),
        # CertificateFields: refids from the trust store (System > Trust > Certificates).
        "ssl_certificates": Option(cert_names, multiple=True),
        "ssl_default_certificate": Option(cert_names),
        "forwardFor": Bool("0"),
    }

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages = super().validate(app, uuid, item)
        for bind in split_csv(item["bind"]):
            host, _, port = bind.rpartition(":")
            if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
                messages.setdefault("bind", []).append(f"{bind} is not a valid address:port combination.")
        return messages


def _unique_name(collection: Collection, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
    if any(key != uuid and other.get("name") == item.get("name") for key, other in collection.items(app).items()):
        return {"name": ["Should be a unique value."]}
    return {}


SERVERS, BACKENDS, FRONTENDS = ServerCollection(), BackendCollection(), FrontendCollection()


def _haproxy_get(app: Appliance, call: Call) -> Any:
    if call.is_post:
        return []
    return {
        "haproxy": {
            "general": {"enabled": app.config["haproxy"].get("enabled", "1")},
            "frontends": {"frontend": {u: FRONTENDS.render(app, i) for u, i in FRONTENDS.items(app).items()}},
            "backends": {"backend": {u: BACKENDS.render(app, i) for u, i in BACKENDS.items(app).items()}},
            "servers": {"server": {u: SERVERS.render(app, i) for u, i in SERVERS.items(app).items()}},
        }
    }


# WireGuard --------------------------------------------------------------------------------------


def _is_key(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def public_key(private: str) -> str:
    key = X25519PrivateKey.from_private_bytes(base64.b64decode(private))
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


class WireguardServers(Collection):
    key = "server"
    section = ("wireguard", "servers")
    sort = "name"
    fields = {
        "enabled": Bool("1"),
        "name": Text(
            required=True, mask=r"[a-zA-Z0-9_-]{1,64}", message="Should be a string between 1 and 64 characters."
        ),
        "instance": Integer(minimum=0),
        "pubkey": Text(),
        "privkey": Text(required=True),
        "port": Integer(minimum=1, maximum=65535),
        "mtu": Integer(minimum=1, maximum=9300),
        "dns": AsList(item=is_ip),
        "tunneladdress": AsList(item=is_cidr, message="Please specify a valid CIDR."),
        "disableroutes": Bool("0"),
        "gateway": Text(),
        "peers": Option(_names(("wireguard", "clients")), multiple=True),
        "endpoint": Text(),
    }

    def prepare(self, app: Appliance, uuid: str, item: Item, posted: dict[str, Any], is_new: bool) -> None:
        if not item.get("instance"):
            used = {
                int(other["instance"])
                for key, other in self.items(app).items()
                if key != uuid and other.get("instance")
            }
            item["instance"] = str(min(set(range(len(used) + 1)) - used))
        # The lab derives the public key when the client only sends the private one.
        if item.get("privkey") and _is_key(item["privkey"]) and "pubkey" not in posted:
            item["pubkey"] = public_key(item["privkey"])

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages = _unique_name(self, app, uuid, item)
        if item.get("privkey") and not _is_key(item["privkey"]):
            messages["privkey"] = ["Invalid key."]
        return messages


class WireguardClients(Collection):
    key = "client"
    section = ("wireguard", "clients")
    sort = "name"
    fields = {
        "enabled": Bool("1"),
        "name": Text(
            required=True, mask=r"[a-zA-Z0-9_.-]{1,64}", message="Should be a string between 1 and 64 characters."
        ),
        "pubkey": Text(required=True),
        "psk": Text(),
        "tunneladdress": AsList(required=True, item=is_cidr, message="Please specify a valid CIDR."),
        "serveraddress": Text(),
        "serverport": Integer(minimum=1, maximum=65535),
        "endpoint": Text(),
        "keepalive": Integer(minimum=1, maximum=86400),
        "servers": Option(_names(("wireguard", "servers")), multiple=True),
    }

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        messages: dict[str, list[str]] = {}
        if item["pubkey"] and not _is_key(item["pubkey"]):
            messages["pubkey"] = ["Invalid key."]
        if any(key != uuid and other["pubkey"] == item["pubkey"] for key, other in self.items(app).items()):
            messages.setdefault("pubkey", []).append("Public keys should be unique.")
        return messages

    def after_write(self, app: Appliance, uuid: str, old: Item | None, new: Item | None) -> None:
        # Linking is kept on both sides: the instances' peer lists follow the peer's servers.
        wanted = set(split_csv(new["servers"])) if new is not None else set()
        for server_uuid, server in SERVER_INSTANCES.items(app).items():
            peers = [peer for peer in split_csv(server.get("peers", "")) if peer != uuid]
            if server_uuid in wanted:
                peers.append(uuid)
            server["peers"] = ",".join(peers)


SERVER_INSTANCES, PEERS = WireguardServers(), WireguardClients()


def _keypair(app: Appliance, call: Call) -> dict[str, str]:
    private = X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    encoded = base64.b64encode(private).decode()
    return {"status": "ok", "privkey": encoded, "pubkey": public_key(encoded)}


def _model_get(root: str, plural: str, collection: Collection) -> Any:
    def get(app: Appliance, call: Call) -> Any:
        if call.is_post:
            return []
        return {root: {plural: {root: {u: collection.render(app, i) for u, i in collection.items(app).items()}}}}

    return get


def register(router: Router) -> None:
    for collection, entity, plural in ((SERVERS, "Server", "Servers"), (BACKENDS, "Backend", "Backends"),
                                       (FRONTENDS, "Frontend", "Frontends")):  # fmt: skip
        collection.register(router, "haproxy", "settings", entity, search=f"search{plural}")
    router.add("haproxy", "settings", "get", _haproxy_get)
    router.add("haproxy", "service", "reconfigure", reconfigure("haproxy", "status"))
    router.add("haproxy", "service", "configtest", lambda app, call: {"result": "Configuration file is valid\n\n\n"})
    SERVER_INSTANCES.register(router, "wireguard", "server", "Server")
    PEERS.register(router, "wireguard", "client", "Client")
    router.add("wireguard", "server", "keyPair", _keypair)
    router.add("wireguard", "client", "psk", lambda app, call: {"psk": _keypair(app, call)["privkey"], "status": "ok"})
    router.add("wireguard", "server", "get", _model_get("server", "servers", SERVER_INSTANCES))
    router.add("wireguard", "client", "get", _model_get("client", "clients", PEERS))
    router.add("wireguard", "service", "reconfigure", reconfigure("wireguard", "result"))
