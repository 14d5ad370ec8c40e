"""Reading policy: a policy file (``--policy FILE`` or ``$IAC_POLICY``) laid over the shipped defaults.

This is the only part of ``planner.policy`` that reads files, the environment or YAML; the rules and their
evaluation (``planner.policy.rules``) are pure.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from planner.documents import LimitExceeded, load_yaml
from planner.errors import PolicyError, shown
from planner.policy.rules import _SETTINGS, DEFAULT_POLICY, POLICY_VERSION, RULES, Policy

__all__ = ["load_policy", "policy_from_data"]


def load_policy(path: Path | None = None) -> Policy:
    """The policy in ``path``, else in ``$IAC_POLICY``, else the shipped defaults (:data:`DEFAULT_POLICY`)."""
    if path is None:
        raw = os.environ.get("IAC_POLICY")
        if not raw:
            return DEFAULT_POLICY
        path = Path(raw).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file; give the path of a policy YAML file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise PolicyError(f"{path}: cannot read the policy file ({err})") from None
    try:
        data = load_yaml(text)
    except LimitExceeded as err:
        raise PolicyError(f"{path}: {err}") from None
    except yaml.YAMLError as err:
        raise PolicyError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    return policy_from_data(data, source=str(path))


def policy_from_data(data: Any, *, source: str = "<policy>") -> Policy:
    """Lay a parsed policy document (see the module docstring) over the shipped defaults."""
    if data is None:
        return replace(DEFAULT_POLICY, source=source)
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: expected a mapping with `version` and `rules`")
    unknown_top = sorted(set(data) - {"version", "rules"})
    if unknown_top:
        raise PolicyError(
            f"{source}: {unknown_top[0]}: unknown top-level key; a policy file holds `version` and `rules`"
        )
    if data.get("version", POLICY_VERSION) != POLICY_VERSION:
        raise PolicyError(f"{source}: version: {shown(data['version'])} is not supported; use version {POLICY_VERSION}")
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise PolicyError(f"{source}: rules: expected a mapping of rule name to settings")
    policy = replace(DEFAULT_POLICY, source=source)
    enabled = set(policy.enabled)
    for name, settings in rules.items():
        where = f"{source}: rules.{name}"
        if name not in RULES:
            raise PolicyError(f"{where}: unknown rule; known rules: {', '.join(RULES)}")
        settings = {} if settings is None else settings
        if not isinstance(settings, dict):
            raise PolicyError(f"{where}: expected a mapping of settings (or {{}})")
        allowed = {"enabled"} | _SETTINGS[name]
        extra = sorted(set(settings) - allowed)
        if extra:
            raise PolicyError(f"{where}.{extra[0]}: unknown setting; this rule takes: {', '.join(sorted(allowed))}")
        policy = _apply_settings(policy, name, settings, where)
        if settings.get("enabled", True) is True:
            enabled.add(name)
        elif settings["enabled"] is False:
            enabled.discard(name)
        else:
            raise PolicyError(f"{where}.enabled: expected true or false")
    if "required-tags" in enabled and not policy.required_tags and not policy.require_owner:
        raise PolicyError(f"{source}: rules.required-tags: give `tags: [...]` and/or `owner: true`")
    return replace(policy, enabled=frozenset(enabled))


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise PolicyError(f"{where}: expected a list of strings")
    return tuple(value)


def _apply_settings(policy: Policy, name: str, settings: Mapping[str, Any], where: str) -> Policy:
    if "management_networks" in settings:
        networks = _string_list(settings["management_networks"], f"{where}.management_networks")
        for item in networks:
            if any(ch.isdigit() for ch in item) and ("/" in item or item.count(".") == 3):
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise PolicyError(
                        f"{where}.management_networks: {shown(item)} is not a network; write a CIDR like 10.0.10.0/24 "
                        "or a segment name"
                    ) from None
        policy = replace(policy, management_networks=networks)
    if "tags" in settings:
        policy = replace(policy, required_tags=_string_list(settings["tags"], f"{where}.tags"))
    if "owner" in settings:
        if not isinstance(settings["owner"], bool):
            raise PolicyError(f"{where}.owner: expected true or false")
        policy = replace(policy, require_owner=settings["owner"])
    return policy


