# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The client base of the file-based cert modules (cert_ca, cert_issue, cert_deploy).

``CertModule`` owns the AnsibleModule, reports a missing ``cryptography`` once, and carries the
one write path of these modules: ``FilePlan`` collects every file a run wants to write (or, with
``state: absent``, to remove) and hands them to the generic Reconciler as one ``CertFiles``
resource: each file is a compared property (its bytes' digest, mode and ownership), so the engine
decides create/update/delete/noop and owns the check-mode guard, as for every other resource. So
``changed`` and the list of files are the same in check mode and in a real run, and a rerun that
has nothing to change writes nothing.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    cert_pem,
    dns_names,
    file_differs,
    ownership_differs,
    read_bytes,
    remaining_days,
    require_cryptography,
    write_file,
)
from ansible_collections.homelab.iac.plugins.module_utils._client import ModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Field, Plan, Reconciler, Resource

try:
    from cryptography.hazmat.primitives import hashes, serialization
except ImportError:  # reported by require_cryptography()
    hashes = serialization = None  # type: ignore[assignment]

# Kept in step with doc_fragments/_cert.py (FILES).
FILE_ARGS: dict[str, dict[str, Any]] = {
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "mode": {"type": "raw", "default": "0644"},
}

# Every cert module takes state; absent removes the files the task names (FilePlan.remove).
STATE_ARG: dict[str, dict[str, Any]] = {
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}

KEY_MODE = 0o600


def parse_mode(value: Any) -> int:
    """An octal file mode from ``"0644"``, ``"644"`` or an int given in YAML as 0644 (= 420)."""
    if isinstance(value, int):
        return value
    try:
        mode = int(str(value), 8)
    except ValueError:
        raise CertError(f"mode {value!r} is not an octal file mode such as '0644'") from None
    if not 0 <= mode <= 0o7777:
        raise CertError(f"mode {value!r} is out of range")
    return mode


def public_key_fingerprint(key: Any) -> str:
    """SHA-256 of the public key (SubjectPublicKeyInfo DER): safe to show in diffs instead of the key."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def cert_facts(cert: Any, path: str | None = None) -> dict[str, Any]:
    """What a playbook wants to know about a certificate (nothing secret)."""
    if cert is None:
        return {}
    facts = {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "names": dns_names(cert),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "days_left": round(remaining_days(cert), 1),
        "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }
    if path:
        facts["path"] = path
    return facts


def removal_before(paths: list[str | None], facts: Any) -> dict[str, Any]:
    """diff.before of a removal: ``facts()`` of the files (``{}`` when unreadable) and which of them exist."""
    try:
        shown: dict[str, Any] = dict(facts())
    except CertError:  # a damaged file is still removed; it just cannot be described
        shown = {}
    shown["files"] = sorted({path for path in paths if path and os.path.lexists(path)})
    return shown


@dataclass
class FilePlan:
    """Files one run writes (or removes); ``apply`` reconciles them as one ``CertFiles`` resource."""

    check_mode: bool
    owner: str | None = None
    group: str | None = None
    pending: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    removals: list[str] = field(default_factory=list)

    def add(self, path: str | None, data: bytes, mode: int) -> None:
        if path:
            self.pending[path] = (data, mode)

    def add_cert(self, path: str | None, certs: list[Any], mode: int) -> None:
        self.add(path, b"".join(cert_pem(cert) for cert in certs), mode)

    def keep(self, path: str, mode: int) -> None:
        """Keep the file at ``path`` as it is on disk (any PEM flavour); only mode and ownership are enforced."""
        self.add(path, read_bytes(path), mode)

    def remove(self, path: str | None) -> None:
        """Remove ``path`` (a change only when it exists; a directory is refused, never removed)."""
        if not path or path in self.removals:
            return
        if os.path.isdir(path):
            raise CertError(f"{path} is a directory; state=absent removes files only")
        self.removals.append(path)

    def apply(self) -> list[str]:
        """Write (or remove) what differs, unless in check mode; the files that change, in order."""
        files = CertFiles(self)
        reconciler = Reconciler(files, self.check_mode)
        plan = reconciler.plan("absent" if self.removals else "present")
        changed = files.changed_by(plan)
        reconciler.apply(plan)
        return changed


FileStates = dict[str, str]  # path -> "as wanted" or "differs" (removals: "exists")


class CertFiles(Resource[FileStates]):
    """The files of one cert module run as one resource: each file is a compared property.

    ``current`` says of each file "as wanted" or "differs" (bytes, mode and ownership, the rule
    ``write_file`` applies), ``desired`` wants every file "as wanted", so the engine's update lists
    exactly the files to write. With removals the resource is present while any of them exists.
    """

    kind = "certificate files"
    fields: tuple[Field, ...] = ()

    def __init__(self, plan: FilePlan) -> None:
        self.plan = plan
        self.fields = tuple(Field(path) for path in (plan.removals or plan.pending))

    def read(self) -> FileStates | None:
        if self.plan.removals:
            existing = {path: "exists" for path in self.plan.removals if os.path.lexists(path)}
            return existing or None
        owner, group = self.plan.owner, self.plan.group
        states = {path: "differs" if file_differs(path, data, mode) or ownership_differs(path, owner, group)
                  else "as wanted" for path, (data, mode) in self.plan.pending.items()}  # fmt: skip
        return states if any(os.path.lexists(path) for path in states) else None

    def current(self, observed: FileStates) -> dict[str, Any]:
        return dict(observed)

    def desired(self) -> dict[str, Any]:
        return {spec.name: "as wanted" for spec in self.fields}

    def changed_by(self, plan: Plan[FileStates]) -> list[str]:
        """The files ``plan`` writes or removes, in the order the module named them."""
        if plan.action is Action.CREATE:
            return list(self.plan.pending)
        if plan.action is Action.DELETE:
            return list(plan.observed or {})
        return list(plan.updated)

    def create(self) -> None:
        self._write(list(self.plan.pending))

    def update(self, observed: FileStates, changed: list[str]) -> None:
        self._write(changed)

    def delete(self, observed: FileStates) -> None:
        for path in observed:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise CertError(f"cannot remove {path}: {exc.strerror or exc}") from None

    def facts(self, observed: FileStates | None) -> dict[str, Any]:
        return {}  # the modules report certificate facts of their own

    def _write(self, paths: list[str]) -> None:
        for path in paths:
            data, mode = self.plan.pending[path]
            try:
                write_file(path, data, mode, self.plan.owner, self.plan.group)
            except OSError as exc:
                raise CertError(f"cannot write {path}: {exc.strerror or exc}") from None


class CertModule(ModuleClient):
    """Owns the AnsibleModule of one cert module run (no shared connection options)."""

    def __init__(self, argument_spec: dict[str, dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(argument_spec, **kwargs)
        try:
            require_cryptography()
        except CertError as exc:
            self.fail(str(exc))

    def files(self) -> FilePlan:
        """A FilePlan with the task's owner/group."""
        return FilePlan(self.check_mode, self.params.get("owner"), self.params.get("group"))

    def remove_files(self, paths: list[str | None], facts: Any) -> tuple[dict[str, Any], list[str]]:
        """state=absent: remove ``paths``; returns diff.before (from ``facts()``) and the files removed."""
        before = removal_before(paths, facts)
        try:
            files = self.files()
            for path in paths:
                files.remove(path)
            return before, files.apply()
        except CertError as exc:
            self.fail(str(exc))

    def exit(self, changed: bool, before: dict[str, Any], after: dict[str, Any], **result: Any) -> NoReturn:
        """Exit with ``result``; the diff (never key material) only in diff mode."""
        if self.diff_mode:
            result["diff"] = {"before": before, "after": after}
        self.module.exit_json(changed=changed, **result)
        raise AssertionError("exit_json returned")
