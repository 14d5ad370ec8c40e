# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The cert_ca module's run: keep an existing valid CA, create (or replace) only what cannot be kept.

A root CA is kept while it is self-signed by the key at ``key_path``, has the wanted subject and is
outside the renewal window; an optional intermediate is kept while, in addition, the (kept or new)
root signed it. An existing CA key is never replaced (``key_type`` applies to new keys only), so
leaves issued earlier keep verifying when a CA certificate is renewed. ``state: absent`` removes the
CA's files (root certificate and key, and the intermediate's certificate, key and chain when given).
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    generate_key,
    key_pem,
    load_certs,
    load_key,
)
from ansible_collections.homelab.iac.plugins.module_utils._cert_module import (
    FILE_ARGS,
    KEY_MODE,
    STATE_ARG,
    CertModule,
    FilePlan,
    cert_facts,
    parse_mode,
    public_key_fingerprint,
)
from ansible_collections.homelab.iac.plugins.module_utils._cert_x509 import build_ca, ca_problem, subject_name

# Kept in step with the DOCUMENTATION of modules/cert_ca.py.
CA_ARGS: dict[str, dict[str, Any]] = {
    **STATE_ARG,
    "common_name": {"type": "str"},
    "organization": {"type": "str"},
    "cert_path": {"type": "path", "required": True},
    "key_path": {"type": "path", "required": True},
    "key_type": {"type": "str", "default": "ec", "choices": ["ec", "rsa"]},
    "valid_days": {"type": "int", "default": 3650},
    "remaining_days": {"type": "int", "default": 90},
    "force": {"type": "bool", "default": False},
    "intermediate": {
        "type": "dict",
        "options": {
            "common_name": {"type": "str", "required": True},
            "cert_path": {"type": "path", "required": True},
            "key_path": {"type": "path", "required": True},
            "valid_days": {"type": "int", "default": 1825},
            "chain_path": {"type": "path"},
        },
    },
    **FILE_ARGS,
}
CA_REQUIRED_IF = [("state", "present", ("common_name",))]


def _ensure(
    files: FilePlan,
    key_path: str,
    cert_path: str,
    subject: Any,
    valid_days: int,
    window: int,
    key_type: str,
    force: bool,
    mode: int,
    issuer: tuple[Any, Any] | None = None,
) -> tuple[Any, Any, str]:
    """Keep or (re)build one CA level; returns (key, cert, reason or "")."""
    key = load_key(key_path)
    certs = load_certs(cert_path)
    current = certs[0] if certs else None
    if key is None:
        key = generate_key(key_type)
        files.add(key_path, key_pem(key), KEY_MODE)
        reason: str | None = "the CA key does not exist"
    else:
        files.keep(key_path, KEY_MODE)
        issuer_cert = issuer[0] if issuer else None
        reason = "forced" if force else ca_problem(current, key, subject, issuer_cert, window)
    if reason:
        issuer_cert, issuer_key = issuer if issuer else (None, None)
        current = build_ca(key, subject, valid_days, issuer_cert, issuer_key)
        files.add_cert(cert_path, [current], mode)
    else:
        files.keep(cert_path, mode)
    return key, current, reason or ""


def _facts(cert: Any, key: Any, path: str, key_path: str) -> dict[str, Any]:
    facts = cert_facts(cert, path)
    facts.update(key_path=key_path, public_key=public_key_fingerprint(key))
    return facts


def run() -> NoReturn:
    """Entry point of homelab.iac.cert_ca."""
    ca = CertModule(CA_ARGS, required_if=CA_REQUIRED_IF)
    params = ca.params
    inter = params["intermediate"]
    if params["state"] == "absent":
        _remove(ca)
    try:
        mode = parse_mode(params["mode"])
        periods = (("valid_days", params["valid_days"]), ("intermediate.valid_days", (inter or {}).get("valid_days")))
        for what, days in periods:
            if days is not None and days <= params["remaining_days"]:
                raise CertError(f"{what} ({days}) must be longer than remaining_days ({params['remaining_days']})")
        before = _snapshot(params)
        files = ca.files()
        root_key, root, root_reason = _ensure(
            files, params["key_path"], params["cert_path"], subject_name(params["common_name"], params["organization"]),
            params["valid_days"], params["remaining_days"], params["key_type"], params["force"], mode,
        )  # fmt: skip
        result: dict[str, Any] = {
            "root": _facts(root, root_key, params["cert_path"], params["key_path"]),
            "reasons": {"root": root_reason},
            "signing_cert_path": params["cert_path"],
            "signing_key_path": params["key_path"],
        }
        if inter:
            inter_subject = subject_name(inter["common_name"], params["organization"])
            inter_key, inter_cert, inter_reason = _ensure(
                files, inter["key_path"], inter["cert_path"], inter_subject, inter["valid_days"],
                params["remaining_days"], params["key_type"], params["force"], mode,
                issuer=(root, root_key),
            )  # fmt: skip
            files.add_cert(inter["chain_path"], [inter_cert, root], mode)
            result.update(
                intermediate=_facts(inter_cert, inter_key, inter["cert_path"], inter["key_path"]),
                signing_cert_path=inter["cert_path"],
                signing_key_path=inter["key_path"],
            )
            result["reasons"]["intermediate"] = inter_reason
        changed_files = files.apply()
    except CertError as exc:
        ca.fail(str(exc))
    after = {key: result[key] for key in ("root", "intermediate") if key in result}
    ca.exit(bool(changed_files), before, after, files=changed_files, **result)


def _remove(ca: CertModule) -> NoReturn:
    """state=absent: remove every file of the CA (idempotent: files already gone change nothing)."""
    params = ca.params
    inter = params["intermediate"] or {}
    paths = [inter.get("chain_path"), inter.get("cert_path"), inter.get("key_path"), params["cert_path"],
             params["key_path"]]  # fmt: skip
    before, removed = ca.remove_files(paths, lambda: _snapshot(params))
    result: dict[str, Any] = {"root": {}, "reasons": {"root": "state is absent" if removed else ""}}
    if inter:
        result.update(intermediate={})
        result["reasons"]["intermediate"] = result["reasons"]["root"]
    signing = {"signing_cert_path": inter.get("cert_path") or params["cert_path"],
               "signing_key_path": inter.get("key_path") or params["key_path"]}  # fmt: skip
    ca.exit(bool(removed), before, {"files": []}, files=removed, **signing, **result)


def _snapshot(params: dict[str, Any]) -> dict[str, Any]:
    """Facts of the CA files before the run, for diff.before."""
    shown: dict[str, Any] = {}
    levels = [("root", params["cert_path"], params["key_path"])]
    if params["intermediate"]:
        levels.append(("intermediate", params["intermediate"]["cert_path"], params["intermediate"]["key_path"]))
    for level, cert_path, key_path in levels:
        certs = load_certs(cert_path)
        key = load_key(key_path)
        if certs:
            shown[level] = cert_facts(certs[0], cert_path)
            if key is not None:
                shown[level].update(key_path=key_path, public_key=public_key_fingerprint(key))
    return shown
