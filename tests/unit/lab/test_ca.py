"""The lab CA: created once, reused, and trusted by clients for 127.0.0.1 and localhost."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from lab.ca import ensure_ca, ensure_server_certificate, issue_server_certificate


def _handshake(ca_cert: Path, cert: Path, key: Path, server_name: str) -> None:
    """A full TLS handshake in memory: raises ssl.SSLCertVerificationError if the client refuses."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(ca_cert))
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=server_name)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, side in (("client", client), ("server", server)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return
    raise AssertionError("handshake did not finish")


def test_ca_key_is_private_and_the_ca_is_reused(tmp_path: Path) -> None:
    first = ensure_ca(tmp_path / "ca")
    assert stat.S_IMODE(first.key_path.stat().st_mode) == 0o600
    second = ensure_ca(tmp_path / "ca")
    assert second.cert == first.cert
    assert first.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


@pytest.mark.parametrize("server_name", ["127.0.0.1", "localhost"])
def test_a_client_trusting_the_lab_ca_accepts_the_server_certificate(tmp_path: Path, server_name: str) -> None:
    ca = ensure_ca(tmp_path / "ca")
    server = ensure_server_certificate(ca)
    assert stat.S_IMODE(server.key_path.stat().st_mode) == 0o600
    _handshake(ca.cert_path, server.cert_path, server.key_path, server_name)


def test_a_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    ca = ensure_ca(tmp_path / "ca")
    server = issue_server_certificate(ca, tmp_path / "s.crt", tmp_path / "s.key", ["127.0.0.1"])
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ca.cert_path, server.cert_path, server.key_path, "example.org")


def test_server_certificate_is_reused_until_the_ca_changes(tmp_path: Path) -> None:
    ca = ensure_ca(tmp_path / "ca")
    first = ensure_server_certificate(ca).cert_path.read_bytes()
    assert ensure_server_certificate(ca).cert_path.read_bytes() == first

    # A new CA (its files removed and regenerated) invalidates the old server certificate.
    ca.cert_path.unlink()
    ca.key_path.unlink()
    new_ca = ensure_ca(tmp_path / "ca")
    reissued = ensure_server_certificate(new_ca)
    assert reissued.cert_path.read_bytes() != first
    _handshake(new_ca.cert_path, reissued.cert_path, reissued.key_path, "127.0.0.1")
