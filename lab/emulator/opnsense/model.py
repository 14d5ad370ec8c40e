"""ApiMutableModelControllerBase for one array of items: search, get, add, set, del, toggle.

An area describes its items once as a ``Collection`` (post key, where they live in the config,
fields) and overrides the hooks for what its real controller adds: cross-field validation,
in-use refusals, generated values. The shapes returned here are reference §1.4-§1.12.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from lab.emulator.opnsense.core import Appliance, Call, Router
from lab.emulator.opnsense.fields import Field

__all__ = ["Collection", "Item", "flatten", "natural", "nest"]

Item = dict[str, str]

_UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def flatten(posted: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"option_data": {"routers": x}}`` → ``{"option_data.routers": x}``; lists stay leaves."""
    flat: dict[str, Any] = {}
    for key, value in posted.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A natural sort key: digit runs compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"([0-9]+)", text) if part)


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of ``flatten``, for get output."""
    tree: dict[str, Any] = {}
    for name, value in flat.items():
        node = tree
        *parents, leaf = name.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return tree


class Collection:
    """One array of model items, e.g. ``filter.rules.rule`` with post key ``rule``."""

    #: post key (``rule``), config section path, sort field for searches
    key: str = ""
    section: tuple[str, ...] = ()
    sort: str = ""
    fields: dict[str, Field] = {}
    #: Row fields of 24.x-25.1 searches (display values); 25.7+ returns every field raw plus %field.
    legacy_columns: tuple[str, ...] = ()

    # Storage ------------------------------------------------------------------------------------
    def items(self, app: Appliance) -> dict[str, Item]:
        node = app.config
        for part in self.section:
            node = node.setdefault(part, {})
        return node

    def fields_in(self, app: Appliance) -> dict[str, Field]:
        """The fields of the release ``app`` presents (a model gains fields between releases)."""
        return self.fields

    def defaults(self, app: Appliance) -> Item:
        return {name: spec.default for name, spec in self.fields_in(app).items()}

    # Hooks for areas ----------------------------------------------------------------------------
    def prepare(self, app: Appliance, uuid: str, item: Item, posted: dict[str, Any], is_new: bool) -> None:
        """Fill generated values before validation (e.g. the VLAN device name)."""

    def validate(self, app: Appliance, uuid: str, item: Item) -> dict[str, list[str]]:
        """Cross-field and uniqueness messages, by field name."""
        return {}

    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        """Raise UserError to refuse a delete (in use)."""

    def before_set(self, app: Appliance, uuid: str, old: Item, new: Item) -> dict[str, list[str]]:
        """Extra messages only an update can produce (e.g. renaming an assigned VLAN)."""
        return {}

    def after_write(self, app: Appliance, uuid: str, old: Item | None, new: Item | None) -> None:
        """Side effects on other items (alias rename refactoring, peer linking)."""

    def row_filter(self, app: Appliance, call: Call, uuid: str, item: Item) -> bool:
        """Controller-specific search filters (``interface`` for rules, ``host`` for aliases)."""
        return True

    def sort_key(self, row: dict[str, Any]) -> Any:
        """Where a row goes in a search without ``sort``: by ``sort``, naturally (``200`` before ``1000``);
        generated rows without that column after the model's own."""
        return (self.sort not in row, natural(str(row.get(self.sort, ""))))

    def extra_rows(self, app: Appliance, call: Call) -> list[dict[str, Any]]:
        """Read-only rows a controller merges into its search before paging (generated rules)."""
        return []

    # Rendering ----------------------------------------------------------------------------------
    def render(self, app: Appliance, item: Item) -> dict[str, Any]:
        fields = self.fields_in(app)
        return nest({name: spec.render(item.get(name, spec.default), app) for name, spec in fields.items()})

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        row: dict[str, Any] = {"uuid": uuid}
        if app.series >= (25, 7):
            for name, spec in self.fields_in(app).items():
                raw = item.get(name, spec.default)
                row[name] = raw
                shown = spec.display(raw, app)
                if shown != raw:
                    row[f"%{name}"] = shown
        else:
            for name in self.legacy_columns:
                spec = self.fields[name]
                row[name] = spec.display(item.get(name, spec.default), app)
        return row

    # Actions ------------------------------------------------------------------------------------
    def search(self, app: Appliance, call: Call) -> dict[str, Any]:
        rows = [
            self.row(app, uuid, item)
            for uuid, item in self.items(app).items()
            if self.row_filter(app, call, uuid, item)
        ]
        rows += self.extra_rows(app, call)
        words = str(call.arg("searchPhrase", "") or "").lower().split()
        if words:
            rows = [
                row
                for row in rows
                if all(any(word in str(v).lower() for k, v in row.items() if k != "uuid") for word in words)
            ]
        sort = call.arg("sort")
        if isinstance(sort, dict) and sort:
            column, direction = next(iter(sort.items()))
            rows.sort(key=lambda row: str(row.get(column, "")), reverse=str(direction).lower() == "desc")
        elif self.sort:
            rows.sort(key=self.sort_key)
        total = len(rows)
        try:
            count = int(call.arg("rowCount", -1))
            current = max(1, int(call.arg("current", 1)))
        except (TypeError, ValueError):
            count, current = -1, 1
        if count > 0:
            rows = rows[(current - 1) * count : current * count]
        return {"total": total, "rowCount": len(rows), "current": current, "rows": rows}

    def get(self, app: Appliance, call: Call) -> Any:
        if not call.params:
            return {self.key: self.render(app, self.defaults(app))}
        item = self.items(app).get(call.params[0])
        if item is None:
            return []  # an empty JSON array, not an object (§1.5)
        return {self.key: self.render(app, item)}

    def add(self, app: Appliance, call: Call) -> dict[str, Any]:
        if not call.is_post:
            return {"result": "failed"}
        return self._write(app, call, str(uuidlib.uuid4()), None, "added")

    def set(self, app: Appliance, call: Call) -> dict[str, Any]:
        if not call.is_post:
            return {"result": "failed"}
        uuid = call.params[0]
        old = self.items(app).get(uuid)
        if old is None and not _UUID_V4.match(uuid):
            return {"result": "failed"}
        # An unknown but well-formed v4 uuid creates the item under that uuid (§1.8).
        return self._write(app, call, uuid, old, "updated" if old else "added")

    def _write(self, app: Appliance, call: Call, uuid: str, old: Item | None, verb: str) -> dict[str, Any]:
        posted = call.body.get(self.key)
        if not isinstance(posted, dict):
            return {"result": "failed"}
        flat = flatten(posted)
        item = dict(old) if old is not None else self.defaults(app)
        fields = self.fields_in(app)
        for name, spec in fields.items():
            if name in flat:
                item[name] = spec.clean(flat[name])
        self.prepare(app, uuid, item, flat, old is None)
        messages: dict[str, list[str]] = {}
        for name, spec in fields.items():
            for message in spec.check(item.get(name, ""), app):
                messages.setdefault(name, []).append(message)
        for name, extra in self.validate(app, uuid, item).items():
            messages.setdefault(name, []).extend(extra)
        if old is not None:
            for name, extra in self.before_set(app, uuid, old, item).items():
                messages.setdefault(name, []).extend(extra)
        if messages:
            return {
                "result": "failed",
                "validations": {
                    f"{self.key}.{name}": texts[0] if len(texts) == 1 else texts for name, texts in messages.items()
                },
            }
        self.items(app)[uuid] = item
        self.after_write(app, uuid, old, item)
        app.save(f"{self.key} {uuid} {verb}")
        result: dict[str, Any] = {"result": "saved"}
        if old is None and call.params == []:
            result["uuid"] = uuid
        return result

    def delete(self, app: Appliance, call: Call) -> dict[str, Any]:
        if not call.is_post:
            return {"result": "failed"}
        uuid = call.params[0]
        item = self.items(app).get(uuid)
        if item is None:
            return {"result": "not found"}
        self.before_delete(app, uuid, item)
        del self.items(app)[uuid]
        self.after_write(app, uuid, item, None)
        app.save(f"{self.key} {uuid} deleted")
        return {"result": "deleted"}

    def toggle(self, app: Appliance, call: Call) -> dict[str, Any]:
        item = self.items(app).get(call.params[0]) if call.is_post else None
        if item is None:
            return {"result": "failed"}
        wanted = call.params[1] if len(call.params) > 1 and call.params[1] in ("0", "1") else None
        new = wanted if wanted is not None else ("0" if item.get("enabled") == "1" else "1")
        changed = new != item.get("enabled")
        if changed:
            item["enabled"] = new
            app.save(f"{self.key} {call.params[0]} toggled")
        return {"result": "Enabled" if new == "1" else "Disabled", "changed": changed}

    def register(
        self, router: Router, module: str, controller: str, entity: str, toggle: bool = True, search: str = ""
    ) -> None:
        """Wire ``search<Entity>`` (or ``search``), ``get<Entity>``, ``add/set/del/toggle<Entity>``."""
        router.add(module, controller, search or f"search{entity}", self.search)
        router.add(module, controller, f"get{entity}", self.get)
        router.add(module, controller, f"add{entity}", self.add)
        router.add(module, controller, f"set{entity}", self.set, nparams=1)
        router.add(module, controller, f"del{entity}", self.delete, nparams=1)
        if toggle:
            router.add(module, controller, f"toggle{entity}", self.toggle, nparams=1)
