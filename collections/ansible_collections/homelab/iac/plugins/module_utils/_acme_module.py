# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The cert_acme module's run: decide from the files on disk, then order through ACME if needed.

No network call happens unless a new certificate is needed, so a rerun inside the validity window
contacts neither the ACME server nor the DNS provider. ``state: absent`` removes the certificate's files
(never the account key, which other certificates share); only with ``revoke`` is the ACME server told.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._acme_order import AcmeDns01, needs_order
from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    cert_pem,
    dns_names,
    generate_key,
    key_pem,
    load_certs,
    load_key,
    remaining_days,
    require_cryptography,
    write_file,
)
from ansible_collections.homelab.iac.plugins.module_utils._cert_module import STATE_ARG, FilePlan, removal_before
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import DnsError
from ansible_collections.homelab.iac.plugins.module_utils._dns_module import DnsModule

ACME_ARGS: dict[str, dict[str, Any]] = {
    **STATE_ARG,
    "revoke": {"type": "bool", "default": False},
    "acme_directory": {"type": "str"},
    "acme_ca_cert": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "account_key_path": {"type": "path"},
    "account_email": {"type": "str"},
    "names": {"type": "list", "elements": "str"},
    "private_key_path": {"type": "path", "required": True},
    "fullchain_path": {"type": "path", "required": True},
    "cert_path": {"type": "path"},
    "key_type": {"type": "str", "default": "ec", "choices": ["ec", "rsa"]},
    "remaining_days": {"type": "int", "default": 30},
    "force": {"type": "bool", "default": False},
}
ACME_REQUIRED_IF = [
    ("state", "present", ("acme_directory", "account_key_path", "names")),
    ("revoke", True, ("acme_directory", "account_key_path")),
]


def cert_facts(path: str) -> dict[str, Any]:
    """What a playbook wants to know about the certificate at ``path``."""
    certs = load_certs(path)
    if not certs:
        return {}
    leaf = certs[0]
    return {
        "names": dns_names(leaf),
        "serial": format(leaf.serial_number, "x"),
        "not_after": leaf.not_valid_after_utc.isoformat(),
        "days_left": round(remaining_days(leaf), 1),
        "issuer": leaf.issuer.rfc4514_string(),
    }


def run() -> NoReturn:
    """Entry point of homelab.iac.cert_acme."""
    dns = DnsModule(ACME_ARGS, provider_required=False, required_if=ACME_REQUIRED_IF)
    params = dns.params
    if params["state"] == "absent":
        _remove(dns)
    names = sorted({name.strip().lower().rstrip(".") for name in params["names"]})
    try:
        require_cryptography()
        reason = needs_order(
            names, params["fullchain_path"], params["private_key_path"], params["remaining_days"], params["force"]
        )
    except CertError as exc:
        dns.fail(str(exc))
    before = cert_facts(params["fullchain_path"])
    if reason is None or dns.check_mode:
        diff = {"before": before, "after": before if reason is None else {"names": names}}
        extra = {"diff": diff} if dns.diff_mode else {}
        dns.module.exit_json(changed=reason is not None, reason=reason or "", certificate=before, **extra)
        raise AssertionError("exit_json returned")
    provider = dns.build_provider(params)
    try:
        account_key = load_key(params["account_key_path"])
        if account_key is None:
            account_key = generate_key("ec")
            write_file(params["account_key_path"], key_pem(account_key), 0o600)
        key = load_key(params["private_key_path"])
        if key is None:
            key = generate_key(params["key_type"])
            write_file(params["private_key_path"], key_pem(key), 0o600)
        acme = AcmeDns01(
            params["acme_directory"], account_key, _verify(params), params["account_email"], provider,
            timeout=params["timeout"],
        )
        result = acme.order(names, key_pem(key))
        write_file(params["fullchain_path"], result.fullchain_pem.encode(), 0o644)
        if params["cert_path"]:
            write_file(params["cert_path"], cert_pem(load_certs(params["fullchain_path"])[0]), 0o644)
    except (CertError, DnsError) as exc:
        dns.fail(str(exc))
    finally:
        provider.close()
    after = cert_facts(params["fullchain_path"])
    extra = {"diff": {"before": before, "after": after}} if dns.diff_mode else {}
    dns.module.exit_json(
        changed=True,
        reason=reason,
        certificate=after,
        account_uri=result.account_uri,
        challenge_records=result.published,
        cleaned_records=result.cleaned,
        **extra,
    )
    raise AssertionError("exit_json returned")


def _verify(params: dict[str, Any]) -> bool | str:
    return (params["acme_ca_cert"] or True) if params["validate_certs"] else False


def _remove(dns: DnsModule) -> NoReturn:
    """state=absent: remove the certificate's files; revoke it first only when ``revoke`` says so."""
    params = dns.params
    paths = [params["fullchain_path"], params["cert_path"], params["private_key_path"]]
    before = removal_before(paths, lambda: cert_facts(params["fullchain_path"]))
    result: dict[str, Any] = {}
    try:
        require_cryptography()
        files = FilePlan(dns.check_mode)
        for path in paths:
            files.remove(path)
        certs = load_certs(params["fullchain_path"]) or load_certs(params["cert_path"] or "")
        if params["revoke"] and certs and not dns.check_mode:
            account_key = load_key(params["account_key_path"])
            if account_key is None:
                raise CertError(f"cannot revoke: the account key {params['account_key_path']} does not exist")
            acme = AcmeDns01(params["acme_directory"], account_key, _verify(params), None, None, params["timeout"])
            result["account_uri"] = acme.revoke(certs[0])
        removed = files.apply()
    except (CertError, DnsError) as exc:
        dns.fail(str(exc))
    extra = {"diff": {"before": before, "after": {"files": []}}} if dns.diff_mode else {}
    dns.module.exit_json(
        changed=bool(removed), reason="state is absent" if removed else "", certificate={}, files=removed,
        revoked=bool(params["revoke"] and certs), **result, **extra,
    )  # fmt: skip
    raise AssertionError("exit_json returned")
