# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The Proxmox backend's client base: connection options, the API boundary, task waits, vmid allocation.

Every proxmox module builds exactly one ``ProxmoxModuleClient``. It merges the shared connection
argument spec (documented by ``homelab.iac._proxmox``), connects with ``proxmoxer`` and offers:

- ``PveApi``: a four-method boundary (get/post/put/delete on a path) that drops ``None`` values,
  sends booleans as ``1``/``0`` (PVE rejects ``True``), and turns ``ResourceException`` into
  ``ProxmoxError`` carrying the server's own text (the HTTP reason phrase) and per-field errors;
- ``wait_task``: polls a UPID with backoff; a failed task raises with its exit status, a timeout
  raises with the tail of the task log;
- ``allocate_vmid``: ``/cluster/nextid`` plus a retry when a concurrent creator took the id
  first, because nextid reserves nothing.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible_collections.homelab.iac.plugins.module_utils._client import ModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._proxmox_values import InvalidValue
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import (
    Outcome,
    ReconcileError,
    Reconciler,
    Resource,
)

try:
    from proxmoxer import ProxmoxAPI, ResourceException
except ImportError:
    PROXMOXER_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    PROXMOXER_IMPORT_ERROR = None

# Kept in step with doc_fragments/_proxmox.py. Environment names match community.proxmox where
# the option means the same thing, so an existing PROXMOX_* environment keeps working.
PROXMOX_COMMON_ARGS: dict[str, dict[str, Any]] = {
    "api_url": {"type": "str", "fallback": (env_fallback, ["PROXMOX_URL"])},
    "api_token_id": {"type": "str", "fallback": (env_fallback, ["PROXMOX_TOKEN_ID"])},
    "api_token_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["PROXMOX_TOKEN_SECRET"])},
    "api_user": {"type": "str", "default": "root@pam", "fallback": (env_fallback, ["PROXMOX_USER"])},
    "ca_cert": {"type": "path", "aliases": ["ca_path"], "fallback": (env_fallback, ["PROXMOX_CA_CERT"])},
    "validate_certs": {"type": "bool", "default": True, "fallback": (env_fallback, ["PROXMOX_VALIDATE_CERTS"])},
    "timeout": {"type": "int", "default": 30, "fallback": (env_fallback, ["PROXMOX_TIMEOUT"])},
    "task_timeout": {"type": "int", "default": 300, "fallback": (env_fallback, ["PROXMOX_TASK_TIMEOUT"])},
    "node": {"type": "str", "fallback": (env_fallback, ["PROXMOX_NODE"])},
}

TASK_POLL_FIRST = 0.1
TASK_POLL_MAX = 2.0
LOG_TAIL_LINES = 5
VMID_ATTEMPTS = 5


class ProxmoxError(ReconcileError):
    """An API or task failure; the message is the server's own text."""

    def __init__(self, message: str, status: int | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or {}


def api_message(content: str, errors: Any) -> str:
    """``Parameter verification failed. (memory: invalid format ...)``: reason phrase plus field errors."""
    text = str(content or "").strip()
    if isinstance(errors, dict) and errors:
        details = "; ".join(f"{name}: {str(msg).strip()}" for name, msg in sorted(errors.items()))
        text = f"{text} ({details})" if text else details
    return text


def api_value(value: Any) -> Any:
    """PVE accepts booleans only as 1/0 in form bodies."""
    if isinstance(value, bool):
        return int(value)
    return value


class PveApi:
    """The one I/O boundary of the proxmox modules: ``get/post/put/delete(path, **params)``."""

    def __init__(self, prox: Any) -> None:
        self.prox = prox
        self.writes: list[str] = []

    def _call(self, method: str, path: str, params: dict[str, Any]) -> Any:
        clean = {key: api_value(value) for key, value in params.items() if value is not None}
        if method != "get":
            self.writes.append(f"{method.upper()} {path}")
        try:
            return getattr(self.prox(path), method)(**clean)
        except ResourceException as exc:
            raise ProxmoxError(api_message(exc.content, exc.errors), exc.status_code, exc.errors) from None
        except Exception as exc:  # connection errors, TLS failures, timeouts: one line, no traceback
            raise ProxmoxError(f"{method.upper()} {path}: {exc}") from None

    def get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, params)

    def post(self, path: str, **params: Any) -> Any:
        return self._call("post", path, params)

    def put(self, path: str, **params: Any) -> Any:
        return self._call("put", path, params)

    def delete(self, path: str, **params: Any) -> Any:
        return self._call("delete", path, params)


class TaskWaiter:
    """Waits for UPIDs; remembers every UPID it waited on so modules can return them."""

    def __init__(
        self,
        api: PveApi,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.upids: list[str] = []

    def wait(self, upid: Any, what: str) -> dict[str, Any]:
        """Poll until the task stops; raise ProxmoxError when it failed or outlived ``timeout``."""
        if not upid:
            return {}  # some endpoints answer null when the work finished within the request
        upid = str(upid)
        self.upids.append(upid)
        node = upid.split(":")[1] if upid.count(":") >= 2 else "localhost"
        deadline = self.clock() + self.timeout
        interval = TASK_POLL_FIRST
        while True:
            status = self.api.get(f"nodes/{node}/tasks/{upid}/status")
            if status.get("status") == "stopped":
                exit_status = str(status.get("exitstatus", ""))
                # OK and WARNINGS: n both count as success on PVE.
                if exit_status == "OK" or exit_status.startswith("WARNINGS"):
                    return dict(status)
                raise ProxmoxError(f"{what} failed: {exit_status}")
            if self.clock() >= deadline:
                raise ProxmoxError(
                    f"timed out after {self.timeout:g}s waiting for {what} (task {upid}); "
                    f"last task log lines: {self.log_tail(node, upid)}"
                )
            self.sleep(interval)
            interval = min(interval * 1.5, TASK_POLL_MAX)

    def log_tail(self, node: str, upid: str) -> str:
        try:
            first = self.api.get(f"nodes/{node}/tasks/{upid}/log", start=0, limit=500)
        except ProxmoxError as exc:
            return f"(log unavailable: {exc})"
        lines = [str(line.get("t", "")) for line in sorted(first or [], key=lambda item: item.get("n", 0))]
        return " | ".join(lines[-LOG_TAIL_LINES:]) or "(empty)"


def allocate_vmid(api: PveApi, create: Callable[[int], Any]) -> tuple[int, Any]:
    """Create with the next free vmid, retrying on "already exists" (nextid reserves nothing)."""
    last: ProxmoxError | None = None
    for _attempt in range(VMID_ATTEMPTS):
        vmid = int(api.get("cluster/nextid"))
        try:
            return vmid, create(vmid)
        except ProxmoxError as exc:
            if "already exists" not in str(exc):
                raise
            last = exc
    raise ProxmoxError(f"could not allocate a free vmid after {VMID_ATTEMPTS} attempts: {last}")


class ProxmoxModuleClient(ModuleClient):
    """Owns the AnsibleModule, the proxmoxer connection and the task waiter of one module run."""

    common_args = PROXMOX_COMMON_ARGS

    def __init__(self, argument_spec: dict[str, dict[str, Any]], **module_kwargs: Any) -> None:
        super().__init__(argument_spec, **module_kwargs)
        if PROXMOXER_IMPORT_ERROR is not None:
            self.module.fail_json(msg=missing_required_lib("proxmoxer"), exception=PROXMOXER_IMPORT_ERROR)
        self.api = PveApi(self._connect())
        self.tasks = TaskWaiter(self.api, float(self.params["task_timeout"]))
        self._node: str | None = self.params.get("node")

    @property
    def node(self) -> str:
        """The node from the task or PROXMOX_NODE; else the first online node (one extra GET)."""
        if self._node is None:
            nodes = sorted(n["node"] for n in self.api.get("nodes") if n.get("status") == "online")
            if not nodes:
                raise ProxmoxError("no online node found; set the node option")
            self._node = nodes[0]
        return self._node

    def reconcile(self, build: Callable[[], Resource[Any]], state: str) -> Outcome:
        """Build the resource and reconcile it to ``state``; a bad value, a refusal or an API error fails the task."""
        try:
            return Reconciler(build(), self.check_mode).run(state)
        except (InvalidValue, ReconcileError) as exc:
            self.fail_run(exc)

    def fail_run(self, error: Exception, **result: Any) -> NoReturn:
        """Fail the task with ``error``'s message and the UPIDs of the tasks waited on before it."""
        self.fail(str(error), upids=list(self.tasks.upids), **result)

    def finish(self, changed: bool, action: str, diff: dict[str, Any], **result: Any) -> NoReturn:
        """Exit with ``changed``, ``action``, ``result`` and the UPIDs waited on; the diff when --diff asks."""
        if self.diff_mode:
            result["diff"] = diff
        self.exit_json(changed=changed, action=action, upids=list(self.tasks.upids), **result)

    def _connect(self) -> Any:
        params = self.params
        missing = [name for name in ("api_url", "api_token_id", "api_token_secret") if not params.get(name)]
        if missing:
            self.fail(
                f"missing connection options: {', '.join(missing)} (or PROXMOX_URL, PROXMOX_TOKEN_ID, "
                "PROXMOX_TOKEN_SECRET in the environment)"
            )
        url = urlsplit(params["api_url"] if "//" in params["api_url"] else "https://" + params["api_url"])
        if url.scheme != "https" or not url.hostname:
            self.fail(f"api_url: expected https://HOST[:PORT], got {params['api_url']!r}")
        token_id = params["api_token_id"]
        user, sep, token_name = token_id.partition("!")
        if not sep:
            user, token_name = params["api_user"], token_id
        verify: Any = params["validate_certs"]
        if verify and params.get("ca_cert"):
            verify = params["ca_cert"]
        try:
            # Token auth makes no request in the constructor; the first call shows bad credentials.
            return ProxmoxAPI(
                url.hostname,
                port=url.port or 8006,
                user=user,
                token_name=token_name,
                token_value=params["api_token_secret"],
                verify_ssl=verify,
                timeout=params["timeout"],
            )
        except Exception as exc:
            self.fail(f"cannot connect to Proxmox at {params['api_url']}: {exc}")
