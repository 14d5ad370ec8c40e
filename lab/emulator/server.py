"""Run one emulator: HTTPS on 127.0.0.1 with the lab's server certificate, under uvicorn.

Started by the supervisor as ``python -m lab.emulator NAME --port P --home LAB_HOME`` (plus
``--target module:Class`` for emulators registered at run time). It reads its credentials from the
lab credentials file, which the supervisor wrote before starting it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from lab.credentials import LabCredentials
from lab.emulator.base import Emulator
from lab.emulator.registry import emulator_class, load_target
from lab.layout import LabLayout

__all__ = ["build_emulator", "main", "serve"]

LISTEN_HOST = "127.0.0.1"


def build_emulator(cls: type[Emulator], name: str, layout: LabLayout) -> Emulator:
    """Instantiate ``cls`` with the credentials the supervisor recorded for ``name``."""
    credentials = LabCredentials(layout.credentials_file)
    entry = credentials.emulator(name)
    if entry is None:
        raise SystemExit(
            f"no credentials for emulator {name!r} in {layout.credentials_file}: start it with `iac lab up`"
        )
    return cls(
        name=name,
        directory=layout.emulator_dir(name),
        credentials=entry.get("credentials") or {},
        admin_token=credentials.admin_token(),
    )


def serve(emulator: Emulator, port: int, layout: LabLayout) -> None:
    """Serve ``emulator`` until SIGTERM/SIGINT."""
    config = uvicorn.Config(
        emulator,
        host=LISTEN_HOST,
        port=port,
        ssl_certfile=str(layout.ca_dir / "server.crt"),
        ssl_keyfile=str(layout.ca_dir / "server.key"),
        # Dropped-connection faults reach the transport through h11's response cycle; pin the
        # protocol and keep uvicorn from wrapping the app, see base._drop_connection.
        http="h11",
        interface="asgi3",
        proxy_headers=False,
        lifespan="off",
        loop="asyncio",
        access_log=False,  # the emulator keeps its own request log, without query strings
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point of one emulator process."""
    parser = argparse.ArgumentParser(prog="python -m lab.emulator", description=__doc__)
    parser.add_argument("name", help="registered emulator name")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--home", type=Path, required=True, help="the lab home")
    parser.add_argument("--target", help="module:Class, for emulators registered at run time")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cls = load_target(args.target) if args.target else emulator_class(args.name)
    except (ImportError, AttributeError, KeyError, TypeError, ValueError) as err:
        parser.error(str(err).strip('"'))
    layout = LabLayout(args.home)
    serve(build_emulator(cls, args.name, layout), args.port, layout)
