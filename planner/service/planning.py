"""Planning: intents (a file, documents, a sentence), reconcile and restore become stored, rendered plans."""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planner.core.builder import build_plan, reconcile_plan, restore_plan
from planner.core.plan import Plan
from planner.errors import Argument, Fix, IacError, Remedy, shown
from planner.intents.base import Intent
from planner.intents.catalog import load_intent_file, parse_intents
from planner.policy import capacities_from_hosts
from planner.sentence import parse_sentence
from planner.service.context import Operation, Ports
from planner.service.rendering import render
from planner.service.results import PlanResult

__all__ = ["Planning"]


class Planning:
    """Every way of making a plan; each stores the plan as a deployment and renders its project."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    def plan(
        self, path: str | Path, *, out: Path | None = None, allow: Collection[str] = (), policy: Path | None = None,
        targets: Collection[str] = (),
    ) -> PlanResult:
        """Read an intent file, plan it against recorded state, store the plan and render its project.

        ``policy`` is a policy file (default ``$IAC_POLICY``, else the shipped rules); ``allow`` names rules
        waived for this plan, recorded in it; ``targets`` limits the plan to those addresses and their
        dependencies.
        """
        return self._plan(load_intent_file(path), source=str(path), out=out, allow=allow, policy=policy,
                          targets=targets)

    def plan_documents(
        self, documents: list[Any], *, source: str, out: Path | None = None, allow: Collection[str] = (),
        policy: Path | None = None, targets: Collection[str] = (),
    ) -> PlanResult:
        """Plan intents given as data (what an intent file holds, already parsed), e.g. from an MCP client."""
        return self._plan(parse_intents(documents, source=source), source=source, out=out, allow=allow,
                          policy=policy, targets=targets)

    def plan_sentence(
        self, text: str, *, out: Path | None = None, allow: Collection[str] = (), policy: Path | None = None,
        targets: Collection[str] = (),
    ) -> PlanResult:
        """Plan what an English request means; the result says what was understood, phrase by phrase."""
        understood = parse_sentence(text)
        source = f"sentence: {understood.text}"
        result = self.plan_documents([understood.document()], source=source, out=out, allow=allow, policy=policy,
                                     targets=targets)
        return replace(result, understood=understood)

    def preview_documents(
        self, documents: list[Any], *, source: str, allow: Collection[str] = (), policy: Path | None = None
    ) -> Plan:
        """What planning ``documents`` now would do (policy included), without storing or rendering anything."""
        return self._build(Operation(self.ports), parse_intents(documents, source=source), source=source,
                           allow=allow, policy=policy)

    def plan_reconcile(self, drifted: Collection[str]) -> PlanResult:
        """Store a plan that converges what ``drifted`` names back to its recorded desired state."""
        operation = Operation(self.ports)
        resources = operation.live()
        if not resources:
            raise IacError("nothing is recorded yet: there is nothing to reconcile")
        return self._store(operation, reconcile_plan(resources, drifted), {"source": "reconcile", "intents": []})

    def plan_restore(
        self, *, at: datetime | None = None, deployment_id: str | None = None, allow_data_loss: bool = False
    ) -> PlanResult:
        """Store a plan that brings everything back to a past moment or to just after a past deployment."""
        store = self.ports.store
        if (at is None) == (deployment_id is None):  # the CLI and MCP check this first, in their own words
            raise IacError("restore needs exactly one of a moment (at) or a deployment (deployment_id)")
        if at is not None:
            if at > datetime.now(UTC):
                moment = f"{at:%Y-%m-%d %H:%M:%S%z}"
                raise IacError("is in the future; give a past moment", field=Argument("at", moment))
            target, source = store.resources_as_of(at), f"restore to {at.isoformat(timespec='seconds')}"
        else:
            past = store.get_deployment(str(deployment_id))
            if past is None:
                raise IacError(f"no deployment {shown(deployment_id)}", remedy=Remedy(Fix.LIST_DEPLOYMENTS))
            target, source = store.resources_after(past.id), f"restore to deployment {past.id[:8]}"
        operation = Operation(self.ports)
        plan = restore_plan(target, operation.live(), source=source, allow_data_loss=allow_data_loss)
        return self._store(operation, plan, {"source": source, "intents": []})

    def _build(
        self, operation: Operation, intents: list[Intent], *, source: str, allow: Collection[str] = (),
        policy: Path | None = None, targets: Collection[str] = (),
    ) -> Plan:
        from planner.policy.load import load_policy

        inventory, live = operation.inventory, operation.live()
        return build_plan(
            intents,
            inventory.endpoints(),
            {record.address: record.spec for record in live},
            source=source,
            policy=load_policy(policy),
            allow=allow,
            capacities=capacities_from_hosts({name: host.vars for name, host in inventory.hosts.items()}),
            recorded_endpoints={record.address: record.endpoint for record in live},
            targets=targets,
        )

    def _plan(
        self, intents: list[Intent], *, source: str, out: Path | None, allow: Collection[str] = (),
        policy: Path | None = None, targets: Collection[str] = (),
    ) -> PlanResult:
        operation = Operation(self.ports)
        plan = self._build(operation, intents, source=source, allow=allow, policy=policy, targets=targets)
        result = self._store(operation, plan, {"source": source, "intents": plan.intents})
        if out is not None:
            if out.exists() and any(out.iterdir()) and not (out / "site.yml").exists():
                raise IacError("the directory is not empty and holds no site.yml; choose an empty one",
                               field=Argument("out", str(out)))
            shutil.copytree(result.project, out, dirs_exist_ok=True)
        return result

    def _store(self, operation: Operation, plan: Plan, intent: dict[str, Any]) -> PlanResult:
        deployment = self.ports.store.create_deployment(intent, plan.model_dump(mode="json"))
        project = render(operation, plan, self.ports.project_dir(deployment.id), deployment.id)
        return PlanResult(deployment, plan, project)
