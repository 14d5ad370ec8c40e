"""``iac mcp``: serve the MCP server over stdio (for Claude Desktop/Code) or streamable HTTP on loopback.

The main CLI mounts ``app`` as ``iac mcp`` through the ``homelab_iac.commands`` entry point (see
pyproject.toml); the service and the MCP SDK are imported only when serving, so ``iac --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.errors import IacError

__all__ = ["app"]

app = typer.Typer(
    name="mcp",
    help="Serve homelab-iac to language models over MCP (stdio or --http).",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)

TOKENS_ENV = "IAC_MCP_TOKENS"  # mcp_server.access.TOKENS_ENV; the SDK is imported only when serving
HOST = "127.0.0.1"  # never anything else: the HTTP transport is for this machine


@app.callback(invoke_without_command=True)
def serve(
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1 (needs tokens).")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --http.", min=1, max=65535)] = 8765,
    tokens: Annotated[
        Path | None,
        typer.Option("--tokens", help=f"Bearer tokens file for --http (0600; default ${TOKENS_ENV})."),
    ] = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Leave out every tool that changes anything (plan, apply, ...).")
    ] = False,
    inventory: Annotated[
        Path | None,
        typer.Option("--inventory", "-i", help="Endpoint inventory (default: $IAC_INVENTORY, else inventories/lab)."),
    ] = None,
) -> None:
    """Serve the MCP server until the client disconnects (stdio) or the process is stopped (HTTP)."""
    from mcp_server.access import load_tokens
    from mcp_server.server import build_server
    from planner.service import Service

    if not http and tokens is not None:
        raise IacError("--tokens: only used with --http; over stdio the caller is the local user")
    verifier = load_tokens(tokens) if http else None
    service = Service.from_environment(inventory_path=inventory)
    server = build_server(service, read_only=read_only, token_verifier=verifier, url=f"http://{HOST}:{port}")
    if http:
        typer.echo(f"homelab-iac MCP on http://{HOST}:{port}/mcp ({len(verifier or [])} tokens"
                   f"{', read-only' if read_only else ''})", err=True)
        server.run("streamable-http", host=HOST, port=port)
    else:
        server.run("stdio")
