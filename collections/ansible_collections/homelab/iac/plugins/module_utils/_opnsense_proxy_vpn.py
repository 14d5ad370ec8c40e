# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""HAProxy (reverse proxy) and WireGuard (VPN) resource classes, with their modules' argument specs.

Both areas reference other items by uuid (a backend's servers, a frontend's default backend, a
peer's instances); the modules take names, which ``ByName`` resolves through the kind cache, so
the comparison happens on names and the API still receives uuids.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import check_saved
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_resource import (
    STATE,
    Attr,
    Kind,
    Observed,
    OpnsenseItem,
    require,
)

HAPROXY_APPLY = "haproxy/service/reconfigure"
WIREGUARD_APPLY = "wireguard/service/reconfigure"


class ByName(OpnsenseItem):
    """An item whose options name other items that the API stores as uuids."""

    #: module option → kind of the items it names
    references: dict[str, Kind] = {}

    def _names(self, kind: Kind) -> dict[str, str]:
        return {uuid: str(item.get("name")) for uuid, item in self.session.cache.items(kind).items()}

    def current(self, observed: Observed) -> dict[str, Any]:
        view = super().current(observed)
        for option, kind in self.references.items():
            names = self._names(kind)
            value = view[option]
            view[option] = [names.get(v, v) for v in value] if isinstance(value, list) else names.get(value, value)
        return view

    def body(self, view: dict[str, Any]) -> dict[str, Any]:
        resolved = dict(view)
        for option, kind in self.references.items():
            value = view.get(option)
            if not value:
                continue
            uuids = {name: uuid for uuid, name in self._names(kind).items()}
            wanted = value if isinstance(value, list) else [value]
            missing = [name for name in wanted if name not in uuids]
            require(not missing, f"{self.item_kind.name} {self.label()}: no {kind.name} named {', '.join(missing)}")
            resolved[option] = [uuids[name] for name in value] if isinstance(value, list) else uuids[value]
        return super().body(resolved)

    def check_create(self) -> None:
        # In check mode the referenced items may be planned in the same batch.
        if not self.session.check_mode:
            self.body(self.desired())


class HaproxyServer(OpnsenseItem):
    """A real server behind HAProxy, identified by name."""

    item_kind = Kind("haproxy_server", "haproxy", "settings", "Server", "server", "haproxy", HAPROXY_APPLY,
                     ("haproxy", "servers", "server"))  # fmt: skip
    attrs = (
        Attr("name", "name"),
        Attr("address", "address"),
        Attr("port", "port", "int"),
        Attr("mode", "mode"),
        Attr("ssl", "ssl", "bool"),
        Attr("ssl_verify", "sslVerify", "bool"),
        Attr("weight", "weight", "int"),
        Attr("description", "description"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("name",)
    argument_spec: dict[str, dict[str, Any]] = {
        "name": {"type": "str", "required": True},
        "address": {"type": "str", "required": True},
        "port": {"type": "int", "required": True},
        "mode": {"type": "str", "default": "active", "choices": ["active", "backup", "disabled"]},
        "ssl": {"type": "bool", "default": False},
        "ssl_verify": {"type": "bool", "default": True},
        "weight": {"type": "int"},
        "description": {"type": "str", "default": ""},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }


class HaproxyBackend(ByName):
    """A HAProxy backend (pool of servers), identified by name."""

    item_kind = Kind("haproxy_backend", "haproxy", "settings", "Backend", "backend", "haproxy", HAPROXY_APPLY,
                     ("haproxy", "backends", "backend"))  # fmt: skip
    attrs = (
        Attr("name", "name"),
        Attr("mode", "mode"),
        Attr("algorithm", "algorithm"),
        Attr("servers", "linkedServers", "list"),
        Attr("health_check", "healthCheckEnabled", "bool"),
        Attr("description", "description"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("name",)
    references = {"servers": HaproxyServer.item_kind}
    argument_spec: dict[str, dict[str, Any]] = {
        "name": {"type": "str", "required": True},
        "mode": {"type": "str", "default": "http", "choices": ["http", "tcp"]},
        "algorithm": {"type": "str", "default": "source",
                      "choices": ["source", "roundrobin", "static-rr", "leastconn", "uri", "random"]},
        "servers": {"type": "list", "elements": "str", "default": []},
        "health_check": {"type": "bool", "default": True},
        "description": {"type": "str", "default": ""},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }  # fmt: skip


class HaproxyFrontend(ByName):
    """A HAProxy frontend (listener), identified by name."""

    item_kind = Kind("haproxy_frontend", "haproxy", "settings", "Frontend", "frontend", "haproxy", HAPROXY_APPLY,
                     ("haproxy", "frontends", "frontend"))  # fmt: skip
    attrs = (
        Attr("name", "name"),
        Attr("bind", "bind", "set"),
        Attr("mode", "mode"),
        Attr("default_backend", "defaultBackend"),
        Attr("forward_for", "forwardFor", "bool"),
        Attr("description", "description"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("name",)
    references = {"default_backend": HaproxyBackend.item_kind}
    argument_spec: dict[str, dict[str, Any]] = {
        "name": {"type": "str", "required": True},
        "bind": {"type": "list", "elements": "str", "required": True},
        "mode": {"type": "str", "default": "http", "choices": ["http", "ssl", "tcp"]},
        "default_backend": {"type": "str", "default": ""},
        "forward_for": {"type": "bool", "default": False},
        "description": {"type": "str", "default": ""},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }


class WireguardServer(OpnsenseItem):
    """A WireGuard instance (device ``wg<instance>``), identified by name."""

    item_kind = Kind("wireguard_server", "wireguard", "server", "Server", "server", "wireguard", WIREGUARD_APPLY,
                     ("server", "servers", "server"))  # fmt: skip
    attrs = (
        Attr("name", "name"),
        Attr("private_key", "privkey", secret=True),
        Attr("public_key", "pubkey"),
        Attr("port", "port", "int"),
        Attr("mtu", "mtu", "int"),
        Attr("tunnel_address", "tunneladdress", "set"),
        Attr("dns", "dns", "set"),
        Attr("disable_routes", "disableroutes", "bool"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("name",)
    argument_spec: dict[str, dict[str, Any]] = {
        "name": {"type": "str", "required": True},
        "private_key": {"type": "str", "no_log": True},
        "port": {"type": "int"},
        "mtu": {"type": "int"},
        "tunnel_address": {"type": "list", "elements": "str", "default": []},
        "dns": {"type": "list", "elements": "str", "default": []},
        "disable_routes": {"type": "bool", "default": False},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }

    def create(self) -> None:
        if self.params.get("private_key"):
            super().create()
            return
        # No key given: let the firewall generate a pair (GET keyPair), as its GUI does.
        pair = self.session.api.get("wireguard/server/keyPair")
        view = self.desired()
        body = self.body(view)
        body["server"].update(privkey=pair["privkey"], pubkey=pair["pubkey"])
        kind = self.item_kind
        answer = check_saved(f"{kind.name} {self.label()}", self.session.api.post(kind.path("addServer"), body))
        self._written(str(answer.get("uuid")), view, created=True)

    def facts_known(self, view: dict[str, Any], created: bool) -> bool:
        # OPNsense numbers a new instance (device wg<instance>): read it back after the apply.
        return not created and super().facts_known(view, created)

    def facts(self, observed: Observed | None) -> dict[str, Any]:
        facts = super().facts(observed)
        if observed is not None:
            instance = observed[1].get("instance")
            facts.update(instance=instance, device=f"wg{instance}" if instance not in (None, "") else None)
        return facts


class WireguardPeer(ByName):
    """A WireGuard peer ("client"), identified by name, linked to instances by their names."""

    item_kind = Kind("wireguard_peer", "wireguard", "client", "Client", "client", "wireguard", WIREGUARD_APPLY,
                     ("client", "clients", "client"))  # fmt: skip
    attrs = (
        Attr("name", "name"),
        Attr("public_key", "pubkey"),
        Attr("psk", "psk", secret=True),
        Attr("tunnel_address", "tunneladdress", "set"),
        Attr("servers", "servers", "set"),
        Attr("endpoint", "serveraddress"),
        Attr("endpoint_port", "serverport", "int"),
        Attr("keepalive", "keepalive", "int"),
        Attr("enabled", "enabled", "bool"),
    )
    identity = ("name",)
    references = {"servers": WireguardServer.item_kind}
    argument_spec: dict[str, dict[str, Any]] = {
        "name": {"type": "str", "required": True},
        "public_key": {"type": "str", "required": True},
        "psk": {"type": "str", "no_log": True},
        "tunnel_address": {"type": "list", "elements": "str", "required": True},
        "servers": {"type": "list", "elements": "str", "default": []},
        "endpoint": {"type": "str", "default": ""},
        "endpoint_port": {"type": "int"},
        "keepalive": {"type": "int"},
        "enabled": {"type": "bool", "default": True},
        "state": STATE,
    }
