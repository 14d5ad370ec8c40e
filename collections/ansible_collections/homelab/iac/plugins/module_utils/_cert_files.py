# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Keys and certificates on disk for the cert modules: load, compare, write atomically with modes.

Private keys are written 0600 from the start (created private, never world-readable for an
instant); certificates default to 0644. A file is rewritten only when its bytes or mode differ,
so every cert module can report ``changed`` honestly and stay idempotent.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import traceback
from typing import Any

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None


class CertError(Exception):
    """A refusal or failure shown to the user as is."""


def require_cryptography() -> None:
    if CRYPTOGRAPHY_IMPORT_ERROR is not None:
        raise CertError("the Python library cryptography (>= 42.0) is required by the homelab.iac cert modules")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def generate_key(key_type: str = "ec") -> Any:
    """A new private key: EC P-256 (default) or RSA 2048."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: Any) -> bytes:
    """PKCS#8 PEM, unencrypted (what acme's make_csr and most services expect)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def read_bytes(path: str) -> bytes:
    """The bytes of the file at ``path``, as they are on disk."""
    with open(path, "rb") as handle:
        return handle.read()


def load_key(path: str) -> Any | None:
    """The private key at ``path``, or None when the file is missing."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CertError(f"{path} is not an unencrypted PEM private key: {exc}") from None


def load_certs(path: str) -> list[Any]:
    """Every certificate in the PEM file at ``path`` (empty when missing)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return []
    try:
        return list(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise CertError(f"{path} does not hold PEM certificates: {exc}") from None


def cert_pem(cert: Any) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def same_key(cert: Any, key: Any) -> bool:
    """True when ``cert`` carries the public half of ``key``."""
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return bool(cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt))


def dns_names(cert: Any) -> list[str]:
    """The certificate's DNS and IP SANs as sorted strings."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names = [str(name) for name in san.get_values_for_type(x509.DNSName)]
    names += [str(address) for address in san.get_values_for_type(x509.IPAddress)]
    return sorted(names)


def remaining_days(cert: Any) -> float:
    return float((cert.not_valid_after_utc - now()).total_seconds() / 86400)


def file_differs(path: str, data: bytes, mode: int) -> bool:
    """True when writing ``data`` with ``mode`` to ``path`` would change something."""
    try:
        with open(path, "rb") as handle:
            current = handle.read()
        current_mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return True
    return current != data or current_mode != mode


def _ids(owner: str | None, group: str | None) -> tuple[int, int]:
    import grp
    import pwd

    try:
        return (pwd.getpwnam(owner).pw_uid if owner else -1, grp.getgrnam(group).gr_gid if group else -1)
    except KeyError as exc:
        raise CertError(f"unknown owner or group: {exc}") from None


def ownership_differs(path: str, owner: str | None, group: str | None) -> bool:
    uid, gid = _ids(owner, group)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return True
    return (uid != -1 and stat.st_uid != uid) or (gid != -1 and stat.st_gid != gid)


def write_file(path: str, data: bytes, mode: int, owner: str | None = None, group: str | None = None) -> bool:
    """Write atomically (temp file in the same directory, then rename); True when something changed."""
    if not file_differs(path, data, mode) and not ownership_differs(path, owner, group):
        return False
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if owner is not None or group is not None:
            os.chown(tmp, *_ids(owner, group))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
