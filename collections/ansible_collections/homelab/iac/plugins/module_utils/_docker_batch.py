# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The docker_batch module's logic: many resources, one module process, a few engine connections.

Each item is validated and reconciled exactly like its single-resource module would do it (same
argument spec, same resource class, same Reconciler). Every item is validated before anything
runs. Items that do not depend on each other run concurrently on a small pool of worker threads,
each with its own engine connection; an item starts only once every earlier item it depends on
has completed (see ``depends_on``). The engine is wrapped in ``CachedReads`` so existing state is
read once (one container listing per batch, each image inspected once).

Failure (the batch contract, ``_batch``): after the first failure no further item is started; the
items already running are allowed to finish. ``failed_index`` is the lowest failing index,
``results`` holds every item that completed, in input order - including items after
``failed_index`` that were already running when it failed, because they changed the engine and the
caller must know to roll them back. Items that never started are absent from ``results``.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._batch import (
    ITEMS_ARG,
    BatchItemError,
    BatchRun,
    fail_before_run,
    finish_batch,
    outcome_result,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_common import DockerModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._docker_container import DockerContainer
from ansible_collections.homelab.iac.plugins.module_utils._docker_container_views import normalise_image_name
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import DockerEngineError
from ansible_collections.homelab.iac.plugins.module_utils._docker_kinds import KINDS, CachedReads, Kind
from ansible_collections.homelab.iac.plugins.module_utils._docker_stack import STACK_ARGUMENT_SPEC, Stack, StackError
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Action,
    Outcome,
    ReconcileError,
    Reconciler,
    Resource,
)

DEFAULT_WORKERS = 4
MAX_WORKERS = 16
BATCH_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {**ITEMS_ARG, "workers": {"type": "int", "default": DEFAULT_WORKERS}}
__all__ = ["BATCH_ARGUMENT_SPEC", "BatchItemError", "BatchRun", "apply_all", "prepare", "run_batch_module"]


class StackRun:
    """A batch item of kind stack: the docker_stack module's code, reported as one outcome."""

    def __init__(self, engine: Any, params: dict[str, Any]) -> None:
        self.engine = engine
        self.params = params
        self.members: list[Any] = []
        self.secrets: set[str] = set()
        if params["state"] == "present":
            # Translating the definition validates it, so a bad stack fails the batch before any change.
            self.members, self.secrets = Stack(engine, params["name"], True, params["purge_volumes"]).members(
                params["definition"]
            )

    def run(self, check_mode: bool) -> Outcome:
        """Converge (or remove) the stack; StackError names the member that failed."""
        stack = Stack(self.engine, self.params["name"], check_mode, self.params["purge_volumes"])
        if self.params["state"] == "present":
            stack.converge(self.members)
        else:
            stack.remove_owned(keep=set())
        result = stack.result
        facts = {key: value for key, value in result.as_dict().items() if key != "changed"}
        actions = {entry["action"] for section in (result.services, result.networks, result.volumes)
                   for entry in section.values()}
        if not result.changed:
            action = Action.NOOP
        elif self.params["state"] == "absent":
            action = Action.DELETE
        elif actions == {Action.CREATE.value} and not result.removed:
            action = Action.CREATE
        else:
            action = Action.UPDATE
        diff: dict[str, dict[str, Any]] = {"before": {}, "after": {}}
        for member in result.diffs:
            diff["before"][member["before_header"]] = member["before"]
            diff["after"][member["after_header"]] = member["after"]
        return Outcome(action, result.changed, diff, [], [], facts)


# A stack is many objects at once: it runs alone (after everything before it, before everything after).
STACK_KIND = Kind(
    "stack",
    StackRun,
    STACK_ARGUMENT_SPEC,
    "stack",
    "replaced_because",
    required_if=[("state", "present", ["definition"])],
)
BATCH_KINDS: dict[str, Kind] = {**KINDS, "stack": STACK_KIND}


@dataclass
class BatchItem:
    """One validated item: its resource object, what it names and which earlier items it waits for."""

    index: int
    kind: Kind
    params: dict[str, Any]
    resource: Resource[Any] | StackRun
    name: str
    # (kind, name) of the other objects this item uses: a container's networks, volumes and image.
    uses: set[tuple[str, str]] = field(default_factory=set)
    # Host ports and addresses the container takes or holds now (freed when it goes or changes).
    claims: set[str] = field(default_factory=set)
    depends_on: set[int] = field(default_factory=set)
    # Advice for the task's warnings, e.g. an env variable that belongs in secret_env.
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        """(kind, name): two items with the same key are the same object."""
        return self.kind.name, self.name


def item_result(item: BatchItem, outcome: Outcome, diff_mode: bool) -> dict[str, Any]:
    """One entry of ``results``: the batch contract's keys plus name, updated, the reasons and the resource's
    extra results (a volume's ``archive``)."""
    result = outcome_result(item.index, item.kind.name, outcome, name=item.name,
                            **{item.kind.reasons_key: outcome.replaced_because},
                            **_extra_results(item))  # fmt: skip
    if not diff_mode:
        del result["diff"]
    return result


def _extra_results(item: BatchItem) -> dict[str, Any]:
    return {} if isinstance(item.resource, StackRun) else item.resource.extra_results()


def _container_uses(resource: DockerContainer, params: dict[str, Any], summary: dict[str, Any] | None
                    ) -> set[tuple[str, str]]:
    # What it will use and what its existing container uses now (which a removal or change frees).
    spec = resource.spec
    uses = {("network", attachment.name) for attachment in spec.networks or []}
    uses |= {("volume", mount.source) for mount in spec.mounts if mount.type == "volume" and mount.source}
    if params.get("image"):
        uses.add(("image", spec.image))
    if summary:
        uses |= {("network", str(name)) for name in ((summary.get("NetworkSettings") or {}).get("Networks") or {})}
        uses |= {("volume", str(mount["Name"])) for mount in summary.get("Mounts") or []
                 if mount.get("Type") == "volume" and mount.get("Name")}
        if summary.get("Image"):
            uses.add(("image", normalise_image_name(str(summary["Image"]))))
    return uses


def _declared_claims(resource: DockerContainer) -> set[str]:
    # Host IPs are ignored on purpose: 0.0.0.0:80 and 127.0.0.1:80 collide as well.
    claims = {f"port {binding.host_port}/{binding.protocol}" for binding in resource.spec.ports if binding.host_port}
    claims |= {f"address {a.ipv4_address}" for a in resource.spec.networks or [] if a.ipv4_address}
    return claims


def _observed_claims(summary: dict[str, Any] | None) -> set[str]:
    if not summary:
        return set()
    claims = {f"port {port['PublicPort']}/{port.get('Type', 'tcp')}" for port in summary.get("Ports") or []
              if port.get("PublicPort")}
    networks = (summary.get("NetworkSettings") or {}).get("Networks") or {}
    claims |= {f"address {endpoint['IPAddress']}" for endpoint in networks.values() if endpoint.get("IPAddress")}
    return claims


def depends_on(item: BatchItem, earlier: BatchItem) -> bool:
    """True when ``item`` must wait for ``earlier`` (which comes before it in the batch).

    - the same object (kind and name) twice: in order;
    - a container and a network/volume/image it names or its existing container uses now, either
      way round (create the network before the container that joins it; remove or re-network the
      container before removing the network it was in);
    - networks, volumes and images among themselves: in order (few, and subnets may collide);
    - two containers whose host ports or static addresses overlap, counting what each declares
      and what its existing container holds now (one may free what the other takes).
    - a stack and anything: a stack runs alone, in its place in the batch.
    Everything else - typically many containers - runs concurrently.
    """
    if item.key == earlier.key or "stack" in (item.kind.name, earlier.kind.name):
        return True
    if earlier.key in item.uses or item.key in earlier.uses:
        return True
    if item.kind.name != "container" and earlier.kind.name != "container":
        return True
    return bool(item.claims & earlier.claims)


def prepare(engine: CachedReads, items: list[dict[str, Any]]) -> tuple[list[BatchItem], set[str]]:
    """Validate every item and build its resource before anything changes; work out dependencies.

    Bad input anywhere means no change at all. Returns the items and the values to hide (no_log).
    """
    prepared: list[BatchItem] = []
    secrets: set[str] = set()
    summaries: dict[str, dict[str, Any]] | None = None
    for index, raw in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(raw, dict):
            raise BatchItemError(index, f"{where}: must be a dict with kind and that kind's options")
        kind_name = raw.get("kind")
        kind = BATCH_KINDS.get(str(kind_name))
        if kind is None:
            raise BatchItemError(index, f"{where}: kind {kind_name!r} is not one of {', '.join(BATCH_KINDS)}")
        params = {key: value for key, value in raw.items() if key != "kind"}
        try:
            validated, hidden = kind.validate(params, where)
            resource = kind.resource(engine, validated)
        except InvalidValue as exc:
            message = str(exc)
            if not message.startswith(where):
                message = f"{where} ({kind.name} {params.get('name')}): {message}"
            raise BatchItemError(index, message) from exc
        name = str(validated.get("name"))
        item = BatchItem(index, kind, validated, resource, name)
        if isinstance(resource, DockerContainer):
            if summaries is None:
                summaries = engine.container_summaries()
            summary = summaries.get(name)
            item.uses = _container_uses(resource, validated, summary)
            item.claims = _declared_claims(resource) | _observed_claims(summary)
            item.warnings = [f"items[{index}] (container {name}): {warning}" for warning in resource.warnings]
        elif kind.name == "image":
            item.name = normalise_image_name(name)
        elif isinstance(resource, StackRun):
            hidden = hidden | resource.secrets
        item.depends_on = {earlier.index for earlier in prepared if depends_on(item, earlier)}
        prepared.append(item)
        secrets |= hidden
    return prepared, secrets


@dataclass
class DockerBatchRun(BatchRun):
    """A BatchRun plus the changed items' diffs in the list form ``--diff`` shows per object."""

    diffs: list[dict[str, Any]] = field(default_factory=list)


def run_item(item: BatchItem, check_mode: bool) -> Outcome:
    """Reconcile one item; failures become BatchItemError naming it."""
    try:
        if isinstance(item.resource, StackRun):
            return item.resource.run(check_mode)
        return Reconciler(item.resource, check_mode).run(item.kind.state(item.params))
    except (InvalidValue, ReconcileError, DockerEngineError, StackError) as exc:
        # A safety net taken before the failure (a volume's archive) is returned with the failed task.
        raise BatchItemError(item.index, f"items[{item.index}] ({item.kind.name} {item.name}): {exc}",
                             **_extra_results(item)) from exc


def apply_all(items: list[BatchItem], check_mode: bool, diff_mode: bool = False,
              workers: int = DEFAULT_WORKERS) -> DockerBatchRun:
    """Run the items, at most ``workers`` at a time, each once the items it depends on completed.

    Items are started in input order as far as their dependencies allow. After the first failure
    nothing new starts; running items finish and are reported. ``workers=1`` is strictly in order.
    """
    outcomes: dict[int, Outcome] = {}
    errors: dict[int, BatchItemError] = {}
    pending = list(items)
    running: dict[Future[Outcome], BatchItem] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="docker-batch") as pool:
        while True:
            if not errors:
                for item in list(pending):
                    if len(running) >= workers:
                        break
                    if item.depends_on <= outcomes.keys():
                        pending.remove(item)
                        running[pool.submit(run_item, item, check_mode)] = item
            if not running:
                break
            finished, _still_running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                item = running.pop(future)
                try:
                    outcomes[item.index] = future.result()
                except BatchItemError as exc:
                    errors[item.index] = exc
                except Exception as exc:  # pylint: disable=broad-exception-caught
                    # Whatever went wrong (a lost connection the SDK does not wrap, say), the items
                    # that completed must still be reported: this item failed, not the batch.
                    where = f"items[{item.index}] ({item.kind.name} {item.name})"
                    errors[item.index] = BatchItemError(item.index, f"{where}: {type(exc).__name__}: {exc}")
    run = DockerBatchRun(errors=[errors[index] for index in sorted(errors)])
    for item in items:
        outcome = outcomes.get(item.index)
        if outcome is None:
            continue
        run.results.append(item_result(item, outcome, diff_mode))
        if outcome.changed:
            header = f"{item.kind.name} {item.name}"
            run.diffs.append({"before_header": header, "after_header": header, **outcome.diff})
    return run


def run_batch_module() -> NoReturn:
    """Everything homelab.iac.docker_batch does, so the module file stays documentation + main()."""
    client = DockerModuleClient(BATCH_ARGUMENT_SPEC)
    workers = client.params["workers"]
    if not 1 <= workers <= MAX_WORKERS:
        client.fail(f"workers: {workers} is out of range; use 1 (strictly in order) to {MAX_WORKERS}")
    engine = CachedReads(client.engine, connect=client.connect_again)
    try:
        items, secrets = prepare(engine, client.params["items"])
    except BatchItemError as exc:
        fail_before_run(client, exc)
    except DockerEngineError as exc:
        client.fail(f"cannot list the containers on the Docker engine: {exc}", results=[], changed=False)
    # Item options marked no_log (secret_env) are hidden in everything the module returns.
    client.module.no_log_values.update(secrets)
    for item in items:
        for warning in item.warnings:
            client.module.warn(warning)
    run = apply_all(items, client.check_mode, client.diff_mode, workers)
    extra: dict[str, Any] = {"diff": run.diffs} if client.diff_mode else {}
    if len(run.errors) > 1:
        extra["errors"] = [{"index": error.index, "msg": str(error)} for error in run.errors]
    finish_batch(client, run, **extra)
