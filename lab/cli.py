"""``iac lab up|down|status|env``: a thin adapter over ``lab.up/down/status``.

The main CLI mounts ``app`` as ``iac lab`` through the ``homelab_iac.commands`` entry point (see
pyproject.toml), so this module stays cheap to import: ``iac --help`` reads its help, and the
supervisor (Docker SDK, httpx, cryptography) is imported by the command that runs. Each command
prints a small table (or, with ``--json``, the status document) and turns a ``LabError`` into one
line on stderr and exit status 1. ``status`` also exits 1 when some service is not healthy, so
scripts can write ``iac lab status || iac lab up``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from lab.layout import MAX_DOCKER_ENGINES
from planner.errors import IacError

if TYPE_CHECKING:
    from rich.table import Table

    from lab.supervisor import LabStatus

__all__ = ["app"]

app = typer.Typer(name="lab", help="The lab: a whole homelab on loopback (up, down, status).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the status as JSON.")]
EnginesOption = Annotated[
    int | None,
    typer.Option(
        "--docker-engines",
        min=1,
        max=MAX_DOCKER_ENGINES,
        help="How many Docker engines to run (lab-docker, lab-docker-2, ...). Kept: a later `iac lab up`"
        " without it runs as many again; 1 stops the others. Default 1.",
    ),
]

UplinkOption = Annotated[
    list[str] | None,
    typer.Option(
        "--uplink",
        metavar="SEGMENT[=GATEWAY/PREFIX]",
        help="Wire a segment into lab-docker's host as a real switch port would: a veth pair whose one end the"
        " inventory declares as lab-docker's NIC on SEGMENT (containers there join a macvlan network on it), the"
        " other standing for the firewall's interface with GATEWAY/PREFIX, e.g. --uplink gaming=10.0.20.1/24."
        " Repeatable; kept for later `iac lab up` runs.",
    ),
]
NoUplinksOption = Annotated[bool, typer.Option("--no-uplinks", help="Remove the segments --uplink wired.")]

_HEALTH_STYLE = {"healthy": "green", "unhealthy": "yellow", "down": "red"}


def _run(action: Callable[[], LabStatus]) -> LabStatus:
    try:
        return action()
    except IacError as err:
        from rich.console import Console

        Console(stderr=True).print(f"[red]error:[/red] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _table(lab_status: LabStatus) -> Table:
    from rich.table import Table

    table = Table(title=f"lab at {lab_status.home}", title_justify="left")
    table.add_column("service")
    table.add_column("kind")
    table.add_column("endpoint", overflow="fold")  # paths are what users copy: never cut them
    table.add_column("pid")
    table.add_column("health")
    for service in lab_status.services:
        endpoint = service.url or service.socket or ""
        health = service.health
        shown = f"[{_HEALTH_STYLE[health]}]{health}[/]" + (f" ({service.detail})" if service.detail else "")
        table.add_row(service.name, service.kind, endpoint, str(service.pid or "-"), shown)
    return table


def _usage(lab_status: LabStatus) -> str:
    lines = [
        "",
        "Use it:",
        f"  export DOCKER_HOST={lab_status.docker_host}",
        "  docker run --rm -d -p 127.0.0.1:8080:8080 homelab/busybox:latest httpd -f -p 8080 -h /www",
    ]
    lines += [
        f"  {host}: DOCKER_HOST={docker_host}"
        for host, docker_host in list(lab_status.docker_hosts.items())[1:]  # the first is the one above
    ]
    if lab_status.inventory:
        lines.append(f"  ansible-inventory -i {lab_status.inventory} --graph")
    lines += [
        f"  segment {uplink.segment}: lab-docker's NIC {uplink.parent}, the firewall's end {uplink.peer}"
        + (f" ({uplink.address})" if uplink.address else "")
        for uplink in lab_status.uplinks
    ]
    lines += [
        f"  credentials (0600): {lab_status.credentials}",
        f"  lab CA to trust:    {lab_status.ca_cert}",
        "  stop everything:    iac lab down",
    ]
    return "\n".join(lines)


def _show(lab_status: LabStatus, json_output: bool, usage: bool = False) -> None:
    """The status document with ``--json``, else the table (and with ``usage``, how to use the lab)."""
    if json_output:
        typer.echo(lab_status.to_json())
        return
    from rich.console import Console

    console = Console()
    console.print(_table(lab_status))
    if usage:
        console.print(_usage(lab_status), highlight=False, soft_wrap=True)


@app.command("up")
def up_command(
    json_output: JsonOption = False, docker_engines: EnginesOption = None, uplink: UplinkOption = None,
    no_uplinks: NoUplinksOption = False,
) -> None:
    """Start the lab (idempotent) and write its inventory and credentials."""
    from lab import supervisor
    from lab.uplinks import parse_uplinks

    def start() -> LabStatus:
        if uplink and no_uplinks:
            raise IacError("--uplink and --no-uplinks: give one of them")
        wired = [] if no_uplinks else parse_uplinks(uplink) if uplink else None
        return supervisor.up(docker_engines=docker_engines, uplinks=wired)

    _show(_run(start), json_output, usage=True)


@app.command("down")
def down_command(json_output: JsonOption = False) -> None:
    """Stop everything the lab started, by pid (containers first)."""
    from lab import supervisor

    _show(_run(supervisor.down), json_output)


@app.command("status")
def status_command(json_output: JsonOption = False) -> None:
    """Every service with its url or socket, pid and health; exit 1 unless all are healthy."""
    from lab import supervisor

    lab_status = _run(supervisor.status)
    _show(lab_status, json_output)
    if not lab_status.healthy:
        raise typer.Exit(1)


@app.command("env")
def env_command() -> None:
    """Print the lab's credentials as shell exports, for plain ansible-playbook: eval "$(iac lab env)"."""
    from rich.console import Console

    from lab.credentials import LabCredentials
    from lab.layout import LabLayout

    environment = LabCredentials(LabLayout.default().credentials_file).environment()
    if not environment:
        Console(stderr=True).print("[red]error:[/red] the lab has no credentials yet; run `iac lab up` first")
        raise typer.Exit(1)
    for name, value in sorted(environment.items()):
        typer.echo(f"export {name}={shlex.quote(value)}")
