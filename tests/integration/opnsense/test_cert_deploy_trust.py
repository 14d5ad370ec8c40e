"""The OPNsense certificate store (``/api/trust/cert``) in the emulator, and homelab.iac.cert_deploy
putting a certificate there and onto an HAProxy frontend through ansible-playbook.

The API part pins the emulator to the real controller's shapes (opnsense/core Trust CertController): ``action: import``,
"Certificate error" refusals as HTTP 500, the derived ``crt_payload``/``prv_payload``, and the
in-use refusal for a certificate a frontend serves. The module part follows the usual rhythm:
check mode (no write call), create, rerun (no write call), reissue (update, HAProxy reconfigured).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.dns.playbook import run_tasks
from tests.integration.opnsense.conftest import Opnsense

pytestmark = pytest.mark.integration


def _self_signed(name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def _frontend(api: httpx.Client, name: str) -> str:
    body = {"frontend": {"name": name, "bind": "0.0.0.0:443", "mode": "http", "ssl_enabled": "1"}}
    answer = api.post("haproxy/settings/addFrontend", json=body).json()
    assert answer["result"] == "saved", answer
    return str(answer["uuid"])


def test_trust_cert_api(api: httpx.Client) -> None:
    tag = secrets.token_hex(3)
    crt, key = _self_signed(f"api-{tag}.lab.internal")
    refused = api.post("trust/cert/add", json={"cert": {"action": "import", "descr": "x", "crt_payload": "junk"}})
    assert refused.status_code == 500
    assert refused.json() == {"errorMessage": "Invalid X509 certificate provided", "errorTitle": "Certificate error"}
    missing = api.post("trust/cert/add", json={"cert": {"action": "import", "crt_payload": crt}}).json()
    assert missing == {"result": "failed", "validations": {"cert.descr": "A value is required."}}

    added = api.post("trust/cert/add", json={"cert": {"action": "import", "descr": f"api {tag}",
                                                      "crt_payload": crt, "prv_payload": key}}).json()  # fmt: skip
    assert added["result"] == "saved"
    cert = api.get(f"trust/cert/get/{added['uuid']}").json()["cert"]
    assert cert["crt_payload"] == crt and cert["prv_payload"] == key
    assert cert["commonname"] == f"api-{tag}.lab.internal" and len(cert["refid"]) == 13
    assert cert["action"]["reissue"]["selected"] == 1  # a stored pair loads as "reissue"
    rows = api.get("trust/cert/search", params={"searchPhrase": f"api {tag}"}).json()["rows"]
    assert [(row["uuid"], row["descr"], row["in_use"]) for row in rows] == [(added["uuid"], f"api {tag}", "0")]

    frontend = _frontend(api, f"fe-api-{tag}")
    linked = api.post(f"haproxy/settings/setFrontend/{frontend}", json={"frontend": {"ssl_certificates": cert["refid"]}})
    assert linked.json() == {"result": "saved"}
    in_use = api.post(f"trust/cert/del/{added['uuid']}")
    assert in_use.status_code == 500 and in_use.json()["errorTitle"] == "Item in use by"
    assert api.post(f"haproxy/settings/delFrontend/{frontend}").json() == {"result": "deleted"}
    assert api.post(f"trust/cert/del/{added['uuid']}").json() == {"result": "deleted"}
    assert api.get(f"trust/cert/get/{added['uuid']}").json() == []


def test_cert_deploy_into_trust_store_and_haproxy(
    opnsense: Opnsense, api: httpx.Client, lab_api: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = secrets.token_hex(3)
    frontend = _frontend(api, f"fe-{tag}")
    monkeypatch.setenv("OPNSENSE_API_KEY", opnsense.key)
    monkeypatch.setenv("OPNSENSE_API_SECRET", opnsense.secret)
    ca = {"common_name": "Trust Test CA", "cert_path": str(tmp_path / "ca.pem"), "key_path": str(tmp_path / "ca.key")}
    leaf = {"ca_cert_path": str(tmp_path / "ca.pem"), "ca_key_path": str(tmp_path / "ca.key"),
            "names": [f"www-{tag}.lab.internal"], "key_path": str(tmp_path / "www.key"),
            "cert_path": str(tmp_path / "www.pem"), "fullchain_path": str(tmp_path / "full.pem")}  # fmt: skip
    deploy = {"cert_path": str(tmp_path / "full.pem"), "key_path": str(tmp_path / "www.key"),
              "opnsense": {"api_url": opnsense.url, "ca_cert": opnsense.ca_cert, "description": f"www {tag}",
                           "haproxy_frontends": [f"fe-{tag}"]}}  # fmt: skip
    issue = [{"homelab.iac.cert_ca": ca}, {"homelab.iac.cert_issue": leaf}]

    lab_api.delete("/__lab/requests")
    run_tasks(tmp_path, [*issue, {"homelab.iac.cert_deploy": deploy, "check_mode": True, "register": "c0",
                                  "diff": True},
                         {"ansible.builtin.assert": {"that": ["c0 is changed", "c0.opnsense.action == 'create'",
                                                              "c0.opnsense.uuid is none"]}}])  # fmt: skip
    assert _writes(lab_api) == []

    output = run_tasks(tmp_path, [
        {"name": "deploy", "homelab.iac.cert_deploy": deploy, "register": "c1", "diff": True},
        {"ansible.builtin.assert": {"that": [
            "c1 is changed", "c1.opnsense.action == 'create'", f"c1.opnsense.haproxy_frontends_changed == ['fe-{tag}']",
            "c1.opnsense.applied == ['haproxy']", "c1.diff.after.opnsense.public_key.startswith('sha256:')",
        ]}},
    ])  # fmt: skip
    key_text = (tmp_path / "www.key").read_text()
    assert "PRIVATE KEY" not in output and key_text.splitlines()[1] not in output
    cert = _stored(api, f"www {tag}")
    assert cert["crt_payload"] == (tmp_path / "full.pem").read_text() and cert["prv_payload"] == key_text
    served = api.get(f"haproxy/settings/getFrontend/{frontend}").json()["frontend"]["ssl_certificates"]
    assert [refid for refid, option in served.items() if option["selected"]] == [cert["refid"]]
    assert lab_api.get("/__lab/state").json()["running"]["haproxy"]["frontends"][frontend]["ssl_certificates"]

    lab_api.delete("/__lab/requests")
    run_tasks(tmp_path, [{"homelab.iac.cert_deploy": deploy, "register": "c2"},
                         {"ansible.builtin.assert": {"that": ["c2 is not changed", "c2.opnsense.action == 'noop'",
                                                              "c2.opnsense.applied == []"]}}])  # fmt: skip
    assert _writes(lab_api) == []

    run_tasks(tmp_path, [{"homelab.iac.cert_issue": {**leaf, "names": [f"www-{tag}.lab.internal", "alt.lab.internal"]}},
                         {"homelab.iac.cert_deploy": deploy, "register": "c3"},
                         {"ansible.builtin.assert": {"that": ["c3 is changed", "c3.opnsense.action == 'update'",
                                                              "c3.opnsense.haproxy_frontends_changed == []",
                                                              "c3.opnsense.applied == ['haproxy']"]}}])  # fmt: skip
    updated = _stored(api, f"www {tag}")
    assert updated["uuid"] == cert["uuid"] and updated["refid"] == cert["refid"]
    assert "alt.lab.internal" in updated["altnames_dns"].split("\n")


def _stored(api: httpx.Client, description: str) -> dict:
    rows = [row for row in api.get("trust/cert/search").json()["rows"] if row["descr"] == description]
    assert len(rows) == 1
    return {"uuid": rows[0]["uuid"], **api.get(f"trust/cert/get/{rows[0]['uuid']}").json()["cert"]}


def _writes(lab_api: httpx.Client) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in lab_api.get("/__lab/requests").json()["requests"]
            if r["method"] != "GET"]  # fmt: skip

