"""``iac``: the command line, a thin adapter over ``planner.service``.

Every command prints for people by default and JSON with ``--json``. Errors are one line on stderr and a
non-zero exit; no traceback reaches the user (``IAC_DEBUG=1`` shows one for bug reports).

Other packages add subcommands through the ``homelab_iac.commands`` entry-point group (``lab`` and ``mcp``
do, see pyproject.toml); this module never imports them. Everyday commands stay quick because everything
heavy (the service, plans, intents, YAML, rich tables) is imported inside the command that needs it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, assert_never

import typer
from typer.core import TyperGroup

from planner.errors import Argument, Fix, IacError, Remedy, Wording, shown

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from rich.console import Console
    from rich.table import Table
    from typer import _click as click  # the click Typer vendors: TyperGroup's own signatures use it

    from planner.adapters.record import Progress
    from planner.core.plan import Plan
    from planner.service import ApplyResult, PlanResult, Service
    from planner.state.records import DeploymentRecord

__all__ = ["CLI_WORDING", "COMMANDS_GROUP", "CliWording", "app", "main"]

COMMANDS_GROUP = "homelab_iac.commands"


class CliWording(Wording):
    """Errors in the command line's words: its options (``--allow``, ``--deployment``) and its commands
    (``iac intents show container``, ``iac rollback ID``)."""

    _OPTIONS = {"deployment_id": "--deployment", "targets": "--target"}  # the service's name → the option

    def argument(self, name: str, value: str | None) -> str:
        option = self._OPTIONS.get(name, "--" + name.replace("_", "-"))
        return option if value is None else f"{option} {value}"

    def remedy(self, remedy: Remedy) -> str:
        argument = remedy.argument
        match remedy.fix:
            case Fix.ALLOW_RULE:
                return f"waive with --allow {argument}"
            case Fix.ALLOW_DATA_LOSS:
                return "rerun with --allow-data-loss if that is what you want"
            case Fix.SHOW_FIELDS:
                return f"check the spelling (`iac intents show {argument or 'KIND'}` lists the fields)"
            case Fix.LIST_KINDS:
                return "see `iac intents` for the kinds and an example"
            case Fix.WRITE_INTENT:
                return f"rephrase, or write an intent file (`iac intents show {argument or 'KIND'}` prints one)"
            case Fix.LIST_DEPLOYMENTS:
                return "`iac status` lists them"
            case Fix.LIST_RESOURCES:
                return "`iac state list` lists what homelab-iac manages"
            case Fix.LIST_STACKS:
                return "`iac stacks` lists them"
            case Fix.WAIT_OR_ROLL_BACK:
                return f"wait for it (--wait) or, if it crashed, `iac rollback {argument}`"
        assert_never(remedy.fix)


CLI_WORDING = CliWording()


class MountedCommands(TyperGroup):
    """``iac``'s own commands, then those other packages mount through the ``homelab_iac.commands``
    entry-point group (``name = "module:typer_app"``), each loaded only when it is asked for:
    ``iac status`` never looks, ``iac --help`` loads each for its one-line help, ``iac lab ...`` loads ``lab``.
    """

    @cache  # noqa: B019 - one group per process; the entry points do not change while it runs
    def _entry_points(self) -> dict[str, EntryPoint]:
        from importlib.metadata import entry_points

        return {entry.name: entry for entry in entry_points(group=COMMANDS_GROUP)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        own = super().list_commands(ctx)
        return [*own, *sorted(name for name in self._entry_points() if name not in own)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        entry = None if command is not None else self._entry_points().get(cmd_name)
        if entry is None:
            return command
        try:
            mounted: typer.Typer = entry.load()
        except ImportError:  # pragma: no cover - a package that registered a command but is not installed
            return None
        command = typer.main.get_group(mounted)
        command.name = cmd_name
        self.commands[cmd_name] = command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and self.get_command(ctx, args[0]) is None:  # a typo: "Did you mean" looks at every command
            for name in self.list_commands(ctx):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=MountedCommands,
    help="homelab-iac: plan, apply and record homelab infrastructure from intents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The state database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
intents_app = typer.Typer(help="The intent kinds: `iac intents` lists them, `iac intents show KIND` explains one.")
app.add_typer(intents_app, name="intents")
state_app = typer.Typer(help="What homelab-iac manages: list, show, rm (forget one; its device keeps it) and mv "
                             "(rename one).",
                        no_args_is_help=True)
app.add_typer(state_app, name="state")


@cache
def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _out() -> Console:
    return _console()


def _err() -> Console:
    return _console(stderr=True)


def escape(text: str) -> str:
    """Text shown as it is, not read as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _table(*columns: str, overflow: bool = False) -> Table:
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for column in columns:
        if overflow:
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column)
    return table


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]
InventoryOption = Annotated[
    Path | None,
    typer.Option("--inventory", "-i", help="Endpoint inventory (default: $IAC_INVENTORY, else inventories/lab)."),
]

AllowOption = Annotated[
    list[str] | None,
    typer.Option("--allow", help="Waive a policy rule for this plan (recorded in it); repeat for several."),
]
TargetOption = Annotated[
    list[str] | None,
    typer.Option("--target", help="Plan only this resource address (and what it depends on); repeat for several."),
]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy file (default: $IAC_POLICY, else the shipped rules).")
]
def _truth(text: str) -> bool:
    """``--refresh=false``: Terraform's spelling of a boolean option."""
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise IacError(f"{shown(text)} is neither true nor false", field=Argument("refresh"))


RefreshOption = Annotated[
    str,
    typer.Option("--refresh", metavar="true|false",
                 help="Read what the endpoints hold before deciding (default true): a create that meets an object "
                      "homelab-iac does not manage is refused, and only what differs runs. --refresh=false decides "
                      "against the recorded state alone, faster."),
]
DataLossOption = Annotated[
    bool, typer.Option("--allow-data-loss", help="Let the plan remove what holds data (volumes, disks, guests); "
                                                 "each backend's safety net is taken first.")
]

_ACTION_STYLE = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red", "noop": "dim",
                 "import": "cyan"}
# How the table names an action: a replacement is a delete and a create, as Terraform writes it.
_ACTION_LABEL = {"replace": "-/+ replace"}
_STATUS_STYLE = {"changed": "yellow", "ok": "green", "failed": "red", "skipped": "dim"}


def _service(inventory: Path | None = None) -> Service:
    from planner.service import Service

    return Service.from_environment(inventory_path=inventory)


def _emit(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _plan_table(plan: Plan) -> Table:
    from planner.picture import why

    table = _table("resource", "action", "endpoint", "wave", "why", overflow=True)
    for change in plan.changes:
        style = _ACTION_STYLE[change.action.value]
        label = _ACTION_LABEL.get(change.action.value, change.action.value)
        table.add_row(escape(change.address), f"[{style}]{label}[/]", escape(change.endpoint),
                      str(change.wave), escape(why(change)))
    return table


def _plan_summary(plan: Plan) -> str:
    from planner.service import summary_line

    return summary_line(plan)


def _deployment_json(deployment: DeploymentRecord) -> dict[str, Any]:
    from planner.views import deployment_summary

    return deployment_summary(deployment).model_dump(mode="json")


@app.command()
def plan(
    target: Annotated[str, typer.Argument(
        help="Intent file (YAML or JSON), e.g. examples/minecraft.yaml, or a sentence in quotes, e.g. "
             "\"deploy a minecraft server for 10 players on vlan 20\"."
    )],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Also write the rendered Ansible project to this directory.")
    ] = None,
    graph: Annotated[
        str | None, typer.Option("--graph", help="Print the dependency graph instead: mermaid, dot or svg.")
    ] = None,
    allow: AllowOption = None,
    policy: PolicyOption = None,
    targets: TargetOption = None,
    destroy_: Annotated[bool, typer.Option("--destroy", help="Plan removing everything the stack TARGET (an "
                                                             "intent file or a stack's name) owns.")] = False,
    allow_data_loss: DataLossOption = False,
    refresh: RefreshOption = "true",
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan TARGET: show what would change, store the plan and render its Ansible project."""
    from planner.picture import FORMATS, draw

    if graph is not None and graph not in FORMATS:
        raise IacError(f"--graph: {shown(graph)} is not a picture format; choose one of {', '.join(FORMATS)}")
    refreshing = _truth(refresh)
    if destroy_ and (allow or policy is not None):
        raise IacError("plans a destroy, which no policy rule governs; leave it out", field=Argument(
            "allow" if allow else "policy"))
    service = _service(inventory)
    if destroy_:
        result = _plan_destroy(service, target, None, targets=targets, allow_data_loss=allow_data_loss)
    else:
        # A picture of the plan needs no endpoint: --graph decides against the recorded state alone.
        result = _plan_target(service, target, out=out_dir, allow=allow, policy=policy, targets=targets,
                              allow_data_loss=allow_data_loss, refresh=refreshing and graph is None,
                              show=not as_json and graph is None)
    if graph is not None:
        print(draw(result.plan, graph), end="")
        return
    if as_json:
        document: dict[str, Any] = {"deployment": _deployment_json(result.deployment), "project": str(result.project),
                                    "summary": _plan_summary(result.plan), "plan": result.plan.model_dump(mode="json")}
        if result.understood is not None:
            document["understood"] = {"intents": result.understood.intents,
                                      "phrases": [vars(p) for p in result.understood.phrases]}
        _emit(document)
        return
    _print_plan(result.plan, result.deployment, targets)
    _out().print(f"Ansible project: {escape(str(out_dir or result.project))}")
    where = [f"--inventory {_quoted(str(inventory))}"] if inventory is not None else []
    again = [_quoted(target), *(f"--allow {rule}" for rule in allow or ()),
             *([f"--policy {_quoted(str(policy))}"] if policy is not None else []),
             *(f"--target {address}" for address in targets or ()),
             *(["--allow-data-loss"] if allow_data_loss else []), *([] if refreshing else ["--refresh=false"]),
             *where]
    # One line each, however narrow the terminal: they are commands to copy.
    verb = "iac destroy" if destroy_ else "iac apply"
    if destroy_ and not _is_file(Path(target)):
        again[0] = f"--stack {target}"
    _out().print(f"Apply it with: {verb} {escape(' '.join(again))}", soft_wrap=True)
    _out().print(f"Apply exactly this plan with: iac apply {escape(' '.join([result.deployment.id[:8], *where]))} "
                 "(refused if anything it changes has changed since)", soft_wrap=True)


def _quoted(target: str) -> str:
    return f'"{target}"' if " " in target else target


def _plan_target(
    service: Service,
    target: str,
    *,
    out: Path | None = None,
    allow: list[str] | None = None,
    policy: Path | None = None,
    targets: list[str] | None = None,
    allow_data_loss: bool = False,
    refresh: bool = True,
    show: bool = True,
) -> PlanResult:
    """Plan a file, or a sentence when TARGET is not a file; print what a sentence was understood as."""
    path = Path(target)
    if _is_file(path) or (" " not in target.strip() and path.suffix.lower() in (".yaml", ".yml", ".json")):
        return service.plan(path, out=out, allow=allow or (), policy=policy, targets=targets or (),
                            allow_data_loss=allow_data_loss, refresh=refresh)
    result = service.plan_sentence(target, out=out, allow=allow or (), policy=policy, targets=targets or (),
                                   allow_data_loss=allow_data_loss, refresh=refresh)
    if show and result.understood is not None:
        import yaml
        from rich.console import Console

        out_text = yaml.safe_dump(result.understood.document(), sort_keys=False, default_flow_style=False)
        console = Console(highlight=False)
        console.print("[bold]Understood:[/]")
        for phrase in result.understood.phrases:
            console.print(f"  {escape(repr(phrase.text))} → {escape(phrase.meaning)}")
        console.print("[bold]As an intent file:[/]")
        console.print(escape(out_text.rstrip()))
        console.print()
    return result


def _plan_destroy(
    service: Service, target: str | None, stack: str | None, *, targets: list[str] | None, allow_data_loss: bool
) -> PlanResult:
    """A destroy plan of the stack an intent file is, or of the stack named (``target`` when it is no file)."""
    if target is not None and stack is None and not _is_file(Path(target)):
        path = Path(target)
        if path.suffix.lower() in (".yaml", ".yml", ".json") or "/" in target:
            raise IacError(f"{target}: no such file; give an intent file, or a stack's name with --stack")
        target, stack = None, target
    if (target is None) == (stack is None):
        raise IacError("give an intent file or --stack NAME (not both); `iac stacks` lists the deployed stacks")
    return service.plan_destroy(path=target, stack=stack, targets=targets or (), allow_data_loss=allow_data_loss)


def _is_file(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a long sentence is no file name ("File name too long")
        return False


def _print_plan(plan: Plan, deployment: DeploymentRecord, targets: list[str] | None = None) -> None:
    _out().print(_plan_table(plan))
    for address, placement in plan.placements.items():
        _out().print(f"[cyan]placement[/] {escape(address)}: {escape(str(placement.get('summary', '')))}")
    if targets:
        _out().print(f"[yellow]targeted[/]: only {escape(', '.join(targets))} and what they depend on are planned; "
                     "everything else is left as it is")
    for waiver in plan.policy.waivers:
        _out().print(f"[yellow]policy waived[/] {escape(waiver.rule)} for {escape(waiver.address)} (--allow)")
    _out().print(f"\nPlan {deployment.id[:8]}: {_plan_summary(plan)}.")


# A stored plan's id as `iac plan` prints it (8 hex digits) or longer, up to the whole uuid.
_PLAN_ID = re.compile(r"[0-9a-f]{8}[0-9a-f-]{0,28}")


def _stored_plan(service: Service, target: str) -> tuple[DeploymentRecord, Plan] | None:
    """The stored plan TARGET names by its id or a unique prefix, when TARGET is no file; else None."""
    if _is_file(Path(target)) or not _PLAN_ID.fullmatch(target):
        return None
    from planner.core.plan import Plan

    deployment = service.get_deployment(target)
    return deployment, Plan.model_validate(deployment.plan)


def _kept(deployment_id: str) -> str:
    return f"not applied; the plan stays stored as {deployment_id[:8]}"


def _confirm(question: str, *, doing: str, declined: str) -> None:
    """Ask ``question`` on the terminal; no terminal, or a no, is an error (``declined`` says what stays)."""
    if not sys.stdin.isatty():
        raise IacError(f"refusing to {doing} without confirmation: rerun with --yes (no terminal to ask on)")
    if not typer.confirm(question, default=False):
        raise IacError(declined)


def _print_progress(progress: Progress) -> None:
    if progress.kind == "wave":
        _out().print(f"[bold]{escape(progress.text)}[/]")
    elif progress.result is not None:
        result = progress.result
        style = _STATUS_STYLE.get(result.status, "")
        detail = f"  {escape(result.message)}" if result.message else ""
        _out().print(f"  [{style}]{result.status:8}[/] {result.address}  ({result.duration:.1f}s){detail}")


def _finish(result: ApplyResult, as_json: bool, success: str = "succeeded") -> None:
    """Print how an apply or rollback ended; a deployment that did not end in ``success`` exits non-zero."""
    from planner.state.records import DeploymentStatus

    deployment = result.deployment
    if as_json:
        from planner.views import apply_view

        _emit(apply_view(result).model_dump(mode="json"))
    else:
        if result.rollback:
            _out().print(f"\nRolled back {result.undone} of {len(result.rollback)} changed resources.")
        _out().print(f"\n{result.outcome_line()}")
    if deployment.status == DeploymentStatus(success):
        return
    if deployment.status == DeploymentStatus.ROLLED_BACK:
        raise IacError(f"deployment {deployment.id[:8]} failed and was rolled back: {deployment.error}")
    if deployment.error:
        raise IacError(f"deployment {deployment.id[:8]} {deployment.status.value}: {deployment.error}")


@app.command()
def apply(
    target: Annotated[str, typer.Argument(
        help="Intent file, or a sentence in quotes, to plan and apply; or the id of a plan `iac plan` stored, to "
             "apply exactly that plan."
    )],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    no_rollback: Annotated[
        bool, typer.Option("--no-rollback", help="On failure keep the partial state for debugging (undo later with "
                                                  "`iac rollback ID`).")
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another deployment holding these resources.")
    ] = 0.0,
    allow: AllowOption = None,
    policy: PolicyOption = None,
    targets: TargetOption = None,
    allow_data_loss: DataLossOption = False,
    refresh: RefreshOption = "true",
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan TARGET and apply it, or apply the stored plan TARGET names; every change is recorded.

    A file is a stack: what the stack deployed before and the file no longer declares is destroyed.
    """
    service = _service(inventory)
    stored = _stored_plan(service, target)
    refreshing = _truth(refresh)
    if stored is not None:
        if allow or policy is not None or targets or allow_data_loss or not refreshing:
            given = ("allow" if allow else "policy" if policy is not None else "targets" if targets
                     else "allow_data_loss" if allow_data_loss else "refresh")
            raise IacError("applies when planning; a stored plan is applied as it was made: plan again to change it",
                           field=Argument(given))
        deployment, plan = stored
    else:
        planned = _plan_target(service, target, allow=allow, policy=policy, targets=targets,
                               allow_data_loss=allow_data_loss, refresh=refreshing, show=not as_json)
        deployment, plan = planned.deployment, planned.plan
    _run_plan(service, deployment, plan, targets, yes=yes, as_json=as_json, rollback=not no_rollback, wait=wait)


def _run_plan(
    service: Service, deployment: DeploymentRecord, plan: Plan, targets: list[str] | None, *, yes: bool,
    as_json: bool, rollback: bool = True, wait: float = 0.0, question: str = "Apply this plan?",
) -> None:
    if not as_json:
        _print_plan(plan, deployment, targets)
    if not yes:
        _confirm(question, doing="apply", declined=_kept(deployment.id))
    result = service.apply(deployment.id, on_progress=None if as_json else _print_progress, rollback=rollback,
                           wait=wait)
    _finish(result, as_json)


@app.command()
def destroy(
    target: Annotated[str | None, typer.Argument(
        help="The intent file whose stack to destroy, e.g. examples/minecraft.yaml (or use --stack)."
    )] = None,
    stack: Annotated[str | None, typer.Option("--stack", help="The deployed stack to destroy, by name "
                                                                "(`iac stacks` lists them).")] = None,
    targets: Annotated[
        list[str] | None,
        typer.Option("--target", help="Destroy only this resource address (and what depends on it); repeat for "
                                      "several."),
    ] = None,
    allow_data_loss: DataLossOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Destroy without asking.")] = False,
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove everything a stack owns, dependents first, all-or-nothing.

    A failed destroy puts back what it had removed. What another stack also declares stays; what another
    stack depends on refuses the destroy.
    """
    service = _service(inventory)
    planned = _plan_destroy(service, target, stack, targets=targets, allow_data_loss=allow_data_loss)
    _run_plan(service, planned.deployment, planned.plan, None, yes=yes, as_json=as_json,
              question="Destroy these resources?")


@app.command("import")
def import_(
    address: Annotated[str | None, typer.Argument(
        help="The address to adopt the object as, e.g. opnsense.vlan.legacy (leave out to list candidates).")] = None,
    object_id: Annotated[str | None, typer.Argument(
        metavar="ID", help="The object's import id: VLAN PARENT/TAG, rule uuid, alias/container/network/volume "
                           "name, VM/LXC vmid, DNS record NAME/TYPE.")] = None,
    stack: Annotated[str | None, typer.Option("--stack", help="The stack that owns it from now on.")] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="The endpoint to read (default: all of them, "
                                                                   "or the address's backend's only one).")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="List only this kind, e.g. opnsense.vlan.")] = None,
    generate: Annotated[Path | None, typer.Option("--generate", help="Also write an intent file declaring what "
                                                                     "was adopted (kinds with an intent).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Adopt without asking.")] = False,
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Adopt what an endpoint already has, writing nothing to it; without ADDRESS, list what can be adopted.

    `iac import --endpoint lab-opnsense` lists what the endpoint has that homelab-iac does not manage, each with
    the command that adopts it; `iac import ADDRESS ID --stack NAME` adopts one.
    """
    service = _service(inventory)
    if address is None:
        found = service.import_candidates(endpoint=endpoint, kind=kind)
        if as_json:
            from planner.redact import scrub

            _emit([{"endpoint": c.endpoint, "kind": c.kind, "id": c.id, "address": c.address,
                    "labelled": c.labelled, "spec": scrub(c.spec)} for c in found])
            return
        if not found:
            _out().print("Nothing to adopt: homelab-iac manages everything these endpoints have.")
            return
        table = _table("endpoint", "kind", "id", "adopt with", overflow=True)
        for c in found:
            table.add_row(escape(c.endpoint), c.kind, escape(c.id),
                          escape(f"iac import {c.address} {_quoted(c.id)} --stack STACK"))
        _out().print(table)
        return
    if object_id is None or stack is None:
        raise IacError("adopting needs ADDRESS, ID and --stack NAME, e.g. `iac import opnsense.vlan.legacy vtnet2/77 "
                       "--stack network`", field=Argument("id" if object_id is None else "stack"))
    planned = service.plan_import(address, object_id, stack=stack, endpoint=endpoint)
    _run_plan(service, planned.deployment, planned.plan, None, yes=yes, as_json=as_json,
              question="Adopt it? Nothing is written to the endpoint.")
    if generate is not None:
        from planner.service.importing import generated_intents

        generate.write_text(generated_intents(stack, [c for c in planned.plan.changes]), encoding="utf-8")
        if not as_json:
            _out().print(f"Wrote {escape(str(generate))}: plan it to see 0 changes.")


@app.command()
def stacks(as_json: JsonOption = False) -> None:
    """List the deployed stacks: how many resources each owns and its last deployment."""
    views = _service().stacks()
    if as_json:
        from planner.views import stack_view

        _emit([stack_view(view).model_dump(mode="json") for view in views])
        return
    if not views:
        _out().print("No stacks deployed yet: every intent file is one, e.g. `iac apply examples/hello.yaml`.")
        return
    table = _table("stack", "resources", "last deployment", "when", "from", overflow=True)
    for view in views:
        deployment = view.deployment
        status = deployment.status.value if deployment else "?"
        table.add_row(escape(view.stack.name), str(view.resources), f"{view.stack.deployment_id[:8]} {status}",
                      f"{view.stack.updated_at:%Y-%m-%d %H:%M}", escape(view.stack.source))
    _out().print(table)


@app.command()
def output(
    stack: Annotated[str | None, typer.Argument(help="A deployed stack (`iac stacks` lists them); default: every one.")]
    = None,
    as_json: JsonOption = False,
) -> None:
    """Show what deployed intents offer to copy: addresses, ports, URLs, DNS names, ids (never a secret)."""
    from planner.views import outputs_view

    view = outputs_view(_service().outputs(stack))
    if as_json:
        _emit(view.model_dump(mode="json"))
        return
    if not view.stacks:
        _out().print("No stacks deployed yet: every intent file is one, e.g. `iac apply examples/hello.yaml`.")
        return
    table = _table("stack", "intent", "output", "value", overflow=True)
    for found in view.stacks:
        for intent in found.intents:
            for name, value in intent.outputs.items():
                table.add_row(escape(found.stack), escape(intent.name), escape(name), _output_text(value))
    _out().print(table)


def _output_text(value: Any) -> str:
    """An output as a table cell: a list joined by commas, a mapping as KEY=VALUE, a fact not recorded dim."""
    if value is None:
        return "[dim]not recorded[/]"
    if isinstance(value, list):
        return escape(", ".join(str(item) for item in value))
    if isinstance(value, dict):
        return escape(", ".join(f"{key}={item}" for key, item in value.items()))
    return escape(str(value))


@app.command()
def resume(
    deployment_id: Annotated[str, typer.Argument(help="An interrupted deployment (id or unique prefix).")],
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run an interrupted deployment's stored plan again; what it had done is found done."""
    result = _service(inventory).resume(deployment_id, on_progress=None if as_json else _print_progress)
    _finish(result, as_json)


@app.command()
def rollback(
    deployment_id: Annotated[str, typer.Argument(help="A failed or interrupted deployment (id or unique prefix).")],
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo what a failed or interrupted deployment changed, in reverse dependency order."""
    result = _service(inventory).rollback(deployment_id, on_progress=None if as_json else _print_progress)
    _finish(result, as_json, success="rolled_back")


@app.command()
def status(
    deployment_id: Annotated[str | None, typer.Argument(help="Deployment id (or a unique prefix).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List recent deployments, or show one with its resources and events."""
    service = _service()
    if deployment_id is None:
        deployments = service.deployments()
        interrupted = {d.id for d in service.interrupted()}
        if as_json:
            _emit([{**_deployment_json(d), "interrupted": d.id in interrupted} for d in deployments])
            return
        table = _table("id", "status", "source", "created", "changed")
        for d in deployments:
            state = "interrupted" if d.id in interrupted else d.status.value
            changed = (f"{d.summary.get('would_change', 0)} would change (dry run)" if d.status.dry_run
                       else str(d.summary.get("changed", "")))
            table.add_row(d.id[:8], state, escape(str(d.intent.get("source", ""))),
                          d.created_at.strftime("%Y-%m-%d %H:%M:%S"), changed)
        _out().print(table if deployments else "No deployments yet: try `iac apply examples/hello.yaml`.")
        for short in sorted(i[:8] for i in interrupted):
            _out().print(f"[yellow]deployment {short} was interrupted[/]: `iac rollback {short}` undoes what it did, "
                      f"`iac resume {short}` finishes it")
        return
    view = service.status(deployment_id)
    if as_json:
        from planner.views import resource_view

        _emit({"deployment": _deployment_json(view.deployment),
               "resources": [resource_view(r).model_dump(mode="json") for r in view.resources],
               "events": len(view.events)})
        return
    d = view.deployment
    _out().print(f"Deployment {d.id}  [bold]{d.status.value}[/]  from {escape(str(d.intent.get('source', '?')))}")
    _out().print(f"created {d.created_at:%Y-%m-%d %H:%M:%S}, {len(view.events)} events recorded")
    if d.error:
        _out().print(f"[red]error:[/] {escape(d.error)}")
    results = d.summary.get("results", {})
    if d.status.dry_run:
        _out().print(f"a dry run (check mode): nothing was written, no resource recorded; "
                     f"{d.summary.get('would_change', 0)} would change")
        table = _table("resource", "would")
        for address, result in results.items():
            table.add_row(address, escape(str(result.get("status", ""))).replace("_", " "))
        _out().print(table)
        return
    table = _table("resource", "endpoint", "state", "version", "result")
    for r in view.resources:
        result = results.get(r.address, {}).get("status", "")
        table.add_row(r.address, r.endpoint, r.state.value, str(r.version), result)
    _out().print(table)
    for net in d.summary.get("safety_nets", []):
        what = {"opnsense_backup": "config backup",
                "docker_volume_archive": f"archive of {net.get('resource')}"}.get(str(net.get("kind")),
                                                                              f"snapshot of {net.get('resource')}")
        _out().print(f"safety net: {escape(str(net.get('endpoint')))} {what} {escape(str(net.get('id')))} "
                  f"taken before the change (undo with {escape(str(net.get('restore')))})")


@app.command()
def drift(inventory: InventoryOption = None, as_json: JsonOption = False) -> None:
    """Check every live resource against what was last applied; exit 2 when anything drifted."""
    report = _service(inventory).drift()
    if as_json:
        from planner.views import drift_items

        items = [item.model_dump(mode="json") for item in drift_items(report)]
        _emit({"drift": bool(report.drifted), "resources": items})
    elif not report.items:
        _out().print("Nothing is recorded yet, so nothing can drift.")
    else:
        for item in report.items:
            style = {"in_sync": "green", "drifted": "yellow"}.get(item.status, "red")
            _out().print(f"[{style}]{item.status:8}[/] {item.address}  {escape(item.message)}")
            for key in ("before", "after"):
                if item.diff.get(key) not in (None, "", {}):
                    _out().print(f"    {key}: {json.dumps(item.diff[key], sort_keys=True, default=str)}", markup=False)
        _out().print(f"\n{len(report.drifted)} of {len(report.items)} resources drifted.")
    if report.drifted:
        raise typer.Exit(2)


@app.command()
def reconcile(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Converge without asking.")] = False,
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Converge every drifted resource back to what was last applied (all-or-nothing, like apply)."""
    service = _service(inventory)
    planned = service.plan_reconcile()
    if not as_json:
        _out().print(_plan_table(planned.plan))
        _out().print(f"\nPlan {planned.deployment.id[:8]}: {_plan_summary(planned.plan)}.")
    if not yes:
        _confirm("Reconcile?", doing="apply", declined=_kept(planned.deployment.id))
    result = service.apply(planned.deployment.id, on_progress=None if as_json else _print_progress)
    _finish(result, as_json)


@intents_app.callback(invoke_without_command=True)
def intents_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the intent kinds homelab-iac understands."""
    if ctx.invoked_subcommand is not None:
        return
    from planner.intents import INTENT_KINDS

    if as_json:
        _emit([{"kind": kind, "summary": model.summary} for kind, model in INTENT_KINDS.items()])
        return
    table = _table("kind", "what it deploys")
    for kind, model in INTENT_KINDS.items():
        table.add_row(kind, model.summary)
    _out().print(table)
    _out().print("\n`iac intents show KIND` explains one, with an example.")


@intents_app.command("show")
def intents_show(
    kind: Annotated[str, typer.Argument(help="An intent kind, e.g. container.")],
    as_json: JsonOption = False,
) -> None:
    """Explain one intent kind: its fields, and an example to start from."""
    from planner.intents import INTENT_KINDS

    model = INTENT_KINDS.get(kind)
    if model is None:
        raise IacError(f"unknown intent kind {shown(kind)}; `iac intents` lists them ({', '.join(INTENT_KINDS)})")
    schema = model.model_json_schema()
    if as_json:
        _emit({"kind": kind, "summary": model.summary, "schema": schema, "example": model.example})
        return
    _out().print(f"[bold]{kind}[/]: {escape(model.summary)}\n")
    table = _table("field", "required", "description")
    required = set(schema.get("required", []))
    for name, field_schema in schema.get("properties", {}).items():
        if name == "kind":
            continue
        table.add_row(name, "yes" if name in required else "", escape(str(field_schema.get("description", ""))))
    _out().print(table)
    if model.details:
        _out().print(f"\n{escape(model.details)}")
    _out().print("\nExample:\n")
    _out().print(model.example, markup=False)


@app.command()
def history(
    resource: Annotated[str | None, typer.Argument(help="A resource address, e.g. docker.container.hello.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many versions at most.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """What changed, when, and by which deployment (newest first)."""
    versions = _service().history(resource, limit=limit)
    if as_json:
        _emit([{"address": v.address, "version": v.version, "state": v.state.value, "deployment": v.deployment_id,
                "at": v.updated_at, "spec": v.spec} for v in versions])
        return
    if not versions:
        _out().print(f"No history for {escape(resource)}." if resource else "No history yet.")
        return
    table = _table("when", "resource", "version", "state", "deployment")
    for v in versions:
        when = f"{v.updated_at:%Y-%m-%d %H:%M:%S}"
        table.add_row(when, v.address, str(v.version), v.state.value, v.deployment_id[:8])
    _out().print(table)


@state_app.command("list")
def state_list(as_json: JsonOption = False) -> None:
    """The resources homelab-iac manages: address, endpoint, state, version and the deployment that wrote it."""
    from planner.views import resource_view

    resources = _service().resources()
    if as_json:
        _emit([resource_view(r).model_dump(mode="json") for r in resources])
        return
    table = _table("resource", "endpoint", "state", "version", "deployment")
    for r in resources:
        table.add_row(r.address, escape(r.endpoint), r.state.value, str(r.version), r.deployment_id[:8])
    _out().print(table if resources else "Nothing is managed yet: try `iac apply examples/hello.yaml`.")


@state_app.command("show")
def state_show(
    address: Annotated[str, typer.Argument(help="A resource address, e.g. docker.container.hello.")],
    as_json: JsonOption = False,
) -> None:
    """One resource as recorded: its spec (secrets masked), what the module observed, its dependencies."""
    from planner.views import resource_view

    record = _service().resource(address)
    if record is None:
        raise IacError(f"{shown(address)} is not recorded", remedy=Remedy(Fix.LIST_RESOURCES))
    view = resource_view(record).model_dump(mode="json")
    if as_json:
        _emit(view)
        return
    _out().print(f"[bold]{escape(record.address)}[/] on {escape(record.endpoint)}: {record.state.value}, version "
                 f"{record.version} (deployment {record.deployment_id[:8]}, {record.updated_at:%Y-%m-%d %H:%M:%S})")
    for part in ("spec", "observed", "dependencies"):
        _out().print(f"{part}: {json.dumps(view[part], sort_keys=True)}", markup=False, soft_wrap=True)


@state_app.command("rm")
def state_rm(
    address: Annotated[str, typer.Argument(help="The resource address to forget, e.g. docker.container.hello.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Forget without asking.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Forget a resource without touching its device: homelab-iac stops planning, restoring and checking it."""
    service = _service()
    if not yes:
        _confirm(f"Forget {address}? Its device keeps it; homelab-iac stops managing it.", doing="forget",
                 declined=f"{address} is still managed")
    forgotten = service.forget(address)
    if as_json:
        from planner.views import resource_view

        _emit(resource_view(forgotten).model_dump(mode="json"))
        return
    _out().print(f"Forgot {escape(address)} (version {forgotten.version}, deployment {forgotten.deployment_id[:8]}); "
                 f"{escape(forgotten.endpoint)} still has it.")


@state_app.command("mv")
def state_mv(
    source: Annotated[str, typer.Argument(help="The recorded address, e.g. docker.container.web.")],
    target: Annotated[str, typer.Argument(help="Its new address, of the same kind, e.g. docker.container.site.")],
    as_json: JsonOption = False,
) -> None:
    """Rename a resource's address in state, its history with it; no device is touched.

    For a rename in an intent file, `moved: [{from: OLD, to: NEW}]` in the file does the same when it is applied.
    """
    moved = _service().move(source, target)
    if as_json:
        from planner.views import resource_view

        _emit(resource_view(moved).model_dump(mode="json"))
        return
    _out().print(f"Moved {escape(source)} to {escape(target)} (version {moved.version}, deployment "
                 f"{moved.deployment_id[:8]}); nothing on {escape(moved.endpoint)} changed.")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        hint = 'write it like "2026-11-17 18:00" (local time) or in ISO 8601'
        raise IacError(f"--at {shown(text)}: not a time; {hint}") from None
    return moment.astimezone(UTC)  # a moment without a zone is local time


@app.command()
def restore(
    at: Annotated[str | None, typer.Option("--at", help='A past moment, e.g. "2026-11-17 18:00" (local time).')] = None,
    deployment: Annotated[
        str | None, typer.Option("--deployment", help="Restore the state right after this deployment.")
    ] = None,
    allow_data_loss: Annotated[
        bool, typer.Option("--allow-data-loss", help="Allow removing volumes, disks or guests that hold data.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    inventory: InventoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bring everything back to how it was at a past moment (or after a past deployment), all-or-nothing."""
    if (at is None) == (deployment is None):
        raise IacError("restore needs exactly one of --at TIME or --deployment ID")
    service = _service(inventory)
    planned = service.plan_restore(at=_moment(at) if at else None, deployment_id=deployment,
                                   allow_data_loss=allow_data_loss)
    if not as_json:
        _out().print(_plan_table(planned.plan))
        _out().print(f"\nPlan {planned.deployment.id[:8]}: {_plan_summary(planned.plan)}.")
    if not yes:
        _confirm("Restore?", doing="apply", declined=_kept(planned.deployment.id))
    result = service.apply(planned.deployment.id, on_progress=None if as_json else _print_progress)
    _finish(result, as_json)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the state database to the newest schema."""
    from planner.state import database_url, upgrade
    from planner.state.config import mask_url

    url = database_url()
    upgrade(url)
    _out().print(f"Database {escape(mask_url(url))} is at the newest schema.")


def main() -> None:
    """Console entry point: runs the app and turns every error into one line."""
    try:
        app()
    except IacError as error:
        _err().print(f"[red]error:[/] {escape(error.text(CLI_WORDING))}", soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        _err().print("[red]interrupted[/]")
        sys.exit(130)
    except Exception as error:  # a bug: still one line, with a way to get the traceback
        if os.environ.get("IAC_DEBUG"):
            raise
        detail = escape(f"{type(error).__name__}: {error}")
        _err().print(f"[red]internal error:[/] {detail} (set IAC_DEBUG=1 for a traceback)", soft_wrap=True)
        sys.exit(70)
