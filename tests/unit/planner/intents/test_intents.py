from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import IntentError
from planner.intents import Endpoints, load_intent_file, parse_intents
from planner.paths import project_root

HELLO = project_root() / "examples" / "hello.yaml"


def _write(tmp_path: Path, text: str, name: str = "intent.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_hello_example_loads() -> None:
    [intent] = load_intent_file(HELLO)
    assert intent.kind == "container"
    assert intent.name == "hello"


def test_single_mapping_list_and_multi_document_forms_are_accepted(tmp_path: Path) -> None:
    one = "kind: container\nname: a\nimage: x\n"
    assert len(load_intent_file(_write(tmp_path, one))) == 1
    assert len(load_intent_file(_write(tmp_path, "- " + one.replace("\n", "\n  ")))) == 1
    two = one + "---\n" + one.replace("name: a", "name: b")
    assert [i.name for i in load_intent_file(_write(tmp_path, two))] == ["a", "b"]


def test_json_files_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"version": 1, "intents": [{"kind": "container", "name": "a", "image": "x"}]}', "i.json")
    assert load_intent_file(path)[0].name == "a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("intents: [{kind: container, name: a, image: x, ports: ['18080:80']}]",
         r"intents\[0\]\.ports: .*'18080:80' is not HOST_IP:HOST_PORT:CONTAINER_PORT"),
        ("intents: [{kind: contaner, name: a}]", r"intents\[0\]\.kind: unknown intent kind 'contaner'; did you mean container"),
        ("intents: [{kind: container, name: a}]", r"intents\[0\]\.image: required field is missing"),
        ("intents: [{kind: container, name: a, image: x, colour: red}]", r"intents\[0\]\.colour: unknown field"),
        ("intents: [{kind: container, name: Bad_Name, image: x}]", r"intents\[0\]\.name: String should match pattern"),
        ("intents: [{kind: container, name: a, image: x, memory: lots}]", r"intents\[0\]\.memory: 'lots' is not a size"),
        ("version: 7\nintents: []", r"version: 7 is not supported"),
        ("intents: {kind: container}", r"intents: expected a non-empty list"),
        ("intents: [{kind: container, name: a, image: x}, {kind: container, name: a, image: y}]",
         r"intents\[1\]\.name: 'a' is already used by intents\[0\]"),
        ("intents: [{kind: container, name: a, image: x, ports: ['127.0.0.1:99999:80']}]", r"port 99999 is outside"),
        ("intents: [\n  - {kind: container", r"not valid YAML/JSON"),
    ],
)
def test_bad_input_names_the_file_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(IntentError, match=expected) as info:
        load_intent_file(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_missing_file_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(IntentError, match="no such file"):
        load_intent_file(tmp_path / "nope.yaml")


def test_endpoint_resolution_errors_say_what_to_do() -> None:
    [intent] = parse_intents([{"kind": "container", "name": "a", "image": "x"}])
    from planner.intents import ExpansionContext

    with pytest.raises(IntentError, match="no docker endpoint .* run `iac lab up`"):
        intent.expand(ExpansionContext(Endpoints({})))
    with pytest.raises(IntentError, match="several docker endpoints \\(nas, srv\\); name one"):
        intent.expand(ExpansionContext(Endpoints({"docker": ["nas", "srv"]})))
    resources = intent.expand(ExpansionContext(Endpoints({"docker": ["nas"]})))
    assert [r.endpoint for r in resources] == ["nas"]
