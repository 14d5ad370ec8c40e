# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The cert_deploy module's run: copy a certificate and its key to where a service reads them.

The source pair is checked before anything is written (the key must belong to the certificate,
the certificate must parse), so a service is never handed a mismatched pair. Each destination is
written through ``FilePlan``: only when its bytes, mode or ownership differ, atomically, nothing
in check mode. ``bundle_dest`` serves services that want certificate, chain and key in one file
(HAProxy, some appliances); it is written 0600 because it holds the key.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    cert_pem,
    load_certs,
    load_key,
    same_key,
)
from ansible_collections.homelab.iac.plugins.module_utils._cert_module import (
    FILE_ARGS,
    KEY_MODE,
    CertModule,
    cert_facts,
    parse_mode,
    public_key_fingerprint,
)

# Kept in step with the DOCUMENTATION of modules/cert_deploy.py.
DEPLOY_ARGS: dict[str, dict[str, Any]] = {
    "cert_path": {"type": "path", "required": True},
    "key_path": {"type": "path", "required": True},
    "chain_path": {"type": "path"},
    "cert_dest": {"type": "path"},
    "key_dest": {"type": "path"},
    "fullchain_dest": {"type": "path"},
    "bundle_dest": {"type": "path"},
    **FILE_ARGS,
}
DESTINATIONS = ("cert_dest", "key_dest", "fullchain_dest", "bundle_dest")


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def load_pair(cert_path: str, key_path: str, chain_path: str | None) -> tuple[Any, Any, list[Any]]:
    """The leaf, its key and the chain after it; refuses a missing or mismatched pair."""
    certs = load_certs(cert_path)
    if not certs:
        raise CertError(f"certificate {cert_path} does not exist")
    key = load_key(key_path)
    if key is None:
        raise CertError(f"private key {key_path} does not exist")
    leaf, chain = certs[0], certs[1:]
    if not same_key(leaf, key):
        raise CertError(f"{key_path} is not the key of the certificate in {cert_path}; nothing was deployed")
    if chain_path:
        extra = load_certs(chain_path)
        if not extra:
            raise CertError(f"chain {chain_path} does not exist")
        chain = chain + [cert for cert in extra if cert != leaf and cert not in chain]
    return leaf, key, chain


def run() -> NoReturn:
    """Entry point of homelab.iac.cert_deploy."""
    deploy = CertModule(DEPLOY_ARGS, required_one_of=[DESTINATIONS])
    params = deploy.params
    try:
        mode = parse_mode(params["mode"])
        leaf, key, chain = load_pair(params["cert_path"], params["key_path"], params["chain_path"])
        before = {}
        for option in DESTINATIONS:
            dest = params[option]
            if dest and option != "key_dest":
                existing = load_certs(dest)
                if existing:
                    before[option] = cert_facts(existing[0], dest)
        key_bytes = _read(params["key_path"])
        full = b"".join(cert_pem(cert) for cert in [leaf, *chain])
        files = deploy.files()
        files.add(params["cert_dest"], cert_pem(leaf), mode)
        files.add(params["fullchain_dest"], full, mode)
        files.add(params["key_dest"], key_bytes, KEY_MODE)
        files.add(params["bundle_dest"], full + key_bytes, KEY_MODE)
        changed_files = files.apply()
    except CertError as exc:
        deploy.fail(str(exc))
    certificate = cert_facts(leaf, params["cert_path"])
    certificate["public_key"] = public_key_fingerprint(key)
    after = {
        option: cert_facts(leaf, params[option]) for option in DESTINATIONS if params[option] and option != "key_dest"
    }
    deploy.exit(
        bool(changed_files),
        before,
        after,
        files=changed_files,
        certificate=certificate,
        chain_length=len(chain),
    )
