# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The cert_deploy module's run: copy a certificate and its key to where a service reads them.

The source pair is checked before anything is written (the key must belong to the certificate,
the certificate must parse), so a service is never handed a mismatched pair. Each destination is
written through ``FilePlan``: only when its bytes, mode or ownership differ, atomically, nothing
in check mode. ``bundle_dest`` serves services that want certificate, chain and key in one file
(HAProxy, some appliances); it is written 0600 because it holds the key. ``docker_volume`` and
``opnsense`` put the same pair into a named Docker volume and the OPNsense trust store
(``_cert_targets``), under the same rules. ``state: absent`` removes the destination files (the source
pair is not needed then and stays); the volume and the OPNsense store are not undone this way.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    cert_pem,
    load_certs,
    load_key,
    read_bytes,
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
from ansible_collections.homelab.iac.plugins.module_utils._cert_targets import (
    OPNSENSE_TARGET_ARGS,
    VOLUME_ARGS,
    OpnsenseTarget,
    VolumeTarget,
)

# Kept in step with the DOCUMENTATION of modules/cert_deploy.py.
DEPLOY_ARGS: dict[str, dict[str, Any]] = {
    **STATE_ARG,
    "cert_path": {"type": "path"},
    "key_path": {"type": "path"},
    "chain_path": {"type": "path"},
    "cert_dest": {"type": "path"},
    "key_dest": {"type": "path"},
    "fullchain_dest": {"type": "path"},
    "bundle_dest": {"type": "path"},
    "docker_volume": {"type": "dict", "options": VOLUME_ARGS},
    "opnsense": {"type": "dict", "options": OPNSENSE_TARGET_ARGS},
    **FILE_ARGS,
}
DESTINATIONS = ("cert_dest", "key_dest", "fullchain_dest", "bundle_dest")
TARGETS = (*DESTINATIONS, "docker_volume", "opnsense")
DEPLOY_REQUIRED_IF = [("state", "present", ("cert_path", "key_path"))]


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
    deploy = CertModule(DEPLOY_ARGS, required_one_of=[TARGETS], required_if=DEPLOY_REQUIRED_IF)
    params = deploy.params
    if params["state"] == "absent":
        _remove(deploy)
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
        key_bytes = read_bytes(params["key_path"])
        full = b"".join(cert_pem(cert) for cert in [leaf, *chain])
        files = deploy.files()
        files.add(params["cert_dest"], cert_pem(leaf), mode)
        files.add(params["fullchain_dest"], full, mode)
        files.add(params["key_dest"], key_bytes, KEY_MODE)
        files.add(params["bundle_dest"], full + key_bytes, KEY_MODE)
        changed_files = files.apply()
        volume = _deploy_volume(params["docker_volume"], deploy.check_mode, mode, leaf, full, key_bytes)
        opnsense = None
        if params["opnsense"]:
            opnsense = OpnsenseTarget(params["opnsense"], deploy.check_mode)
            opnsense.apply(full.decode(), key_bytes.decode())
    except CertError as exc:
        deploy.fail(str(exc))
    certificate = cert_facts(leaf, params["cert_path"])
    certificate["public_key"] = public_key_fingerprint(key)
    after = {
        option: cert_facts(leaf, params[option]) for option in DESTINATIONS if params[option] and option != "key_dest"
    }
    result: dict[str, Any] = {"files": changed_files, "certificate": certificate, "chain_length": len(chain)}
    changed = bool(changed_files)
    if volume is not None:
        result["docker_volume"] = {"name": volume.params["name"], "files": volume.changed, "created": volume.created}
        changed = changed or bool(volume.changed)
        if volume.changed:
            before["docker_volume"] = {"name": volume.params["name"], "files": volume.changed}
            after["docker_volume"] = {"name": volume.params["name"], "files": volume.changed,
                                      "certificate": certificate["fingerprint_sha256"]}  # fmt: skip
    if opnsense is not None:
        result["opnsense"] = opnsense.facts()
        changed = changed or opnsense.changed
        if opnsense.changed:
            before["opnsense"] = {"description": opnsense.params["description"], "present": opnsense.action != "create"}
            after["opnsense"] = {
                "description": opnsense.params["description"],
                "present": True,
                "certificate": certificate["fingerprint_sha256"],
                "public_key": certificate["public_key"],
                "haproxy_frontends_added": opnsense.frontends_changed,
            }
    deploy.exit(changed, before, after, **result)


def _remove(deploy: CertModule) -> NoReturn:
    """state=absent: remove the destination files (gone already: nothing changes)."""
    params = deploy.params
    others = [option for option in ("docker_volume", "opnsense") if params[option]]
    if others:
        deploy.fail(f"state=absent removes the file destinations only; drop {' and '.join(others)} from the task "
                    "(remove the volume with homelab.iac.docker_volume, the OPNsense certificate in the web UI)")
    paths = [params[option] for option in DESTINATIONS]

    def facts() -> dict[str, Any]:
        shown = {}
        for option in DESTINATIONS:
            existing = load_certs(params[option]) if params[option] and option != "key_dest" else []
            if existing:
                shown[option] = cert_facts(existing[0], params[option])
        return shown

    before, removed = deploy.remove_files(paths, facts)
    deploy.exit(bool(removed), before, {"files": []}, files=removed, certificate={}, chain_length=0)


def _deploy_volume(
    params: dict[str, Any] | None, check_mode: bool, mode: int, leaf: Any, full: bytes, key_bytes: bytes
) -> VolumeTarget | None:
    """Put the pair into the files ``docker_volume`` names (None when it names none)."""
    if not params:
        return None
    volume = VolumeTarget(params, check_mode)
    volume.add(params["cert"], cert_pem(leaf), mode)
    volume.add(params["fullchain"], full, mode)
    volume.add(params["key"], key_bytes, KEY_MODE)
    volume.add(params["bundle"], full + key_bytes, KEY_MODE)
    volume.apply()
    return volume
