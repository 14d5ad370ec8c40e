"""Planning: intents (a file, documents, a sentence), reconcile and restore become stored, rendered plans."""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planner.core.builder import build_plan, destroy_plan, reconcile_plan, restore_plan
from planner.core.plan import Plan
from planner.errors import Argument, Fix, IacError, IntentError, Remedy, shown
from planner.intents.base import Intent, stack_refs
from planner.intents.catalog import IntentFile, load_stack_file, parse_intents, parse_stack, stack_name
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
        targets: Collection[str] = (), allow_data_loss: bool = False, refresh: bool = False,
    ) -> PlanResult:
        """Read an intent file, plan it against recorded state, store the plan and render its project.

        ``policy`` is a policy file (default ``$IAC_POLICY``, else the shipped rules); ``allow`` names rules
        waived for this plan, recorded in it; ``targets`` limits the plan to those addresses and their
        dependencies. The file is a stack: what the stack owned and the file no longer declares is removed
        (what holds data only with ``allow_data_loss``). With ``refresh`` the plan is decided against what
        the endpoints hold now (``planner.service.refresh``): it runs only what differs, and a create that
        meets an object homelab-iac does not manage is an error naming it.
        """
        return self._plan(load_stack_file(path), source=str(path), out=out, allow=allow, policy=policy,
                          targets=targets, allow_data_loss=allow_data_loss, refresh=refresh)

    def plan_documents(
        self, documents: list[Any], *, source: str, out: Path | None = None, allow: Collection[str] = (),
        policy: Path | None = None, targets: Collection[str] = (), stack: str | None = None,
        allow_data_loss: bool = False, refresh: bool = False,
    ) -> PlanResult:
        """Plan intents given as data (what an intent file holds, already parsed), e.g. from an MCP client.

        Their stack is the one the documents name, else ``stack``, else the first intent's name.
        """
        return self._plan(_documents_stack(documents, source, stack), source=source, out=out, allow=allow,
                          policy=policy, targets=targets, allow_data_loss=allow_data_loss, refresh=refresh)

    def plan_sentence(
        self, text: str, *, out: Path | None = None, allow: Collection[str] = (), policy: Path | None = None,
        targets: Collection[str] = (), allow_data_loss: bool = False, refresh: bool = False,
    ) -> PlanResult:
        """Plan what an English request means; the result says what was understood, phrase by phrase. Its
        stack is the name of the intent understood."""
        understood = parse_sentence(text)
        source = f"sentence: {understood.text}"
        result = self.plan_documents([understood.document()], source=source, out=out, allow=allow, policy=policy,
                                     targets=targets, allow_data_loss=allow_data_loss, refresh=refresh)
        return replace(result, understood=understood)

    def plan_destroy(
        self, *, path: str | Path | None = None, stack: str | None = None, targets: Collection[str] = (),
        allow_data_loss: bool = False,
    ) -> PlanResult:
        """Store a plan that removes what a stack owns (the stack an intent file is, or one named)."""
        if (path is None) == (stack is None):  # the CLI and MCP check this first, in their own words
            raise IacError("destroy needs exactly one of an intent file or a stack name")
        name = load_stack_file(path).stack if path is not None else str(stack)
        store = self.ports.store
        if store.get_stack(name) is None:
            known = ", ".join(record.name for record in store.list_stacks()) or "none yet"
            raise IacError(f"no deployed stack {shown(name)} (deployed: {known})", field=Argument("stack", name),
                           remedy=Remedy(Fix.LIST_STACKS))
        operation = Operation(self.ports)
        source = f"destroy stack {name}"
        plan = destroy_plan(name, operation.live(), self._owners(), source=source, targets=targets,
                            allow_data_loss=allow_data_loss)
        return self._store(operation, plan, {"source": source, "stack": name, "intents": []})

    def preview_documents(
        self, documents: list[Any], *, source: str, allow: Collection[str] = (), policy: Path | None = None
    ) -> Plan:
        """What planning ``documents`` now would do (policy included), without storing or rendering anything."""
        return self._build(Operation(self.ports), IntentFile("", parse_intents(documents, source=source)),
                           source=source, allow=allow, policy=policy, converge=False)

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

    def _owners(self) -> dict[str, list[str]]:
        """Which stacks own each address."""
        owners: dict[str, list[str]] = {}
        for stack in self.ports.store.list_stacks():
            for address in stack.addresses:
                owners.setdefault(address, []).append(stack.name)
        return owners

    def _referenced_stacks(self, declared: IntentFile) -> dict[str, dict[str, Intent]]:
        """Every deployed stack by name, with the deployed intents of those ``declared`` refers to
        (``{stack, name}``); the others' are left empty (only their names are needed, for messages)."""
        wanted = {ref.stack for intent in declared.intents for ref in stack_refs(intent)}
        if not wanted:
            return {}
        if declared.stack in wanted:
            raise IntentError(f"{{stack: {declared.stack}, ...}} refers to this file's own stack; name the intent "
                              "alone (segment: NAME)", source=declared.stack)
        found: dict[str, dict[str, Intent]] = {}
        for record in self.ports.store.list_stacks():
            intents = parse_intents([record.intents], source=record.source) \
                if record.name in wanted and record.intents else []
            found[record.name] = {intent.name: intent for intent in intents}
        return found

    def _build(
        self, operation: Operation, declared: IntentFile, *, source: str, allow: Collection[str] = (),
        policy: Path | None = None, targets: Collection[str] = (), allow_data_loss: bool = False,
        converge: bool = True,
    ) -> Plan:
        from planner.policy.load import load_policy

        inventory, live = operation.inventory, operation.live()
        return build_plan(
            declared.intents,
            inventory.endpoints(),
            {record.address: record.spec for record in live},
            source=source,
            policy=load_policy(policy),
            allow=allow,
            capacities=capacities_from_hosts({name: host.vars for name, host in inventory.hosts.items()}),
            recorded_endpoints={record.address: record.endpoint for record in live},
            targets=targets,
            stack=declared.stack if converge else None,
            live=live,
            owners=self._owners(),
            stacks=self._referenced_stacks(declared),
            allow_data_loss=allow_data_loss,
            moves=[(move.source, move.target) for move in declared.moved],
            adopted=self._adopted(declared.stack) if converge else (),
        )

    def _adopted(self, stack: str) -> list[str]:
        record = self.ports.store.get_stack(stack) if stack else None
        return list(record.adopted) if record is not None else []

    def _plan(
        self, declared: IntentFile, *, source: str, out: Path | None, allow: Collection[str] = (),
        policy: Path | None = None, targets: Collection[str] = (), allow_data_loss: bool = False,
        refresh: bool = False,
    ) -> PlanResult:
        operation = Operation(self.ports)
        plan = self._build(operation, declared, source=source, allow=allow, policy=policy, targets=targets,
                           allow_data_loss=allow_data_loss)
        if refresh:
            from planner.service.refresh import refresh as refreshing

            plan = refreshing(self.ports, operation, plan)
        result = self._store(operation, plan, {"source": source, "stack": declared.stack, "intents": plan.intents})
        if out is not None:
            if out.exists() and any(out.iterdir()) and not (out / "site.yml").exists():
                raise IacError("the directory is not empty and holds no site.yml; choose an empty one",
                               field=Argument("out", str(out)))
            shutil.copytree(result.project, out, dirs_exist_ok=True)
        return result

    def _store(self, operation: Operation, plan: Plan, intent: dict[str, Any]) -> PlanResult:
        deployment = self.ports.store.create_deployment(intent, plan.model_dump(mode="json"))
        project = render(operation, plan.to_run(), self.ports.project_dir(deployment.id), deployment.id)
        return PlanResult(deployment, plan, project)


def _documents_stack(documents: list[Any], source: str, stack: str | None) -> IntentFile:
    """``documents`` as a stack: the one they name, else ``stack``, else their first intent's name."""
    declared = parse_stack(documents, source=source, default_stack="")
    if declared.stack:
        return declared
    return replace(declared, stack=stack or stack_name(declared.intents[0].name))
