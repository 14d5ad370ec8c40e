# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""Building and judging X.509 certificates for the internal CA (cert_ca) and its leaves (cert_issue).

Every ``*_problem`` function answers one question: why the certificate on disk cannot be kept
(None when it can). The modules reissue exactly when one of them answers, which is what makes
them idempotent: subject, SANs, key, issuer signature and the renewal window are compared, never
the serial or the validity dates themselves.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    dns_names,
    generate_key,
    now,
    remaining_days,
    same_key,
)

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # reported by require_cryptography() before anything here runs
    pass

# Backdated so a client whose clock is a little behind accepts a fresh certificate.
CLOCK_SKEW = dt.timedelta(minutes=5)
USAGES = {"server_auth": "SERVER_AUTH", "client_auth": "CLIENT_AUTH"}


def subject_name(common_name: str, organization: str | None = None) -> Any:
    """An X.509 name of CN (and O when given)."""
    if not common_name or len(common_name) > 64:
        raise CertError(f"common_name {common_name!r} must be 1 to 64 characters")
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def normalise_names(names: list[str]) -> list[str]:
    """SANs as sorted, deduplicated strings: IP addresses canonical, DNS names lower-case."""
    result = set()
    for raw in names:
        name = str(raw).strip().rstrip(".")
        try:
            result.add(str(ipaddress.ip_address(name)))
        except ValueError:
            if not name or " " in name or len(name) > 253:
                raise CertError(f"name {raw!r} is neither a DNS name nor an IP address") from None
            result.add(name.lower())
    return sorted(result)


def _general_names(names: list[str]) -> list[Any]:
    general: list[Any] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return general


def key_type_of(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "rsa"
    return "ec" if isinstance(key, ec.EllipticCurvePrivateKey) else "other"


def key_for(existing: Any, key_type: str) -> tuple[Any, str | None]:
    """The existing key when it has the wanted type, else a new one and why it was made."""
    if existing is None:
        return generate_key(key_type), "the private key does not exist"
    if key_type_of(existing) != key_type:
        return generate_key(key_type), f"the private key is {key_type_of(existing)}, not {key_type}"
    return existing, None


def signed_by(cert: Any, issuer: Any) -> bool:
    """True when ``issuer`` issued ``cert`` (name and signature)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(cert: Any) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _window_problem(cert: Any, window_days: int) -> str | None:
    left = remaining_days(cert)
    if left < window_days:
        return f"{max(left, 0):.1f} days left, inside the {window_days}-day renewal window"
    return None


def ca_problem(cert: Any, key: Any, subject: Any, issuer: Any | None, window_days: int) -> str | None:
    """Why a CA certificate cannot be kept; ``issuer`` None means it must be self-signed."""
    if cert is None:
        return "the CA certificate does not exist"
    if not _is_ca(cert):
        return "the certificate is not a CA (basicConstraints CA:FALSE)"
    if cert.subject != subject:
        return f"the subject is {cert.subject.rfc4514_string()}, not {subject.rfc4514_string()}"
    if not same_key(cert, key):
        return "the certificate does not match the private key"
    if not signed_by(cert, issuer if issuer is not None else cert):
        return "the certificate is not signed by " + ("the root CA" if issuer is not None else "its own key")
    return _window_problem(cert, window_days)


def build_ca(
    key: Any, subject: Any, valid_days: int, issuer_cert: Any | None = None, issuer_key: Any | None = None
) -> Any:
    """A root CA (self-signed) or, with an issuer, an intermediate limited to issuing leaves."""
    start = now() - CLOCK_SKEW
    issuer_name = issuer_cert.subject if issuer_cert is not None else subject
    signer = issuer_key if issuer_key is not None else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0 if issuer_cert is not None else None), True)
        .add_extension(_key_usage(ca=True), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), False
        )
    return builder.sign(signer, hashes.SHA256())


def _key_usage(ca: bool, rsa_key: bool = False) -> Any:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=rsa_key and not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def leaf_usages(cert: Any) -> list[str]:
    try:
        oids = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return []
    by_oid = {getattr(ExtendedKeyUsageOID, attr): name for name, attr in USAGES.items()}
    return sorted(by_oid.get(oid, oid.dotted_string) for oid in oids)


def leaf_problem(
    cert: Any, key: Any, ca_cert: Any, subject: Any, names: list[str], usages: list[str], window_days: int
) -> str | None:
    """Why a leaf certificate cannot be kept."""
    if cert is None:
        return "the certificate does not exist"
    if not signed_by(cert, ca_cert):
        return f"the certificate is not issued by {ca_cert.subject.rfc4514_string()}"
    if cert.subject != subject:
        return f"the subject is {cert.subject.rfc4514_string()}, not {subject.rfc4514_string()}"
    if dns_names(cert) != names:
        return f"the names are {', '.join(dns_names(cert)) or 'none'}, not {', '.join(names)}"
    if not same_key(cert, key):
        return "the certificate does not match the private key"
    if leaf_usages(cert) != sorted(usages):
        return f"the extended key usages are {', '.join(leaf_usages(cert)) or 'none'}, not {', '.join(sorted(usages))}"
    return _window_problem(cert, window_days)


def build_leaf(
    key: Any, subject: Any, names: list[str], usages: list[str], valid_days: int, ca_cert: Any, ca_key: Any
) -> Any:
    """A leaf certificate for ``names`` signed by the CA."""
    start = now() - CLOCK_SKEW
    not_after = min(start + dt.timedelta(days=valid_days), ca_cert.not_valid_after_utc)
    eku = [getattr(ExtendedKeyUsageOID, USAGES[usage]) for usage in usages]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(_key_usage(ca=False, rsa_key=key_type_of(key) == "rsa"), True)
        .add_extension(x509.ExtendedKeyUsage(eku), False)
        .add_extension(x509.SubjectAlternativeName(_general_names(names)), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), False)
    )
    return builder.sign(ca_key, hashes.SHA256())
