"""Secret references: how an intent names a secret without holding it.

An intent writes ``{secret: RCON_PASSWORD}`` where a value is secret. Plans, rendered projects and the
state database keep only that reference; the rendered playbook reads the value from the environment of
whatever runs it (``iac``, ``ansible-playbook``, an AWX credential), so the value itself never lands on
disk. A literal value under a name that looks secret is refused, so nobody stores one by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from planner.errors import EndpointError

__all__ = ["SecretRef", "is_secret_ref", "missing_secrets", "referenced_secrets", "render_secret"]


class SecretRef(BaseModel):
    """``{secret: NAME}``: the value comes from the environment variable NAME when the playbook runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Environment variable holding the value.")


def is_secret_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secret"} and isinstance(value["secret"], str)


def render_secret(name: str) -> str:
    """The Jinja expression a rendered playbook uses; it fails with a hint when the variable is unset."""
    hint = f"the secret {name} is not set: export {name} where the playbook runs"
    return "{{ lookup('ansible.builtin.env', '" + name + "') | default(undef(hint='" + hint + "'), true) }}"


def referenced_secrets(value: Any) -> Iterator[str]:
    """Every secret name a spec refers to, at any depth."""
    if is_secret_ref(value):
        yield value["secret"]
    elif isinstance(value, dict):
        for item in value.values():
            yield from referenced_secrets(item)
    elif isinstance(value, list):
        for item in value:
            yield from referenced_secrets(item)


def missing_secrets(names: set[str], provided: Mapping[str, str] | None = None) -> None:
    """Refuse to start a run whose secrets are neither in this process's environment nor ``provided``
    (the inventory's ``iac_env_file``, handed to the run)."""
    missing = sorted(name for name in names if not os.environ.get(name) and not (provided or {}).get(name))
    if missing:
        raise EndpointError(
            f"secret {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set in the environment; "
            "export the value(s) before applying (they are never stored)"
        )
