"""Which state database to use, and how its URL is shown to users.

``IAC_DATABASE_URL`` picks the database (``postgresql://…`` is accepted and run on psycopg 3); unset,
the state lives in an SQLite file under the state directory (``$IAC_HOME/state.db``). Nothing here
imports SQLAlchemy at import time: the URL is known long before (and often without) a connection.
"""

from __future__ import annotations

import os
import re

from planner.paths import iac_home

__all__ = ["DATABASE_URL_ENV", "database_url", "mask_url", "normalise_url"]

DATABASE_URL_ENV = "IAC_DATABASE_URL"

_DRIVERLESS_POSTGRES = re.compile(r"^(postgres|postgresql)://", re.IGNORECASE)
_PASSWORD_IN_NETLOC = re.compile(r"(://[^:/@?#]*):[^@/?#]*@")
_PASSWORD_IN_QUERY = re.compile(r"((?:^|[?&])password=)[^&#]*", re.IGNORECASE)


def database_url() -> str:
    """The state database URL: ``$IAC_DATABASE_URL``, else ``sqlite:///$IAC_HOME/state.db``."""
    raw = os.environ.get(DATABASE_URL_ENV, "").strip()
    if raw:
        return normalise_url(raw)
    return f"sqlite:///{(iac_home() / 'state.db').resolve()}"


def normalise_url(url: str) -> str:
    """Map ``postgresql://`` and ``postgres://`` to the psycopg 3 driver; leave anything else alone."""
    return _DRIVERLESS_POSTGRES.sub("postgresql+psycopg://", url.strip(), count=1)


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (in the user part and in a ``password=`` query)."""
    from sqlalchemy.engine import make_url  # only when a URL is shown: keeps this module light
    from sqlalchemy.exc import ArgumentError

    try:
        masked = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        masked = _PASSWORD_IN_NETLOC.sub(r"\1:***@", url)
    return _PASSWORD_IN_QUERY.sub(r"\1***", masked)
