# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The Docker backend's client base: connection options, the AnsibleModule and error reporting.

Every docker module builds exactly one ``DockerModuleClient``; it merges the shared connection
argument spec (documented by ``homelab.iac._docker``), connects with the ``docker`` SDK and turns
engine errors into one-line failures. Modules never create an AnsibleModule or SDK client
themselves, so connection handling, the missing-SDK message and ``fail()`` exist once.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound
from ansible_collections.homelab.iac.plugins.module_utils._client import ModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._docker_engine import (
    DockerEngine,
    DockerEngineError,
)
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Outcome,
    ReconcileError,
    Reconciler,
    Resource,
)

try:
    import docker
    from docker.errors import DockerException
    from docker.tls import TLSConfig
except ImportError:
    DOCKER_SDK_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    DOCKER_SDK_IMPORT_ERROR = None

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
DEFAULT_TIMEOUT_SECONDS = 60

# Everything this collection creates carries this label; deleting or replacing an object without
# it is refused, so a typo in a name can never remove someone else's container or network -
# unless the task says ``adopt: true``: it takes the object over on purpose.
MANAGED_LABEL = "io.homelab-iac.managed"
MANAGED_VALUE = "true"

#: The ``adopt`` option of docker_container, docker_network and docker_volume (and their batch items).
ADOPT_ARG: dict[str, dict[str, Any]] = {"adopt": {"type": "bool", "default": False}}


def string_map(values: dict[str, Any] | None) -> dict[str, str]:
    """Keys and values as strings, the way the engine stores labels, options and build args."""
    return {str(key): str(value) for key, value in (values or {}).items()}


def with_managed_label(labels: dict[str, Any] | None) -> dict[str, str]:
    """The task's labels as strings, plus the managed label whatever the task says."""
    return {**string_map(labels), MANAGED_LABEL: MANAGED_VALUE}


def is_managed(labels: dict[str, Any] | None) -> bool:
    """Whether an object's labels say this collection made it."""
    return (labels or {}).get(MANAGED_LABEL) == MANAGED_VALUE


def not_managed(subject: str, refused: str, made: str = "created", adoptable: bool = True) -> ReconcileError:
    """The refusal to touch ``subject`` (``network web``) that lacks the managed label."""
    adopt = "set adopt: true to take it over, " if adoptable else ""
    return ReconcileError(
        f"{subject} was not {made} by homelab.iac (no label {MANAGED_LABEL}={MANAGED_VALUE}): "
        f"refusing to {refused} it; {adopt}remove it by hand or pick another name"
    )


def _cert_path_fallback(file_name: str) -> str:
    """Default a TLS file to ``$DOCKER_CERT_PATH/<file_name>``, as the docker CLI does."""
    cert_dir = os.environ.get("DOCKER_CERT_PATH")
    if not cert_dir:
        raise AnsibleFallbackNotFound
    return os.path.join(cert_dir, file_name)


# Option names, defaults and environment variables match community.docker and the docker CLI so a
# user's existing DOCKER_* environment works unchanged. Kept in step with doc_fragments/_docker.py.
DOCKER_COMMON_ARGS: dict[str, dict[str, Any]] = {
    "docker_host": {
        "type": "str",
        "default": DEFAULT_DOCKER_HOST,
        "fallback": (env_fallback, ["DOCKER_HOST"]),
        "aliases": ["docker_url"],
    },
    "timeout": {
        "type": "int",
        "default": DEFAULT_TIMEOUT_SECONDS,
        "fallback": (env_fallback, ["DOCKER_TIMEOUT"]),
    },
    "tls": {"type": "bool", "default": False, "fallback": (env_fallback, ["DOCKER_TLS"])},
    "validate_certs": {
        "type": "bool",
        "default": False,
        "fallback": (env_fallback, ["DOCKER_TLS_VERIFY"]),
        "aliases": ["tls_verify"],
    },
    "ca_path": {
        "type": "path",
        "fallback": (_cert_path_fallback, ["ca.pem"]),
        "aliases": ["ca_cert", "tls_ca_cert"],
    },
    "client_cert": {
        "type": "path",
        "fallback": (_cert_path_fallback, ["cert.pem"]),
        "aliases": ["tls_client_cert"],
    },
    "client_key": {
        "type": "path",
        "fallback": (_cert_path_fallback, ["key.pem"]),
        "aliases": ["tls_client_key"],
    },
}


class DockerModuleClient(ModuleClient):
    """Owns the AnsibleModule and the engine connection for one docker module run."""

    common_args = DOCKER_COMMON_ARGS

    def __init__(self, argument_spec: dict[str, dict[str, Any]], **module_kwargs: Any) -> None:
        super().__init__(argument_spec, **module_kwargs)
        if DOCKER_SDK_IMPORT_ERROR is not None:
            self.module.fail_json(
                msg=missing_required_lib("docker"), exception=DOCKER_SDK_IMPORT_ERROR
            )
        self.engine = DockerEngine(self._connect())

    def reconcile(
        self,
        build: Callable[[DockerEngine, dict[str, Any]], Resource[Any]],
        state: str,
        facts_key: str,
        reasons_key: str,
        subject: str | None = None,
    ) -> NoReturn:
        """Build the resource from the arguments, reconcile it to ``state`` and exit.

        Bad arguments, refusals and engine errors all end as one-line failures with nothing changed
        beyond what the resource itself rolled back; a failure that does not name ``subject`` (for
        example ``container web``) starts with it. The resource's ``extra_results`` (a safety net it
        took first) are returned on success and on failure alike.
        """
        resource: Resource[Any] | None = None
        try:
            resource = build(self.engine, self.params)
            outcome = Reconciler(resource, self.check_mode).run(state)
        except (InvalidValue, ReconcileError, DockerEngineError) as exc:
            message = str(exc)
            if subject and subject not in message:
                message = f"{subject}: {message}"
            self.fail(message, **(resource.extra_results() if resource is not None else {}))
        self.exit_with(outcome, facts_key, reasons_key, **resource.extra_results())

    def exit_with(self, outcome: Outcome, facts_key: str, reasons_key: str, **extra: Any) -> NoReturn:
        """Exit with the standard result shape: changed, action, <facts_key>, <reasons_key>, diff, ``extra``."""
        result: dict[str, Any] = {
            "changed": outcome.changed,
            "action": outcome.action.value,
            facts_key: outcome.facts,
            reasons_key: outcome.replaced_because,
            "updated": outcome.updated,
            **extra,
        }
        if self.diff_mode:
            result["diff"] = outcome.diff
        self.exit_json(**result)

    def connect_again(self) -> DockerEngine:
        """Another connection with the same options, for a worker thread.

        The API version the first connection negotiated is reused, so this costs no request.
        """
        return DockerEngine(self._connect(version=self.engine.api.api_version))

    def _connect(self, version: str | None = None) -> Any:
        params = self.params
        tls_config = None
        if params["tls"] or params["validate_certs"]:
            client_cert = None
            if params["client_cert"] and params["client_key"]:
                client_cert = (params["client_cert"], params["client_key"])
            tls_config = TLSConfig(
                client_cert=client_cert,
                ca_cert=params["ca_path"] if params["validate_certs"] else None,
                verify=params["validate_certs"],
            )
        try:
            # version=None lets the SDK negotiate the API version with the engine (dockerd 20.10
            # speaks 1.41, newer SDKs default to more).
            return docker.APIClient(
                base_url=params["docker_host"], version=version, timeout=params["timeout"], tls=tls_config
            )
        except DockerException as exc:
            self.fail(f"cannot connect to the Docker engine at {params['docker_host']}: {exc}")
