"""The kind registry held against the collection: every KindSpec names options its module really has, and
every kind the planner emits has a spec."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from planner.core.builder import expand_intents
from planner.core.kinds import BACKENDS, KINDS, kind_spec
from planner.intents import INTENT_KINDS, load_intent_file
from planner.paths import collection_root, project_root
from tests.unit.planner.intents.test_catalog import LAB as CATALOG_LAB
from tests.unit.planner.intents.test_catalog import _doc_of, _expand_text, module_options

MODULES = collection_root() / "plugins" / "modules"
# Modules that manage no resource kind of their own: batches of other kinds, read-only facts, one-off actions.
NOT_KINDS = {"batch", "info", "backup"}
SEGMENT = "kind: network_segment\nname: gaming\nvlan: 20\nsubnet: 10.0.20.0/24\n---\n"


def _module_kinds() -> list[str]:
    kinds = []
    for path in sorted(MODULES.glob("*.py")):
        backend, _, thing = path.stem.partition("_")
        if thing not in NOT_KINDS:
            kinds.append(f"{backend}.{thing}")
    return kinds


def _batch_options(module: str) -> dict[str, Any]:
    """A batch module's own options and those of its fragments."""
    path = MODULES / (module.removeprefix("homelab.iac.") + ".py")
    return {**dict(_doc_of(path, "DOCUMENTATION")["options"]), **_fragment_options(path)}


def _batch_item_kinds(module: str) -> set[str]:
    """The item kinds a batch module documents: ``V(kind)`` values in its ``items`` description."""
    items = _batch_options(module)["items"]
    kinds = items.get("suboptions", {}).get("kind", {})
    text = " ".join(kinds.get("description") or items["description"])
    return set(kinds.get("choices") or re.findall(r"V\((\w+)\)", text))


def test_every_module_of_the_collection_has_a_kind_spec_and_every_spec_a_module() -> None:
    assert sorted(_module_kinds()) == sorted(KINDS)


def _emitted_kinds() -> set[str]:
    kinds: set[str] = set()
    for path in sorted((project_root() / "examples").glob("*.yaml")):
        kinds |= {resource.kind for resource in expand_intents(load_intent_file(path), CATALOG_LAB)}
    for kind, intent in INTENT_KINDS.items():
        text = (SEGMENT + intent.example) if kind == "game_server" else intent.example
        kinds |= {resource.kind for resource in _expand_text(text).values()}
    return kinds


def test_every_kind_the_planner_emits_has_a_spec() -> None:
    emitted = _emitted_kinds()
    assert emitted, "the examples expand into nothing"
    assert sorted(emitted - set(KINDS)) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_identity_and_removal_arguments_are_options_of_the_module(kind: str) -> None:
    spec = KINDS[kind]
    options = module_options(kind)
    if not spec.removable:
        assert "absent" not in (options.get("state") or {}).get("choices", []), f"{kind} can be removed after all"
        return
    assert "absent" in options["state"]["choices"], f"{kind}: the module cannot remove anything"
    unknown = [name for name in (*spec.identity, *spec.absent_extra) if name not in options]
    assert not unknown, f"{kind}: identity/removal arguments that are not options of the module: {unknown}"
    required = {name for name, doc in options.items() if doc.get("required")}
    missing = required - set(spec.identity) - set(spec.absent_extra)
    assert not missing, f"{kind}: an absent spec lacks the required options {sorted(missing)}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_replace_claim_safety_net_and_connection_fields_are_options_of_the_module(kind: str) -> None:
    spec = KINDS[kind]
    options = module_options(kind)
    claimed = [field for field in vars(spec.claims).values() if field]
    wanted = [*spec.replace_fields, *claimed, *spec.connection, *([spec.safety_net] if spec.safety_net else [])]
    unknown = [name for name in wanted if name not in options and name not in _connection_options(kind)]
    assert not unknown, f"{kind}: fields the registry names that the module does not take: {unknown}"


def _connection_options(kind: str) -> set[str]:
    return set(_fragment_options(MODULES / (kind.replace(".", "_") + ".py")))


def _fragment_options(module: Path) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for fragment in _doc_of(module, "DOCUMENTATION").get("extends_documentation_fragment") or []:
        _, _, rest = fragment.partition("homelab.iac.")
        file, _, part = rest.partition(".")
        doc = _doc_of(collection_root() / "plugins" / "doc_fragments" / f"{file}.py", part or "DOCUMENTATION")
        options.update(doc.get("options") or {})
    return options


@pytest.mark.parametrize("backend", sorted(name for name, spec in BACKENDS.items() if spec.batch_module))
def test_batched_kinds_are_items_the_batch_module_takes(backend: str) -> None:
    batch = BACKENDS[backend].batch_module
    assert batch is not None
    batched = {spec.item_kind for spec in KINDS.values() if spec.backend == backend and spec.batched}
    assert batched, f"{backend}: a batch module that takes nothing"
    assert sorted(batched - _batch_item_kinds(batch)) == []


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_backend_connection_options_are_the_backend_fragment_options(backend: str) -> None:
    fragment = collection_root() / "plugins" / "doc_fragments" / f"_{backend}.py"
    if not fragment.exists():
        fragment = collection_root() / "plugins" / "doc_fragments" / f"{backend}.py"
    options = set(_doc_of(fragment, "DOCUMENTATION").get("options") or {})
    unknown = sorted(set(BACKENDS[backend].connection) - options)
    assert not unknown, f"{backend}: connection options its doc fragment does not document: {unknown}"


def test_safety_nets_are_options_of_the_batch_modules() -> None:
    for backend in BACKENDS.values():
        if backend.batch_safety_net:
            assert backend.batch_module is not None
            assert backend.batch_safety_net in _batch_options(backend.batch_module), backend.batch_module
    for spec in KINDS.values():
        if spec.safety_net:
            assert spec.safety_net in module_options(spec.kind), f"{spec.kind}: {spec.safety_net}"


def test_docker_replace_fields_are_the_fields_the_module_recreates_for() -> None:
    utils = collection_root() / "plugins" / "module_utils"
    for kind, file in (("docker.container", "_docker_container.py"), ("docker.network", "_docker_network.py"),
                       ("docker.volume", "_docker_volume.py")):
        recreating = set()
        for node in ast.walk(ast.parse((utils / file).read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Field"
                    and any(k.arg == "replace" and getattr(k.value, "value", False) for k in node.keywords)):
                recreating.add(node.args[0].value)
        # The module compares some fields it derives itself (image_id from image, secret_env split from env,
        # network_mode from networks); the registry names the spec fields a user writes.
        assert set(KINDS[kind].replace_fields) == recreating - {"image_id", "secret_env", "network_mode"}, kind


def test_removing_a_volume_archives_it_first() -> None:
    absent = KINDS["docker.volume"].absent_spec({"name": "world", "driver": "local", "labels": {"app": "mc"}})
    assert absent == {"name": "world", "archive": True, "state": "absent"}
    assert module_options("docker.volume")["archive"]["type"] == "bool"


def test_an_unknown_kind_gets_the_defaults_so_an_old_plan_still_renders() -> None:
    spec = kind_spec("future.thing")
    assert (spec.module, spec.batch_module, spec.absent_spec({"name": "x", "size": 3})) == (
        "homelab.iac.future_thing", None, {"name": "x", "state": "absent"})


def _argument_spec(options: dict[str, Any]) -> dict[str, Any]:
    """An AnsibleModule argument spec from documented options (type, required, choices, elements, suboptions)."""
    spec: dict[str, Any] = {}
    for name, doc in options.items():
        entry = {key: doc[key] for key in ("type", "required", "choices", "elements", "aliases") if key in doc}
        if doc.get("suboptions"):
            entry["options"] = _argument_spec(doc["suboptions"])
        spec[name] = entry
    return spec


def _without_refs(value: Any) -> Any:
    """A reference or secret reference stands for a string the renderer fills in at run time."""
    if isinstance(value, dict):
        return "resolved" if ("ref" in value or "secret" in value) else {k: _without_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_refs(item) for item in value]
    return value


EXAMPLE_FILES = sorted(path.name for path in (project_root() / "examples").glob("*.yaml"))


@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_the_absent_spec_of_every_resource_of_every_example_validates(file: str) -> None:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    resources = expand_intents(load_intent_file(project_root() / "examples" / file), CATALOG_LAB)
    assert resources
    for resource in resources:
        assert resource.kind in KINDS, f"{resource.address}: no kind spec for {resource.kind}"
        absent = KINDS[resource.kind].absent_spec(resource.spec)
        validator = ArgumentSpecValidator(_argument_spec(module_options(resource.kind)))
        result = validator.validate(_without_refs(absent))
        assert not result.error_messages, f"{resource.address}: {absent} -> {result.error_messages}"
        assert result.validated_parameters["state"] == "absent"


def test_split_horizon_undo_keeps_each_sides_view_and_key() -> None:
    resources = expand_intents(load_intent_file(project_root() / "examples" / "web-app.yaml"), CATALOG_LAB)
    split = next(resource for resource in resources if resource.kind == "dns.split_horizon")
    absent = KINDS[split.kind].absent_spec(split.spec)
    assert absent["internal"]["key_name"] == "internal-key"
    assert absent["internal"]["key_secret"] == {"secret": "DNS_TSIG_INTERNAL_KEY_SECRET"}
    assert absent["public"]["key_name"] == "ddns-key"
    assert (absent["name"], absent["type"], absent["state"]) == ("wiki.lab.home.arpa", "A", "absent")


UTILS = collection_root() / "plugins" / "module_utils"
# Options the planner never holds in a spec: the render makes them from another field (secret_env from env).
MADE_AT_RENDER = {"docker.container": {"secret_env": "env"}}


def _module_replace_fields() -> dict[str, set[str]]:
    """Per kind, the fields its module's reconcile resource declares ``Field(NAME, replace=True)``: what the
    module can only change by recreating the resource (read from the source, the collection is not imported)."""
    found: dict[str, set[str]] = {}
    for path in sorted(UTILS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            assigned = {target.id: statement.value for statement in node.body if isinstance(statement, ast.Assign)
                        for target in statement.targets if isinstance(target, ast.Name)}
            kind, fields = assigned.get("kind"), assigned.get("fields")
            if not (isinstance(kind, ast.Constant) and isinstance(fields, ast.Tuple)):
                continue
            names = {call.args[0].value for call in fields.elts
                     if isinstance(call, ast.Call) and isinstance(call.args[0], ast.Constant)
                     and any(k.arg == "replace" and getattr(k.value, "value", False) for k in call.keywords)}
            found[str(kind.value).replace(" ", ".", 1)] = names
    return found


def test_the_fields_that_force_a_replace_are_those_the_module_recreates_for() -> None:
    module_fields = _module_replace_fields()
    assert {"docker.container", "docker.network", "docker.volume"} <= set(module_fields)  # the parse found them
    for kind, spec in KINDS.items():
        options = module_options(kind)
        recreated = {name for name in module_fields.get(kind, set()) if name in options}
        derived = MADE_AT_RENDER.get(kind, {})
        expected = {derived.get(name, name) for name in recreated}
        assert set(spec.replace_fields) == expected, (
            f"{kind}: the planner replaces for {sorted(spec.replace_fields)}, the module recreates for "
            f"{sorted(expected)}")
