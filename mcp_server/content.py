"""The server's resources (deployments, resources and plans by URI) and its prompts (guided workflows)."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from mcp_server.access import caller
from mcp_server.views import plan_view, resource_view, status_view
from mcp_server.wording import worded_as
from planner.core.plan import Plan
from planner.errors import shown
from planner.service import Service

__all__ = ["register"]

_JSON = "application/json"


def register(server: MCPServer, service: Service) -> None:
    """Add the ``iac://`` resources and the prompts to ``server``."""

    def _read(uri: str) -> None:
        with worded_as(ResourceError):
            caller().require("read", uri)

    @server.resource("iac://deployments/{deployment_id}", name="deployment", mime_type=_JSON,
                     description="A deployment with its per-resource progress (as deployment_status returns)")
    def deployment(deployment_id: str) -> str:
        _read("iac://deployments")
        with worded_as(ResourceNotFoundError):
            view = status_view(service.status(deployment_id))
        return view.model_dump_json(indent=2)

    @server.resource("iac://resources/{address}", name="resource", mime_type=_JSON,
                     description="A recorded resource by address, e.g. iac://resources/docker.container.hello")
    def resource(address: str) -> str:
        _read("iac://resources")
        record = service.resource(address)
        if record is None:
            raise ResourceNotFoundError(f"no resource {shown(address)} is recorded; list_resources shows them")
        return resource_view(record).model_dump_json(indent=2)

    @server.resource("iac://plans/{plan_id}", name="plan", mime_type=_JSON,
                     description="A stored plan: its change table and Mermaid graph (as plan returns)")
    def plan(plan_id: str) -> str:
        _read("iac://plans")
        with worded_as(ResourceNotFoundError):
            record = service.get_deployment(plan_id)
        return plan_view(record, Plan.model_validate(record.plan)).model_dump_json(indent=2)

    @server.prompt(name="deploy_service", title="Deploy a service")
    def deploy_service(service_description: str) -> str:
        """Plan, show, confirm, apply and watch one service, step by step."""
        return (
            f"Deploy this with homelab-iac: {service_description}\n\n"
            "1. Call list_intent_kinds, then describe_intent_kind for the kind that fits; call list_endpoints "
            "to see where it can go.\n"
            "2. Write the intent document and call validate_intent; fix the field it names until it is valid.\n"
            "3. Call plan with the intent. Every plan is of a stack (the document's `stack:`, else the `stack` "
            "argument, else its first intent's name; stacks lists the deployed ones), and a stack's plan also "
            "deletes what the stack no longer declares. Show the user the change table and the Mermaid graph, and say "
            "what will be created, updated, replaced or deleted.\n"
            "4. Ask the user to confirm. Do not continue without an explicit yes.\n"
            "5. Call apply with the plan_id. If it is refused as stale, plan again and go back to step 3.\n"
            "6. Call deployment_status with the deployment id until every resource has a result, then report "
            "the outcome; if it failed, say what was rolled back. Call outputs with the stack to tell the user "
            "how to reach what was deployed (addresses, ports, URLs).\n\n"
            "To remove a stack later: plan with destroy: true and stack: NAME (no intent), show it, and apply "
            "the plan_id on confirmation, like any change. Pass allow_data_loss: true only when the user asked "
            "for the data (volumes, disks, guests) to be removed. If the plan is refused because something "
            "exists already that homelab-iac does not manage (made by hand), tell the user; call "
            "import_candidates, and only if they want it adopted, plan with adopt: {address, id} and stack, "
            "then apply it (adopting writes nothing to the device)."
        )

    @server.prompt(name="what_changed_since", title="What changed since…")
    def what_changed_since(since: str) -> str:
        """Summarise what homelab-iac changed since a moment or a deployment."""
        return (
            f"Tell the user what homelab-iac changed since {since}.\n\n"
            "1. Call list_deployments and keep those created after that moment (or after that deployment).\n"
            "2. Call history (no address) and keep the versions written since then; group them by resource "
            "and say, for each, whether it was created, changed or removed and by which deployment.\n"
            "3. Call drift to see whether anything changed outside homelab-iac since.\n"
            "4. If the user wants to go back, call restore with `at` (or `deployment_id`), show the plan, and "
            "apply it only on their confirmation."
        )
