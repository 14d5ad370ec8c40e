"""The OPNsense emulator's building blocks, in process (no sockets): routing, fields, search, persistence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.emulator.opnsense import OpnsenseEmulator
from lab.emulator.opnsense.core import Appliance, Router
from lab.emulator.opnsense.emulator import factory_config
from lab.emulator.opnsense.fields import AsList, Option

AUTH = ("key", "secret")


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    emulator = OpnsenseEmulator("opnsense", tmp_path, {"key": "key", "secret": "secret"}, "admin-token")
    return TestClient(emulator)


def _app() -> Appliance:
    return Appliance({"config": factory_config(), "running": {}, "meta": {"series": "26.7"}}, Path("/nonexistent"))


def test_router_normalises_case_and_underscores_and_needs_its_params() -> None:
    router = Router()
    router.add("interfaces", "vlan_settings", "setItem", lambda app, call: None, nparams=1)
    assert router.resolve("interfaces/VlanSettings/set_item/abc", (26, 7)) is not None
    assert router.resolve("interfaces/vlan_settings/setitem", (26, 7)) is None  # too few params → 404
    router.add("firewall", "filter", "savepoint", lambda app, call: None, available=lambda s: s <= (26, 1))
    assert router.resolve("firewall/filter/savepoint", (26, 7)) is None
    assert router.resolve("firewall/filter/savepoint", (25, 7)) is not None


def test_option_rendering_blank_entry_and_json_list_quirk() -> None:
    app = _app()
    single = Option({"a": "A", "b": "B"})
    assert single.render("b", app) == {"": {"value": "None", "selected": 0}, "a": {"value": "A", "selected": 0},
                                       "b": {"value": "B", "selected": 1}}  # fmt: skip
    numbered = Option({"0": "zero", "1": "one"}, required=True)
    assert numbered.render("1", app) == [{"value": "zero", "selected": 0}, {"value": "one", "selected": 1}]
    assert Option({"x": "X"}, multiple=True).check("x,y", app) == ["Option [y] not in list."]  # 26.1+ names it
    assert AsList().render("", app) == {"": {"value": "", "selected": 1}}
    assert AsList().render("1.1.1.1,8.8.8.8", app)["8.8.8.8"] == {"value": "8.8.8.8", "selected": 1}


def test_search_paging_sort_and_phrase(client: TestClient) -> None:
    for tag in (30, 10, 20):
        client.post(
            "/api/interfaces/vlan_settings/addItem",
            auth=AUTH,
            json={"vlan": {"if": "vtnet1", "tag": str(tag), "descr": f"d{tag}"}},
        )
    page = client.post("/api/interfaces/vlan_settings/searchItem", auth=AUTH,
                       json={"rowCount": 2, "current": 2, "sort": {"tag": "desc"}}).json()  # fmt: skip
    assert page["total"] == 3 and page["rowCount"] == 1 and page["current"] == 2 and page["rows"][0]["tag"] == "10"
    found = client.get(
        "/api/interfaces/vlan_settings/searchItem", auth=AUTH, params={"searchPhrase": "D2 vtnet"}
    ).json()
    assert [row["tag"] for row in found["rows"]] == ["20"]


def test_array_values_are_an_internal_error(client: TestClient) -> None:
    answer = client.post(
        "/api/interfaces/vlan_settings/addItem", auth=AUTH, json={"vlan": {"if": ["vtnet1"], "tag": "5"}}
    )
    assert answer.status_code == 500 and answer.json() == {"errorMessage": "Unexpected error, check log for details"}


def test_refused_write_leaves_the_state_untouched(client: TestClient, tmp_path: Path) -> None:
    added = client.post(
        "/api/interfaces/vlan_settings/addItem", auth=AUTH, json={"vlan": {"if": "vtnet1", "tag": "7"}}
    ).json()
    client.post("/api/interfaces/assignment/addItem", auth=AUTH, json={"assignment": {"if": "vlan01", "descr": "G"}})
    before = json.loads((tmp_path / "state.json").read_text())
    refused = client.post(f"/api/interfaces/vlan_settings/delItem/{added['uuid']}", auth=AUTH)
    assert refused.status_code == 500 and refused.json()["errorTitle"] == "VLAN in use"
    assert json.loads((tmp_path / "state.json").read_text())["config"] == before["config"]


def test_state_persists_with_saved_and_running_views(client: TestClient, tmp_path: Path) -> None:
    client.post(
        "/api/firewall/alias/addItem", auth=AUTH, json={"alias": {"name": "a1", "type": "host", "content": "10.1.1.1"}}
    )
    saved: dict[str, Any] = json.loads((tmp_path / "state.json").read_text())
    assert [a["name"] for a in saved["config"]["aliases"].values()] == ["a1"] and saved["running"]["aliases"] == {}
    assert len(saved["revisions"]) == 1 and (tmp_path / "backup" / f"{saved['revisions'][0]['id']}.json").is_file()
    reloaded = OpnsenseEmulator("opnsense", tmp_path, {"key": "key", "secret": "secret"}, "admin-token")
    assert reloaded.state["config"]["aliases"] == saved["config"]["aliases"]


def test_kea_autocollect_overwrites_options_on_every_save(client: TestClient) -> None:
    subnet = {"subnet": "192.168.1.0/24", "option_data": {"routers": "192.168.1.254"}}
    added = client.post("/api/kea/dhcpv4/addSubnet", auth=AUTH, json={"subnet4": subnet}).json()
    got = client.get(f"/api/kea/dhcpv4/getSubnet/{added['uuid']}", auth=AUTH).json()["subnet4"]
    assert got["option_data"]["routers"] == {"192.168.1.1": {"value": "192.168.1.1", "selected": 1}}  # the LAN address
