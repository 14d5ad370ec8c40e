"""Policy as code: plan-time rules that block a plan unless an explicit waiver is recorded.

``planner.policy.rules`` holds the rules and their pure evaluation; ``planner.policy.load`` reads policy
files (the only part that touches files, the environment or YAML, so it is imported on first use).
"""

from __future__ import annotations

from typing import Any

from planner.policy.rules import (
    DEFAULT_POLICY,
    RULES,
    Capacity,
    Policy,
    PolicyReport,
    PolicyViolations,
    Violation,
    Waiver,
    capacities_from_hosts,
    evaluate,
)

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "Capacity",
    "Policy",
    "PolicyReport",
    "PolicyViolations",
    "Violation",
    "Waiver",
    "capacities_from_hosts",
    "evaluate",
    "load_policy",
    "policy_from_data",
]


def __getattr__(name: str) -> Any:
    if name in ("load_policy", "policy_from_data"):
        from planner.policy import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
