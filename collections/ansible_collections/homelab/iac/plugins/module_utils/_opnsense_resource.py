# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""What every OPNsense resource shares: typed attribute specs, the per-kind cache, the base class.

A resource class declares its ``Kind`` (endpoints, post key, apply area) and its ``Attr`` list
(module option ↔ API field, value type); ``OpnsenseItem`` turns that into the reconcile engine's
read/current/desired/create/update/delete. Existing items of a kind are read once per session
(``KindCache``) whether one module or a batch of hundreds asks, and kinds served by the same
model-level ``get`` share that one read, which is how a batch stays at one read per area.

After a write the cache holds what the client sent plus the uuid from the add answer, so the
returned facts need no second read. Values OPNsense would generate are chosen by the client with
the documented rule and sent (``generate``: the VLAN device name, the rule sequence); a kind
whose written facts still cannot be known (``facts_known``: the WireGuard instance number, Kea
autocollect, an unsent field's default) is marked stale and read once more after the apply.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ansible_collections.homelab.iac.plugins.module_utils._opnsense_client import (
    OpnsenseApi,
    OpnsenseError,
    check_saved,
)
from ansible_collections.homelab.iac.plugins.module_utils._opnsense_info import (
    gather_info,
    list_revisions,
    pre_change_backup,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Field, ReconcileError, Resource

Observed = tuple[str, dict[str, Any]]  # (uuid, item with API field names and collapsed values)

#: The ``state`` option of every single-item module.
STATE = {"type": "str", "default": "present", "choices": ["present", "absent"]}

#: The options every ``NamedRule`` module shares (filter and NAT rules); the doc fragment
#: ``_opnsense.NAMED_RULE`` documents them.
NAMED_RULE_ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "str"},
    "uuid": {"type": "str"},
    "description": {"type": "str"},
    "sequence": {"type": "int"},
    "enabled": {"type": "bool", "default": True},
    "log": {"type": "bool", "default": False},
    "state": STATE,
}


def collapse(value: Any) -> Any:
    """An option map (``{key: {value, selected}}`` or its JSON-list form) → list of selected keys."""
    if isinstance(value, list) and all(isinstance(entry, dict) and "selected" in entry for entry in value):
        return [str(index) for index, entry in enumerate(value) if entry.get("selected") in (1, "1", True)]
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(entry, dict) and "selected" in entry for entry in value.values())
    ):
        return [key for key, entry in value.items() if entry.get("selected") in (1, "1", True) and key != ""]
    return value


def flatten_item(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested get output → ``{"option_data.routers": [...], ...}`` with option maps collapsed."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        value = collapse(value)
        if isinstance(value, dict):
            flat.update(flatten_item(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _as_list(value: Any, separators: str = ",") -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(part) for part in value if str(part) != ""]
    text = str(value)
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip() != ""]


@dataclass(frozen=True)
class Attr:
    """One module option and the API field behind it.

    ``type``: ``str``, ``bool``, ``int``, ``list`` (ordered, comma-joined), ``set`` (order-free,
    comma-joined) or ``lines`` (order-free, newline-joined).
    """

    param: str
    api: str
    type: str = "str"
    secret: bool = False
    #: A ``bool`` the API holds the other way round (DNat's ``disabled`` behind the option ``enabled``).
    inverted: bool = False
    #: Option value -> API value where the two differ, for ``str``: ``{"any": ""}`` where the model's
    #: blank stands for any, ``{"register": "rule"}`` where the API's word says too little.
    values: Mapping[str, str] = field(default_factory=dict, hash=False)

    def from_api(self, value: Any) -> Any:
        if self.type == "bool":
            true = _as_list(value)[:1] == ["1"] if isinstance(value, list) else str(value) == "1"
            return true is not self.inverted
        if self.type in ("list", "set", "lines"):
            parts = _as_list(value, ",\n") if self.type == "lines" else _as_list(value)
            return parts if self.type == "list" else sorted(parts)
        if isinstance(value, list):
            value = value[0] if value else ""
        if self.type == "int":
            return int(value) if str(value).lstrip("-").isdigit() else None
        text = "" if value is None else str(value)
        return next((option for option, api in self.values.items() if api == text), text)

    def from_param(self, value: Any) -> Any:
        if value is None:
            return None
        if self.type in ("list", "set", "lines"):
            parts = [str(part) for part in value]
            return parts if self.type == "list" else sorted(parts)
        if self.type == "bool":
            return bool(value)
        if self.type == "int":
            return int(value)
        return str(value)

    def to_api(self, view: Any) -> str:
        if self.type == "bool":
            return "1" if bool(view) is not self.inverted else "0"
        if self.type in ("list", "set"):
            return ",".join(view)
        if self.type == "lines":
            return "\n".join(view)
        text = "" if view is None else str(view)
        return self.values.get(text, text)


@dataclass(frozen=True)
class Kind:
    """Where one kind of item lives in the API and which apply call puts it into service."""

    name: str
    module: str
    controller: str
    entity: str
    post_key: str
    area: str
    apply_path: str
    #: Path of the item array in the model-level ``get``; None when ``get`` leaves it out (Kea).
    list_path: tuple[str, ...] | None = None
    #: The first release with this API, for kinds newer than the oldest release supported (DNat: 26.1).
    since: str | None = None
    #: What the API does, in words, for the message on a release without it ("port forwarding").
    feature: str = ""
    #: The controller whose model-level ``get`` holds ``list_path``, when not this kind's own: the
    #: Filter model's NAT lists are read from ``filter/get`` (26.7's ``source_nat/get`` leaves them out).
    model_controller: str | None = None

    def path(self, command: str, *params: str) -> str:
        return "/".join((self.module, self.controller, command, *params))

    def model_path(self) -> str:
        """The model-level ``get`` that lists this kind's items."""
        return "/".join((self.module, self.model_controller or self.controller, "get"))


class KindCache:
    """Existing items per kind, read once per session and kept current by our own writes."""

    def __init__(self, api: OpnsenseApi) -> None:
        self.api = api
        self._items: dict[str, dict[str, dict[str, Any]]] = {}
        #: model-level ``get`` answers by path: kinds of one model (HAProxy) share one read
        self._models: dict[str, Any] = {}

    def items(self, kind: Kind) -> dict[str, dict[str, Any]]:
        if kind.name not in self._items:
            self._items[kind.name] = self._load(kind)
        return self._items[kind.name]

    def model(self, kind: Kind) -> Any:
        """The model-level ``get`` answer holding ``kind``'s items, read once for all kinds it serves."""
        path = kind.model_path()
        if path not in self._models:
            self._models[path] = self.api.get(path)
        return self._models[path]

    def refresh(self, kind: Kind) -> None:
        """Forget a kind so the next access reads it again (values the firewall generated)."""
        self._items.pop(kind.name, None)
        self._models.pop(kind.model_path(), None)

    def _load(self, kind: Kind) -> dict[str, dict[str, Any]]:
        try:
            return self._read(kind)
        except OpnsenseError as exc:
            if kind.since is None or exc.status != 404:
                raise
            raise OpnsenseError(self.unsupported(kind), exc.status) from None

    def unsupported(self, kind: Kind) -> str:
        """Why a kind's API answered 404: the firewall's release predates it (read to name it)."""
        try:
            version = gather_info(self.api, ["version"])["version"]["version"]
        except OpnsenseError:
            version = None
        running = f"OPNsense {version}" if version else "a release that does not say which"
        return (
            f"{kind.feature} through the API needs OPNsense {kind.since} or later "
            f"(/api/{kind.module}/{kind.controller}); this firewall runs {running}"
        )

    def _read(self, kind: Kind) -> dict[str, dict[str, Any]]:
        if kind.list_path is not None:
            node: Any = self.model(kind)
            for part in kind.list_path:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            return {uuid: flatten_item(item) for uuid, item in (node or {}).items()}
        # Search rows carry every field raw from 25.7 on (reference §1.4); '%field' is display text.
        answer = self.api.get(kind.path(f"search{kind.entity}") + "?rowCount=-1")
        return {
            row["uuid"]: {key: value for key, value in row.items() if not key.startswith("%") and key != "uuid"}
            for row in answer.get("rows", [])
        }


class Session:
    """One module run: the API, the kind cache, check mode, and which areas need an apply.

    With ``backup_before_change`` the run records, just before its first write, the id of the
    configuration backup that holds the state before the change (``backup``); a run that writes
    nothing records none.
    """

    def __init__(self, api: OpnsenseApi, check_mode: bool, backup_before_change: bool = False) -> None:
        self.api = api
        self.cache = KindCache(api)
        self.check_mode = check_mode
        self.changed_areas: list[tuple[str, str]] = []
        #: kinds whose written items hold values the client cannot know: read again after the apply
        self.stale: list[Kind] = []
        self.backup_before_change = backup_before_change
        self.backup: str | None = None
        self.warnings: list[str] = []
        self._before_write_done = False

    def before_write(self) -> None:
        """Called once a write is certain and before it is sent: take the safety net if asked."""
        if self._before_write_done or self.check_mode:
            return
        self._before_write_done = True
        if not self.backup_before_change:
            return
        try:
            self.backup = pre_change_backup(self.api)
        except OpnsenseError as exc:
            raise OpnsenseError(f"backup_before_change: {exc}") from None
        if self.backup is None:
            self.warnings.append(
                "backup_before_change: the firewall has no configuration backup to return to "
                "(System > Configuration > History is empty) and this release offers no API call to take one"
            )

    def check_backup_kept(self) -> None:
        """Warn when retention pruned the pre-change backup during the run (more writes than kept backups)."""
        if self.backup is None:
            return
        if all(revision["id"] != self.backup for revision in list_revisions(self.api)):
            self.warnings.append(
                f"backup_before_change: backup {self.backup} was pruned by the backup retention while this run "
                "saved its changes (System > Configuration > History > backup count); it cannot be reverted to"
            )

    def touch(self, kind: Kind) -> None:
        if (kind.area, kind.apply_path) not in self.changed_areas:
            self.changed_areas.append((kind.area, kind.apply_path))

    def mark_stale(self, kind: Kind) -> None:
        if kind not in self.stale:
            self.stale.append(kind)


class OpnsenseItem(Resource[Observed]):
    """An MVC model item reached through ``search/get/add/set/del<Entity>``."""

    item_kind: ClassVar[Kind]
    attrs: ClassVar[tuple[Attr, ...]]
    #: Module options that identify the item (never updated in place, used to find it).
    identity: ClassVar[tuple[str, ...]]
    #: Checks across options beyond the argument spec (``required_one_of``...), for the module and batch items.
    argument_rules: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "attrs"):
            cls.kind = f"opnsense {cls.item_kind.name}"
            cls.fields = tuple(Field(attr.param, secret=attr.secret) for attr in cls.attrs)

    def __init__(self, session: Session, params: dict[str, Any]) -> None:
        self.session = session
        self.params = params

    # Identity -------------------------------------------------------------------------------------
    def label(self) -> str:
        return ", ".join(f"{name}={self.params.get(name)}" for name in self.identity)

    def matches(self, uuid: str, item: dict[str, Any], wanted: dict[str, Any] | None = None) -> bool:
        """Whether the existing ``item`` is the one the options identify (``wanted``: ``desired()``)."""
        current = self.current((uuid, item))
        wanted = self.desired() if wanted is None else wanted
        return all(current.get(name) == wanted.get(name) for name in self.identity)

    def read(self) -> Observed | None:
        # desired() once, not once per existing item: a batch scans a kind's items for every entry.
        wanted = self.desired()
        for uuid, item in self.session.cache.items(self.item_kind).items():
            if self.matches(uuid, item, wanted):
                return uuid, item
        return None

    # Views ----------------------------------------------------------------------------------------
    def current(self, observed: Observed) -> dict[str, Any]:
        _uuid, item = observed
        return {attr.param: attr.from_api(item.get(attr.api)) for attr in self.attrs}

    def desired(self) -> dict[str, Any]:
        return {attr.param: attr.from_param(self.params.get(attr.param)) for attr in self.attrs}

    def body(self, view: dict[str, Any]) -> dict[str, Any]:
        """The post body for the managed (non-None) values of ``view``."""
        fields: dict[str, Any] = {}
        for attr in self.attrs:
            value = view.get(attr.param)
            if value is None:
                continue
            node = fields
            *parents, leaf = attr.api.split(".")
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = attr.to_api(value)
        return {self.item_kind.post_key: fields}

    # Writes ---------------------------------------------------------------------------------------
    def generate(self, view: dict[str, Any]) -> dict[str, Any]:
        """The create view with values OPNsense would generate filled in by its documented rule.

        Sending them makes the stored values exactly the ones the returned facts show, with no
        read after the write. The default generates nothing.
        """
        return view

    def facts_known(self, view: dict[str, Any], created: bool) -> bool:
        """Whether the cache, holding ``view`` as sent, equals what OPNsense stored.

        An update keeps unsent fields as they were; a create gives them defaults the client does
        not know, so a create that leaves a field out needs a read afterwards.
        """
        return not created or all(view.get(attr.param) is not None for attr in self.attrs)

    def _remember(self, uuid: str, view: dict[str, Any]) -> None:
        cached = self.session.cache.items(self.item_kind).setdefault(uuid, {})
        for attr in self.attrs:
            if view.get(attr.param) is not None:
                cached[attr.api] = attr.to_api(view[attr.param])

    def _save(self, command: str, view: dict[str, Any], *params: str) -> dict[str, Any]:
        kind = self.item_kind
        answer = self.session.api.post(kind.path(f"{command}{kind.entity}", *params), self.body(view))
        return check_saved(f"{kind.name} {self.label()}", answer)

    def _written(self, uuid: str, view: dict[str, Any], created: bool) -> None:
        self._remember(uuid, view)
        self.session.touch(self.item_kind)
        if not self.facts_known(view, created):
            self.session.mark_stale(self.item_kind)

    def create(self) -> None:
        view = self.generate(self.desired())
        answer = self._save("add", view)
        self._written(str(answer.get("uuid")), view, created=True)

    def update(self, observed: Observed, changed: list[str]) -> None:
        uuid, _item = observed
        view = self.desired()
        self._save("set", view, uuid)
        self._written(uuid, view, created=False)

    def delete(self, observed: Observed) -> None:
        kind = self.item_kind
        uuid, _item = observed
        answer = self.session.api.post(kind.path(f"del{kind.entity}", uuid))
        if not isinstance(answer, dict) or answer.get("result") not in ("deleted", "not found"):
            raise OpnsenseError(f"{kind.name} {self.label()}: delete answered {answer}")
        self.session.cache.items(kind).pop(uuid, None)
        self.session.touch(kind)

    def facts(self, observed: Observed | None) -> dict[str, Any]:
        if observed is None:
            return {}
        view = self.current(observed)
        for attr in self.attrs:
            if attr.secret:
                view.pop(attr.param, None)
        return {"uuid": observed[0], **view}


def stable_uuid(namespace: uuidlib.UUID, name: str) -> str:
    """A well-formed v4 uuid derived from ``name`` in ``namespace``: ``set<Entity>`` upserts under it (§1.8)."""
    return str(uuidlib.UUID(bytes=uuidlib.uuid5(namespace, name).bytes, version=4))


def given_uuid(value: str) -> str:
    """The ``uuid`` option in OPNsense's spelling (lower case, hyphens); refused when it is no uuid."""
    try:
        return str(uuidlib.UUID(str(value).strip()))
    except ValueError:
        raise ReconcileError(f"uuid: {value!r} is not a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)") from None


class NamedRule(OpnsenseItem):
    """A rule of an ordered rule list (filter or NAT rules), identified by ``name`` turned into a fixed uuid.

    Never the free-text description: the name gives the same uuid on every run and every firewall,
    and the rule is written under it (``set<Entity>`` creates an item under a well-formed unknown v4
    uuid), so a description edited in the GUI does not lose it. Each kind derives its uuids in a
    ``namespace`` of its own: a port forward and a filter rule both called ``web`` are two uuids.
    With ``uuid`` the rule is the one under that uuid instead, so a rule made by hand (whose uuid
    OPNsense chose) can be adopted: read, compared, updated and removed by it.
    """

    namespace: ClassVar[uuidlib.UUID]
    identity = ()
    argument_rules: ClassVar[dict[str, Any]] = {"required_one_of": [["name", "uuid"]]}

    @property
    def uuid(self) -> str:
        if self.params.get("uuid"):
            return given_uuid(self.params["uuid"])
        return stable_uuid(self.namespace, self.params["name"])

    def label(self) -> str:
        shown = [f"{key}={self.params[key]}" for key in ("name", "uuid") if self.params.get(key)]
        return ", ".join(shown)

    def protocol(self, value: str) -> str:
        """``protocol`` as the model stores it: Filter's ProtocolField upper-cases every name but ``any``."""
        return value if value.lower() == "any" else value.upper()

    def desired(self) -> dict[str, Any]:
        view = super().desired()
        if view.get("description") is None:
            # Without a name (a rule adopted by uuid) the description is not managed.
            view["description"] = self.params.get("name")
        if view.get("protocol") is not None:
            view["protocol"] = self.protocol(view["protocol"])
        return view

    def read(self) -> Observed | None:
        item = self.session.cache.items(self.item_kind).get(self.uuid)
        return (self.uuid, item) if item is not None else None

    def generate(self, view: dict[str, Any]) -> dict[str, Any]:
        """No sequence given: OPNsense's default, the kind's current maximum + 100 (reference §3.4)."""
        if view.get("sequence") is not None:
            return view
        sequence = Attr("sequence", "sequence", "int")
        taken = [sequence.from_api(item.get("sequence")) for item in self.session.cache.items(self.item_kind).values()]
        # FilterSequenceField / DNatSequenceField: the highest sequence, at least the minimum 1, plus 100
        highest = max([1, *(value for value in taken if value is not None)])
        return {**view, "sequence": min(999999, highest + 100)}

    def check_create(self) -> None:
        # set<Entity> creates an item only under a well-formed v4 uuid (reference §1.8); one made by
        # stable_uuid always is, a given one may not be.
        if self.params.get("uuid") and uuidlib.UUID(self.uuid).version != 4:
            raise ReconcileError(
                f"uuid {self.uuid}: no {self.item_kind.name} has it and OPNsense creates rules only under a v4 "
                "uuid; give a v4 uuid or a name"
            )

    def create(self) -> None:
        # Set on an unknown v4 uuid creates the rule under that uuid: the identity survives a
        # description edit in the GUI and a second firewall gets the same uuid.
        view = self.generate(self.desired())
        self._save("set", view, self.uuid)
        self._written(self.uuid, view, created=True)


def require(condition: bool, message: str) -> None:
    """Refuse with ``message`` (shown as is) unless ``condition`` holds."""
    if not condition:
        raise ReconcileError(message)
