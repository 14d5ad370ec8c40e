"""The endpoint inventory as a user writes it: past the parser's limits it is an error naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.adapters.inventory import load_inventory
from planner.errors import IntentError


def test_an_inventory_nested_too_deep_is_an_error_naming_the_line(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all: " + "{a: " * 5000 + "}" * 5000 + "\n")
    with pytest.raises(IntentError, match=r"hosts\.yml: line 1, column 199: nested more than 50 levels deep"):
        load_inventory(inventory)


def test_an_env_file_with_a_number_too_long_to_read_says_which_line(tmp_path: Path) -> None:
    env = tmp_path / "lab.env.yml"
    env.write_text("TOKEN: " + "9" * 5000 + "\n")
    env.chmod(0o600)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(f"all:\n  vars:\n    iac_env_file: {env}\n  children:\n    docker:\n      hosts:\n"
                         "        lab-docker: {docker_host: unix:///tmp/x.sock}\n")
    with pytest.raises(IntentError, match=r"lab\.env\.yml cannot be read: line 1, column 8: a number of 5000 digits"):
        load_inventory(inventory).environment()
