# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The cert_issue module's run: a leaf certificate from the internal CA, reissued only when needed.

The decision is ``leaf_problem`` in ``_cert_x509``: a missing certificate, another issuer, another
subject, other SANs, other extended key usages, a key that does not match, or fewer than
``remaining_days`` left. The private key is reused unless it is missing, of another type, or
``regenerate_key`` is set; it is written 0600 and never appears in the result or the diff (only
the fingerprint of its public half). ``state: absent`` removes the certificate, its key and the full
chain; the CA is not needed for that.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    generate_key,
    key_pem,
    load_certs,
    load_key,
    same_key,
)
from ansible_collections.homelab.iac.plugins.module_utils._cert_module import (
    FILE_ARGS,
    KEY_MODE,
    STATE_ARG,
    CertModule,
    cert_facts,
    parse_mode,
    public_key_fingerprint,
)
from ansible_collections.homelab.iac.plugins.module_utils._cert_x509 import (
    USAGES,
    build_leaf,
    key_for,
    leaf_problem,
    normalise_names,
    signed_by,
    subject_name,
)

# Kept in step with the DOCUMENTATION of modules/cert_issue.py.
ISSUE_ARGS: dict[str, dict[str, Any]] = {
    **STATE_ARG,
    "ca_cert_path": {"type": "path"},
    "ca_key_path": {"type": "path"},
    "names": {"type": "list", "elements": "str"},
    "common_name": {"type": "str"},
    "organization": {"type": "str"},
    "key_path": {"type": "path", "required": True},
    "cert_path": {"type": "path", "required": True},
    "fullchain_path": {"type": "path"},
    "key_type": {"type": "str", "default": "ec", "choices": ["ec", "rsa"]},
    "valid_days": {"type": "int", "default": 365},
    "remaining_days": {"type": "int", "default": 30},
    "extended_key_usage": {
        "type": "list",
        "elements": "str",
        "default": ["server_auth"],
        "choices": sorted(USAGES),
    },
    "regenerate_key": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": False},
    **FILE_ARGS,
}
ISSUE_REQUIRED_IF = [("state", "present", ("ca_cert_path", "ca_key_path", "names"))]


def load_ca(cert_path: str, key_path: str) -> tuple[Any, Any]:
    """The signing CA's certificate and key; refuses a pair that does not belong together."""
    certs = load_certs(cert_path)
    key = load_key(key_path)
    if not certs:
        raise CertError(f"CA certificate {cert_path} does not exist (create it with homelab.iac.cert_ca)")
    if key is None:
        raise CertError(f"CA key {key_path} does not exist")
    ca_cert = certs[0]
    if not same_key(ca_cert, key):
        raise CertError(f"{key_path} is not the key of {cert_path}")
    return ca_cert, key


def _chain(ca_cert: Any) -> list[Any]:
    """What follows the leaf in the full chain: the CA unless it is a root (self-signed)."""
    return [] if signed_by(ca_cert, ca_cert) else [ca_cert]


def run() -> NoReturn:
    """Entry point of homelab.iac.cert_issue."""
    issue = CertModule(ISSUE_ARGS, required_if=ISSUE_REQUIRED_IF)
    params = issue.params
    if params["state"] == "absent":
        _remove(issue)
    try:
        mode = parse_mode(params["mode"])
        if params["valid_days"] <= params["remaining_days"]:
            raise CertError(
                f"valid_days ({params['valid_days']}) must be longer than remaining_days ({params['remaining_days']})"
            )
        names = normalise_names(params["names"])
        if not names:
            raise CertError("names must hold at least one DNS name or IP address")
        subject = subject_name(params["common_name"] or names[0], params["organization"])
        usages = sorted(set(params["extended_key_usage"]))
        ca_cert, ca_key = load_ca(params["ca_cert_path"], params["ca_key_path"])

        existing_key = load_key(params["key_path"])
        certs = load_certs(params["cert_path"])
        current = certs[0] if certs else None
        before = cert_facts(current, params["cert_path"])
        if existing_key is not None and current is not None:
            before["public_key"] = public_key_fingerprint(existing_key)

        if params["regenerate_key"]:
            key, key_reason = generate_key(params["key_type"]), "regenerate_key is set"
        else:
            key, key_reason = key_for(existing_key, params["key_type"])
        reason = key_reason or (
            "forced" if params["force"] else leaf_problem(
                current, key, ca_cert, subject, names, usages, params["remaining_days"]
            )
        )  # fmt: skip

        files = issue.files()
        if key_reason:
            files.add(params["key_path"], key_pem(key), KEY_MODE)
        else:
            files.keep(params["key_path"], KEY_MODE)
        if reason:
            current = build_leaf(key, subject, names, usages, params["valid_days"], ca_cert, ca_key)
            files.add_cert(params["cert_path"], [current], mode)
        else:
            files.keep(params["cert_path"], mode)
        files.add_cert(params["fullchain_path"], [current, *_chain(ca_cert)], mode)
        changed_files = files.apply()
    except CertError as exc:
        issue.fail(str(exc))
    after = cert_facts(current, params["cert_path"])
    after["public_key"] = public_key_fingerprint(key)
    issue.exit(
        bool(changed_files),
        before,
        after,
        reason=reason or "",
        key_created=bool(key_reason),
        certificate=after,
        files=changed_files,
    )


def _remove(issue: CertModule) -> NoReturn:
    """state=absent: remove the full chain, the certificate and its key (gone already: nothing changes)."""
    params = issue.params
    paths = [params["fullchain_path"], params["cert_path"], params["key_path"]]

    def facts() -> dict[str, Any]:
        certs = load_certs(params["cert_path"])
        return cert_facts(certs[0], params["cert_path"]) if certs else {}

    before, removed = issue.remove_files(paths, facts)
    issue.exit(bool(removed), before, {"files": []}, reason="state is absent" if removed else "",
               key_created=False, certificate={}, files=removed)  # fmt: skip
