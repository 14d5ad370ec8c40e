"""When the internal CA and its leaves are kept or reissued (no files, no network)."""

from __future__ import annotations

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._cert_files import CertError, generate_key
from ansible_collections.homelab.iac.plugins.module_utils._cert_module import FilePlan, parse_mode
from ansible_collections.homelab.iac.plugins.module_utils._cert_x509 import (
    build_ca,
    build_leaf,
    ca_problem,
    key_for,
    leaf_problem,
    normalise_names,
    subject_name,
)

ROOT = subject_name("Root", "Lab")
NAMES = ["127.0.0.1", "www.lab.test"]


@pytest.fixture(scope="module")
def root() -> tuple:
    key = generate_key("ec")
    return build_ca(key, ROOT, 3650), key


def _leaf(root: tuple, key=None, names=None, days=365):
    key = key or generate_key("ec")
    names = names or NAMES
    cert = build_leaf(key, subject_name(names[-1]), names, ["server_auth"], days, *root)
    return cert, key


def test_a_fresh_root_is_kept(root: tuple) -> None:
    cert, key = root
    assert ca_problem(cert, key, ROOT, None, 90) is None


def test_a_root_is_replaced_for_subject_key_or_window(root: tuple) -> None:
    cert, key = root
    assert "subject" in ca_problem(cert, key, subject_name("Other"), None, 90)
    assert "private key" in ca_problem(cert, generate_key("ec"), ROOT, None, 90)
    assert "renewal window" in ca_problem(build_ca(key, ROOT, 30), key, ROOT, None, 90)


def test_an_intermediate_of_another_root_is_reissued(root: tuple) -> None:
    other_key = generate_key("ec")
    other_root = build_ca(other_key, ROOT, 3650)
    inter_key = generate_key("ec")
    inter = build_ca(inter_key, subject_name("Issuing"), 1000, *root)
    assert ca_problem(inter, inter_key, subject_name("Issuing"), root[0], 90) is None
    assert "not signed by the root" in ca_problem(inter, inter_key, subject_name("Issuing"), other_root, 90)


def test_a_leaf_is_kept_until_names_key_issuer_or_window_change(root: tuple) -> None:
    cert, key = _leaf(root)
    subject = subject_name(NAMES[-1])
    assert leaf_problem(cert, key, root[0], subject, NAMES, ["server_auth"], 30) is None
    assert "names" in leaf_problem(cert, key, root[0], subject, [*NAMES, "b.lab.test"], ["server_auth"], 30)
    assert "private key" in leaf_problem(cert, generate_key("ec"), root[0], subject, NAMES, ["server_auth"], 30)
    assert "key usages" in leaf_problem(cert, key, root[0], subject, NAMES, ["client_auth"], 30)
    assert "renewal window" in leaf_problem(
        _leaf(root, key, days=10)[0], key, root[0], subject, NAMES, ["server_auth"], 30
    )
    stranger = build_ca(generate_key("ec"), ROOT, 3650)
    assert "not issued by" in leaf_problem(cert, key, stranger, subject, NAMES, ["server_auth"], 30)


def test_names_are_normalised_and_bad_ones_refused() -> None:
    assert normalise_names(["WWW.Lab.Test.", "::0:1", "www.lab.test"]) == ["::1", "www.lab.test"]
    with pytest.raises(CertError, match="neither a DNS name"):
        normalise_names(["bad name"])


def test_a_key_of_another_type_is_replaced() -> None:
    rsa_key = generate_key("rsa")
    assert key_for(rsa_key, "rsa") == (rsa_key, None)
    new, reason = key_for(rsa_key, "ec")
    assert new is not rsa_key and reason == "the private key is rsa, not ec"


def test_check_mode_file_plan_reports_but_writes_nothing(tmp_path) -> None:
    target = tmp_path / "x.pem"
    plan = FilePlan(check_mode=True)
    plan.add(str(target), b"data", 0o644)
    assert plan.apply() == [str(target)] and not target.exists()
    real = FilePlan(check_mode=False)
    real.add(str(target), b"data", parse_mode("0640"))
    assert real.apply() == [str(target)] and target.stat().st_mode & 0o777 == 0o640
    again = FilePlan(check_mode=False)
    again.add(str(target), b"data", 0o640)
    assert again.apply() == []


def test_an_rsa_leaf_may_encipher_keys_an_ec_leaf_not(root: tuple) -> None:
    from cryptography import x509

    rsa_cert = _leaf(root, generate_key("rsa"))[0]
    ec_cert = _leaf(root)[0]
    usage = x509.KeyUsage
    assert rsa_cert.extensions.get_extension_for_class(usage).value.key_encipherment
    assert not ec_cert.extensions.get_extension_for_class(usage).value.key_encipherment
