"""Every module refuses "(known after apply)" outside check mode, and plans with it in check mode."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.homelab.iac.plugins.module_utils._client import (
    KNOWN_AFTER_APPLY,
    ModuleClient,
    unknown_option,
)

SPEC: dict[str, dict[str, Any]] = {"items": {"type": "list", "elements": "dict", "required": True}}
ITEMS = [{"kind": "vlan", "tag": 20}, {"kind": "firewall_rule", "interface": ["opt1", KNOWN_AFTER_APPLY]}]


def test_the_placeholder_is_found_where_it_stands() -> None:
    assert unknown_option({"items": ITEMS}) == "items[1].interface[1]"
    assert unknown_option({"items": ITEMS[:1], "note": "known after apply"}) is None


def test_outside_check_mode_a_module_fails_naming_the_option_before_it_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with patch_module_args({"items": ITEMS}), pytest.raises(SystemExit):
        ModuleClient(SPEC)
    out = capsys.readouterr().out
    assert '"failed": true' in out and "items[1].interface[1] is '(known after apply)'" in out


def test_in_check_mode_a_module_takes_it_and_plans_with_it() -> None:
    with patch_module_args({"items": ITEMS, "_ansible_check_mode": True}):
        client = ModuleClient(SPEC)
    assert client.check_mode and client.params["items"][1]["interface"] == ["opt1", KNOWN_AFTER_APPLY]
