"""The MCP server: homelab-iac's service as tools a language model can use safely.

Each tool is a few lines over ``planner.service.Service``. The rules the server adds are about safety:
changes happen only by applying a stored plan (plan → show the user → apply), every changing call needs
its scope and is written to the audit log, read-only mode leaves the changing tools out entirely, and
every failure comes back as a one-line tool error that says what to fix — never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import Tool, ToolAnnotations
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from mcp_server import content
from mcp_server.access import caller
from mcp_server.views import (
    ApplyView,
    CandidatesView,
    CandidateView,
    DeploymentsView,
    DriftView,
    EndpointsView,
    HistoryView,
    IntentKindDetail,
    IntentKindSummary,
    IntentKindsView,
    OutputsView,
    PlanView,
    ResourcesView,
    ResourceView,
    StacksView,
    StatusView,
    ValidationView,
    apply_view,
    deployment_summary,
    drift_view,
    endpoint_view,
    outputs_view,
    plan_result_view,
    resource_view,
    stack_view,
    status_view,
    validation_view,
)
from mcp_server.wording import MODEL_WORDING, worded_as
from planner.adapters.record import Progress
from planner.core.plan import Plan
from planner.errors import Argument, IacError, IntentError, shown
from planner.intents import INTENT_KINDS
from planner.policy import RULES
from planner.redact import scrub
from planner.sentence import Understood, parse_sentence
from planner.service import PlanResult, Service

__all__ = ["CHANGING_TOOLS", "INSTRUCTIONS", "TOOL_SCOPES", "build_server"]

T = TypeVar("T")

#: The tools that change anything (a stored plan or the infrastructure); read-only mode leaves them out.
CHANGING_TOOLS = ("plan", "apply", "rollback", "reconcile", "restore")

#: The scope each tool needs; a tool not named here needs ``read``. A caller lists only the tools it may call.
TOOL_SCOPES = {"plan": "plan", "reconcile": "plan", "restore": "plan", "apply": "apply", "rollback": "apply"}

INSTRUCTIONS = """\
homelab-iac plans and applies homelab infrastructure (Docker, OPNsense, Proxmox, DNS, certificates) from
intents. Work in this order: list_intent_kinds / describe_intent_kind to write an intent (or pass the user's
request as a `sentence` and show them how it was understood); plan it (you get a plan_id, a change table, a
Mermaid graph and the policy results); show the plan to the user and ask for confirmation; only
then apply(plan_id); watch with deployment_status. Never apply a plan the user has not seen. To undo a
failed run use rollback; to go back in time use restore, which returns a plan to show and apply.
Day 2: every plan is of a stack (an intent document is one), and applying a stack also deletes what it no
longer declares, so name the plan's deletes to the user. To remove a stack: plan(destroy: true, stack: NAME),
show it, then apply(plan_id). stacks lists the deployed stacks, outputs what their intents offer (addresses,
ports, URLs, DNS names). Pass allow_data_loss only when the user asked for their data to go. What exists
already (made by hand) is never taken over: a plan meeting it is refused; import_candidates lists such
objects and plan(adopt: {address, id}, stack) adopts one, writing nothing."""

_READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
_PLANS = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
_CHANGES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True)

Sentence = Annotated[str | None, Field(
    description="Instead of `intent`: the user's request in English, e.g. 'deploy a minecraft server for 10 players "
                "on vlan 20'. The result's `understood` says what it was taken to mean, phrase by phrase")]
Allow = Annotated[list[str] | None, Field(
    description=f"Policy rules to waive for this plan, recorded in it as waivers ({', '.join(RULES)}); only after "
                "the user saw the violation and accepted it")]
Targets = Annotated[list[str] | None, Field(
    description="Resource addresses to plan alone, with what they depend on (e.g. ['docker.container.minecraft']); "
                "the rest is left as it is. Omit to plan everything the intent declares")]
Stack = Annotated[str | None, Field(
    description="The stack the plan is of. With `intent`: the stack the document is when it names no `stack:` "
                "itself (default: its first intent's name). With destroy: the deployed stack to remove (stacks "
                "lists them)")]
Destroy = Annotated[bool, Field(
    description="Plan removing everything the stack named by `stack` owns, dependents first, instead of "
                "planning an intent (give no `intent` or `sentence`); apply it like any plan, after the user saw it")]
AllowDataLoss = Annotated[bool, Field(
    description="Let the plan remove what holds data (volumes, disks, guests), each backend's safety net taken "
                "first; only if the user asked for it")]
class AdoptRequest(BaseModel):
    """An object an endpoint has and homelab-iac does not manage, to adopt (import_candidates lists them)."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(description="The address to adopt it as, e.g. opnsense.vlan.legacy")
    id: str = Field(description="Its import id, as import_candidates gives it (VLAN PARENT/TAG, a name, a vmid...)")
    endpoint: str | None = Field(default=None, description="Its endpoint, when several of its backend have that id")


Adopt = Annotated[AdoptRequest | None, Field(
    description="Instead of `intent`: adopt one existing object as it is, for `stack` (zero writes, now and when "
                "applied); import_candidates lists what can be adopted")]
Refresh = Annotated[bool, Field(
    description="Read what the endpoints hold before deciding (default true); false decides against the recorded "
                "state alone, faster, and cannot find objects made by hand")]
IntentDocument = Annotated[dict[str, Any] | None, Field(
    description="An intent document, the shape of an intent file: {\"version\": 1, \"intents\": "
                "[{\"kind\": \"container\", \"name\": ..., ...}]} or one intent with `kind`")]
PlanId = Annotated[str, Field(description="The plan_id returned by plan, reconcile or restore (or a unique prefix)")]
DeploymentId = Annotated[str, Field(description="A deployment id (or a unique prefix of at least 4 characters)")]


def _internal(err: Exception) -> str:
    first = (str(err).strip().splitlines() or [""])[0]
    return f"internal error: {type(err).__name__}: {first} (a bug in homelab-iac; the server log has the detail)"


def _one_of(intent: dict[str, Any] | None, sentence: str | None) -> None:
    if (intent is None) == (sentence is None):
        raise ToolError("intent: give exactly one of `intent` (an intent document; describe_intent_kind shows one) "
                        "or `sentence` (the request in English)")


def _planned_as_asked(intent: dict[str, Any] | None, sentence: str | None, stack: str | None, destroy: bool,
                      allow: list[str] | None, adopt: AdoptRequest | None = None) -> None:
    """Refuse, naming the argument, a plan request whose arguments do not go together."""
    if adopt is not None:
        given = ("intent" if intent is not None else "sentence" if sentence is not None else "destroy" if destroy
                 else "allow" if allow else None)
        if given is not None:
            raise ToolError(f"{given}: adopt plans adopting one existing object; leave `{given}` out")
        if stack is None:
            raise ToolError("stack: adopt needs the stack that owns the object from now on")
        return
    if not destroy:
        _one_of(intent, sentence)
        if sentence is not None and stack is not None:
            raise ToolError("stack: a sentence's stack is the name of the intent it is understood as; to name it, "
                            "pass the understood intent document as `intent` with `stack`")
        return
    given = "intent" if intent is not None else "sentence" if sentence is not None else "allow" if allow else None
    if given is not None:
        raise ToolError(f"{given}: destroy plans removing the stack `stack` names, from what is recorded; leave "
                        f"`{given}` out")
    if stack is None:
        raise ToolError("stack: destroy needs the name of the deployed stack to remove; the stacks tool lists them")


async def _run(call: Callable[[], T]) -> T:
    """Run a service call on a worker thread (they block); every failure becomes a one-line tool error."""
    try:
        return await anyio.to_thread.run_sync(call)
    except IacError as err:
        raise ToolError(err.text(MODEL_WORDING)) from None
    except Exception as err:
        raise ToolError(_internal(err)) from err


class _Tools:
    """The tool implementations over one service (a class so the tools share the service and the audit)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def _audit(self, tool: str, arguments: dict[str, Any], outcome: str, deployment_id: str | None) -> None:
        self.service.audit(caller().principal, tool, scrub(arguments), outcome=outcome,
                                        deployment_id=deployment_id)

    async def _changing(self, tool: str, arguments: dict[str, Any], call: Callable[[], T],
                        target: Callable[[T], str] | None = None) -> T:
        """Check the scope, run the call and write the audit row, whatever the outcome."""
        named = arguments.get("plan_id") or arguments.get("deployment_id")
        try:
            caller().require(TOOL_SCOPES[tool], tool)
        except IacError as err:
            refused = f"refused: {err.text(MODEL_WORDING)}"
            await anyio.to_thread.run_sync(lambda: self._audit(tool, arguments, refused, named))
            raise ToolError(err.text(MODEL_WORDING)) from None
        try:
            result = await _run(call)
        except ToolError as err:
            failed = f"error: {err}"
            await anyio.to_thread.run_sync(lambda: self._audit(tool, arguments, failed, named))
            raise
        done = target(result) if target is not None else named
        await anyio.to_thread.run_sync(lambda: self._audit(tool, arguments, "ok", done))
        return result

    async def _reading(self, tool: str, call: Callable[[], T]) -> T:
        with worded_as(ToolError):
            caller().require("read", tool)
        return await _run(call)

    # -- discovery ----------------------------------------------------------------------------------

    async def list_intent_kinds(self) -> IntentKindsView:
        """The kinds of intent homelab-iac understands, each with a one-line summary. Start here when writing an
        intent, then call describe_intent_kind for the fields of the one you need."""
        return await self._reading("list_intent_kinds", lambda: IntentKindsView(
            kinds=[IntentKindSummary(kind=kind, summary=model.summary) for kind, model in INTENT_KINDS.items()]))

    async def describe_intent_kind(self, kind: Annotated[str, Field(description="e.g. container")]) -> IntentKindDetail:
        """One intent kind: its JSON schema (fields, types, which are required) and an example intent file."""
        def describe() -> IntentKindDetail:
            model = INTENT_KINDS.get(kind)
            if model is None:
                raise IntentError(f"unknown intent kind {shown(kind)}; list_intent_kinds lists them "
                                  f"({', '.join(INTENT_KINDS)})", field=Argument("kind"))
            return IntentKindDetail(kind=kind, summary=model.summary, intent_schema=model.model_json_schema(),
                                    example=model.example)
        return await self._reading("describe_intent_kind", describe)

    async def list_endpoints(self) -> EndpointsView:
        """The endpoints homelab-iac manages (Docker engines, firewalls, hypervisors, DNS) from its inventory;
        an intent's resources are placed on these."""
        def endpoints() -> EndpointsView:
            inventory = self.service.inventory()
            return EndpointsView(inventory=str(inventory.path),
                                 endpoints=[endpoint_view(h) for h in inventory.hosts.values()])
        return await self._reading("list_endpoints", endpoints)

    async def list_resources(
        self, filter: Annotated[str | None, Field(description="Only addresses, kinds or endpoints containing "
                                                              "this text, e.g. 'docker.container' or 'hello'")] = None,
    ) -> ResourcesView:
        """Every live resource homelab-iac recorded (address like docker.container.hello, kind, endpoint, spec,
        observed facts, the deployment that last changed it)."""
        def resources() -> ResourcesView:
            found = self.service.resources()
            if filter:
                found = [r for r in found if filter in r.address or filter in r.kind or filter in r.endpoint]
            return ResourcesView(resources=[resource_view(r) for r in found])
        return await self._reading("list_resources", resources)

    async def get_resource(
        self, address: Annotated[str, Field(description="A resource address, e.g. docker.container.hello")],
    ) -> ResourceView:
        """One recorded resource by address, including a removed one (state absent)."""
        def get() -> ResourceView:
            record = self.service.resource(address)
            if record is None:
                raise IacError(f"no resource {shown(address)} is recorded; list_resources shows them",
                               field=Argument("address"))
            return resource_view(record)
        return await self._reading("get_resource", get)

    async def history(
        self,
        address: Annotated[str | None, Field(description="One resource address; omit for every resource")] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="How many versions at most")] = 50,
    ) -> HistoryView:
        """What changed, when and by which deployment: resource versions, newest first."""
        return await self._reading("history", lambda: HistoryView(
            versions=[resource_view(v) for v in self.service.history(address, limit=limit)]))

    async def list_deployments(
        self, limit: Annotated[int, Field(ge=1, le=200, description="How many at most")] = 20,
    ) -> DeploymentsView:
        """Recent deployments and stored plans, newest first, and the ids of runs that crashed."""
        return await self._reading("list_deployments", lambda: DeploymentsView(
            deployments=[deployment_summary(d) for d in self.service.deployments(limit)],
            interrupted=[d.id for d in self.service.interrupted()]))

    async def stacks(self) -> StacksView:
        """The deployed stacks (each intent file or intent document applied is one): how many resources each
        owns, their addresses, and its last deployment. Name one as `stack` to plan it, destroy it or read its
        outputs."""
        return await self._reading("stacks", lambda: StacksView(
            stacks=[stack_view(view) for view in self.service.stacks()]))

    async def import_candidates(
        self,
        endpoint: Annotated[str | None, Field(description="One endpoint to read (list_endpoints names them); omit "
                                                          "for every endpoint that can be read")] = None,
        kind: Annotated[str | None, Field(description="Only this resource kind, e.g. opnsense.vlan")] = None,
    ) -> CandidatesView:
        """What the endpoints already have that homelab-iac does not manage (made by hand), each with an import
        id and a suggested address. To adopt one: plan(adopt: {address, id}, stack), show it, apply(plan_id);
        adopting writes nothing to the endpoint. A plan whose create meets such an object is refused until it is
        adopted or renamed."""
        def candidates() -> CandidatesView:
            from planner.redact import scrub

            return CandidatesView(candidates=[
                CandidateView(endpoint=c.endpoint, kind=c.kind, id=c.id, address=c.address, labelled=c.labelled,
                              spec=scrub(c.spec))
                for c in self.service.import_candidates(endpoint=endpoint, kind=kind)])

        return await self._reading("import_candidates", candidates)

    async def outputs(
        self, stack: Annotated[str | None, Field(description="One deployed stack (stacks lists them); omit for "
                                                             "every stack")] = None,
    ) -> OutputsView:
        """What the deployed intents offer the user, per stack and intent: addresses, ports, URLs, DNS names,
        VLANs and interfaces, vmids, certificate files (null where the fact is not recorded; never a secret).
        Use it to tell the user how to reach what was deployed."""
        return await self._reading("outputs", lambda: outputs_view(self.service.outputs(stack)))

    # -- planning -----------------------------------------------------------------------------------

    async def plan(self, intent: IntentDocument = None, sentence: Sentence = None, allow: Allow = None,
                   targets: Targets = None, stack: Stack = None, destroy: Destroy = False,
                   allow_data_loss: AllowDataLoss = False, refresh: Refresh = True, adopt: Adopt = None) -> PlanView:
        """Plan an intent (or a sentence) against what is recorded: stores the plan and returns its plan_id, a
        change table (create/update/replace/delete/noop per resource, in dependency waves), the graph as Mermaid, the
        policy results and, for a sentence, what it was understood as. Nothing is changed. A policy violation
        is an error naming the rule and the change. Show the plan to the user; apply it only after they confirm.
        Every plan is of a stack: applying it converges the stack, deleting what the stack owned and no longer
        declares (those deletes are in the table). With destroy: true and `stack`, it plans removing the whole
        stack instead; that too is applied with apply(plan_id). The plan reads the endpoints first (refresh): a
        create that meets an object homelab-iac does not manage is an error naming it, and applying runs only what
        differs."""
        _planned_as_asked(intent, sentence, stack, destroy, allow, adopt)
        waived, only = tuple(allow or ()), tuple(targets or ())

        def plan() -> PlanView:
            if adopt is not None:
                return plan_result_view(self.service.plan_import(adopt.address, adopt.id, stack=str(stack),
                                                                 endpoint=adopt.endpoint))
            if destroy:
                return plan_result_view(self.service.plan_destroy(stack=stack, targets=only,
                                                                  allow_data_loss=allow_data_loss))
            if sentence is not None:
                return plan_result_view(self.service.plan_sentence(sentence, allow=waived, targets=only,
                                                                   allow_data_loss=allow_data_loss, refresh=refresh))
            return plan_result_view(self.service.plan_documents([intent], source="mcp:intent", allow=waived,
                                                                targets=only, stack=stack,
                                                                allow_data_loss=allow_data_loss, refresh=refresh))

        arguments: dict[str, Any] = (
            {"adopt": adopt.model_dump(exclude_none=True)} if adopt is not None else {"destroy": True} if destroy
            else {"intent": intent} if sentence is None else {"sentence": sentence})
        if stack is not None:
            arguments["stack"] = stack
        if allow:
            arguments["allow"] = list(allow)
        if targets:
            arguments["targets"] = list(targets)
        if allow_data_loss:
            arguments["allow_data_loss"] = True
        if not refresh:
            arguments["refresh"] = False
        return await self._changing("plan", arguments, plan, target=lambda view: view.plan_id)

    async def validate_intent(
        self, intent: IntentDocument = None, sentence: Sentence = None, allow: Allow = None,
    ) -> ValidationView:
        """Check an intent (or a sentence) without storing anything: the field at fault and how to fix it, or
        what planning it now would change, with the policy results (a violation is an error, as for plan)."""
        _one_of(intent, sentence)

        def validate() -> ValidationView:
            understood: Understood | None = None
            document = intent
            if sentence is not None:
                understood = parse_sentence(sentence)
                document = understood.document()
            source = f"sentence: {understood.text}" if understood is not None else "mcp:intent"
            plan = self.service.preview_documents([document], source=source, allow=tuple(allow or ()))
            return validation_view(plan, understood)
        return await self._reading("validate_intent", validate)

    # -- changing -----------------------------------------------------------------------------------

    async def apply(self, plan_id: PlanId, ctx: Context) -> ApplyView:
        """Apply a stored plan (from plan, reconcile or restore) exactly as stored — only after the user has
        seen and confirmed it. Refused when the plan already ran or is stale (something changed since it was
        planned): then plan again. If a resource fails, what already changed is rolled back automatically.
        Reports progress per resource."""
        def run() -> ApplyView:
            total = len(Plan.model_validate(self.service.get_deployment(plan_id).plan).changes)
            return apply_view(self.service.apply(plan_id, on_progress=_progress_reporter(ctx, total)))
        return await self._changing("apply", {"plan_id": plan_id}, run,
                                    target=lambda view: view.deployment.id)

    async def rollback(self, deployment_id: DeploymentId, ctx: Context) -> ApplyView:
        """Undo what a failed or interrupted deployment changed, in reverse dependency order. (A deployment that
        failed during apply was normally rolled back already; to return to an earlier state use restore.)"""
        def run() -> ApplyView:
            total = len(Plan.model_validate(self.service.get_deployment(deployment_id).plan).changes)
            return apply_view(self.service.rollback(deployment_id, on_progress=_progress_reporter(ctx, total)))
        return await self._changing("rollback", {"deployment_id": deployment_id}, run,
                                    target=lambda view: view.deployment.id)

    async def reconcile(self, ctx: Context) -> PlanView:
        """Check every resource for drift and return a plan that converges the drifted ones back to what was
        last applied. Changes nothing by itself: show the plan, then apply it on confirmation."""
        await ctx.report_progress(0, 1, "checking every resource for drift")
        view = await self._changing("reconcile", {}, lambda: _plan_of(self.service.plan_reconcile()),
                                    target=lambda v: v.plan_id)
        await ctx.report_progress(1, 1, "plan ready")
        return view

    async def restore(
        self,
        at: Annotated[datetime | None, Field(description="A past moment, ISO 8601 (UTC when no zone is given)")]
        = None,
        deployment_id: Annotated[str | None, Field(description="Restore the state right after this deployment")]
        = None,
        allow_data_loss: AllowDataLoss = False,
    ) -> PlanView:
        """Return a plan that brings everything back to a past moment (`at`) or to just after a past deployment
        (`deployment_id`); give exactly one. Changes nothing by itself: show the plan, then apply it."""
        moment = at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
        arguments = {"at": moment.isoformat() if moment else None, "deployment_id": deployment_id,
                     "allow_data_loss": allow_data_loss}
        def restore() -> PlanView:
            if (moment is None) == (deployment_id is None):
                raise IacError("restore needs exactly one of `at` (a past moment) or `deployment_id` (the state "
                               "right after that deployment)")
            return _plan_of(self.service.plan_restore(at=moment, deployment_id=deployment_id,
                                                      allow_data_loss=allow_data_loss))
        return await self._changing("restore", arguments, restore, target=lambda v: v.plan_id)

    # -- watching -----------------------------------------------------------------------------------

    async def deployment_status(self, deployment_id: DeploymentId) -> StatusView:
        """A deployment (or stored plan) and its per-resource progress: for each planned change, its result so
        far (pending, changed, ok, failed, skipped) and what is recorded of the resource now."""
        return await self._reading("deployment_status", lambda: status_view(self.service.status(deployment_id)))

    async def drift(self, ctx: Context) -> DriftView:
        """Check every live resource against what was last applied (a check-mode run; nothing is changed) and
        report which drifted and how. Use reconcile to get a plan that fixes drift."""
        await ctx.report_progress(0, 1, "checking every resource")
        view = await self._reading("drift", lambda: drift_view(self.service.drift()))
        await ctx.report_progress(1, 1, f"{view.drifted} drifted")
        return view


def _plan_of(result: PlanResult) -> PlanView:
    return plan_result_view(result)


def _progress_reporter(ctx: Context, total: int) -> Callable[[Progress], None]:
    """An ``on_progress`` for the service (called on the worker thread) that reports absolute progress."""
    done = 0

    def report(progress: Progress) -> None:
        nonlocal done
        if progress.kind == "resource" and progress.result is not None:
            done += 1
            message = f"{progress.result.address}: {progress.result.status}"
        else:
            message = progress.text
        with contextlib.suppress(Exception):  # a client that went away must not fail the deployment
            anyio.from_thread.run(ctx.report_progress, done, max(total, done), message)

    return report


class _ScopedServer(MCPServer):
    """An MCPServer whose tool list holds only the tools the caller's token may call (every tool over stdio)."""

    async def list_tools(self) -> list[Tool]:
        scopes = caller().scopes
        return [tool for tool in await super().list_tools() if TOOL_SCOPES.get(tool.name, "read") in scopes]


def build_server(
    service: Service,
    *,
    read_only: bool = False,
    token_verifier: TokenVerifier | None = None,
    url: str | None = None,
) -> MCPServer:
    """The server over ``service``. With ``token_verifier`` (HTTP), requests need a bearer token; ``url`` is
    the server's own address (``http://127.0.0.1:PORT``) for the protected-resource metadata."""
    auth = None
    if token_verifier is not None:
        base = AnyHttpUrl(url or "http://127.0.0.1")
        auth = AuthSettings(issuer_url=base, resource_server_url=base, required_scopes=["read"],
                            validate_token_resource=False)
    server: MCPServer = _ScopedServer(
        "homelab-iac", instructions=INSTRUCTIONS, token_verifier=token_verifier, auth=auth,
        log_level="WARNING",
    )
    tools = _Tools(service)
    for function, hints in (
        (tools.list_intent_kinds, _READ), (tools.describe_intent_kind, _READ), (tools.list_endpoints, _READ),
        (tools.list_resources, _READ), (tools.get_resource, _READ), (tools.history, _READ),
        (tools.list_deployments, _READ), (tools.stacks, _READ), (tools.outputs, _READ),
        (tools.import_candidates, ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                                                  open_world_hint=True)),
        (tools.validate_intent, _READ), (tools.deployment_status, _READ),
        (tools.drift, ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                                      open_world_hint=True)),
        (tools.plan, _PLANS), (tools.reconcile, _PLANS), (tools.restore, _PLANS),
        (tools.apply, _CHANGES), (tools.rollback, _CHANGES),
    ):
        if read_only and function.__name__ in CHANGING_TOOLS:
            continue
        server.add_tool(function, annotations=hints, structured_output=True)
    content.register(server, service)
    return server
