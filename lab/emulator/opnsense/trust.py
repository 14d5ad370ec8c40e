"""The certificate store, System > Trust > Certificates (``/api/trust/cert/*``).

Modelled on opnsense/core (24.7+): ``C/Trust/Api/CertController.php`` (setBaseHook per action,
search columns, delete with checkAndThrowValueInUse), ``M/Trust/Cert.xml`` (stored vs. volatile
fields) and ``M/Trust/FieldTypes/CertificatesField.php`` (what is derived on load).

Items live in ``config.cert`` (the model mounts ``/cert+``) with what config.xml stores: ``refid``,
``descr``, ``caref`` and the base64 ``crt``/``csr``/``prv``. Everything else a client sees is
volatile, derived on every load: ``crt_payload``/``prv_payload`` (the decoded PEM), the subject
fields, ``valid_from``/``valid_to``, ``in_use`` and ``action``. A write names an ``action``; the
lab models ``import`` (a PEM certificate, optionally its key) and ``manual`` (replace the
certificate text). The generating actions (``internal``, ``external``, ``sign_csr``, ``reissue``,
``import_csr``) need the firewall's own CA tooling and are refused with a "Certificate error", so
a client that forgets ``action`` on ``setCert`` (the loaded item then says ``reissue``) notices.
Other config sections refer to a certificate by ``refid`` (HAProxy ``ssl_certificates``), and
deleting a referenced certificate is refused ("Item in use by", HTTP 500).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lab.emulator.opnsense.core import Appliance, Call, Router, UserError
from lab.emulator.opnsense.fields import Option, Text, split_csv
from lab.emulator.opnsense.model import Collection, Item

__all__ = ["CERTS", "cert_names", "register"]

ACTIONS = {
    "internal": "Create an internal Certificate",
    "external": "Create a Certificate Signing Request",
    "import": "Import an existing Certificate",
    "sign_csr": "Sign a Certificate Signing Request",
    "import_csr": "Import certificate (signed by CA)",
    "reissue": "Reissue and replace certificate (does not restart services)",
    "manual": "Manual",
}
#: Search columns of CertController::searchAction.
COLUMNS = ("refid", "descr", "caref", "rfc3280_purpose", "name", "valid_from", "valid_to", "in_use")


def _decode(value: str) -> str:
    try:
        return base64.b64decode(value).decode() if value else ""
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _parse(pem: str) -> x509.Certificate | None:
    """The first certificate of a PEM text (Store::parseX509 reads only the first), or None."""
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None


def _valid_key(pem: str) -> bool:
    try:
        serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        return False
    return True


def cert_names(app: Appliance) -> dict[str, str]:
    """refid → description of every certificate: the options of a CertificateField."""
    return {item.get("refid", ""): item.get("descr", "") for item in app.config.get("cert", {}).values()}


def _users(app: Appliance, refid: str) -> list[str]:
    """Where the config refers to ``refid`` outside the certificate store (checkAndThrowValueInUse)."""
    users = []
    for uuid, frontend in app.config.get("haproxy", {}).get("frontends", {}).items():
        if any(refid in split_csv(str(value)) for value in frontend.values()):
            users.append(f"HAProxy - {frontend.get('name')} {{haproxy.frontends.frontend.{uuid}}}")
    return users


class CertCollection(Collection):
    """``cert`` items of the Trust\\Cert model."""

    key = "cert"
    section = ("cert",)
    sort = "descr"
    fields = {
        "refid": Text(),
        "descr": Text(required=True),
        "caref": Option(lambda app: {}, blank="self-signed"),
        "crt": Text(),
        "csr": Text(),
        "prv": Text(),
    }

    def prepare(self, app: Appliance, uuid: str, item: Item, posted: dict[str, Any], is_new: bool) -> None:
        """CertController::setBaseHook: refid, the key, then what ``action`` asks for."""
        if not item.get("refid"):
            item["refid"] = secrets.token_hex(7)[:13]  # PHP uniqid(): 13 hex digits
        crt_payload = str(posted.get("crt_payload") or "")
        prv_payload = str(posted.get("prv_payload") or "")
        if prv_payload.strip():
            item["prv"] = base64.b64encode(prv_payload.encode()).decode()
        action = str(posted.get("action") or ("internal" if is_new else self._derived_action(item)))
        if action not in ACTIONS:
            raise UserError("Option not in list.", "Certificate error")
        if action == "import":
            if _parse(crt_payload) is None:
                raise UserError("Invalid X509 certificate provided", "Certificate error")
            item["crt"] = base64.b64encode(crt_payload.encode()).decode()
            if prv_payload.strip() and not _valid_key(prv_payload):
                raise UserError("Invalid private key provided", "Certificate error")
        elif action == "manual":
            if crt_payload:
                item["crt"] = base64.b64encode(crt_payload.encode()).decode()
        else:
            raise UserError(
                f"action {action!r} needs the firewall's certificate tooling, which the lab emulator does not model "
                "(use import or manual)",
                "Certificate error",
            )

    @staticmethod
    def _derived_action(item: Item) -> str:
        """What a loaded item's ``action`` says (CertificatesField::actionPostLoadingEvent)."""
        if item.get("csr") and item.get("prv"):
            return "import_csr"
        if item.get("csr"):
            return "sign_csr"
        if item.get("crt") and item.get("prv"):
            return "reissue"
        return "manual" if item.get("crt") else "internal"

    def before_delete(self, app: Appliance, uuid: str, item: Item) -> None:
        users = _users(app, item.get("refid", ""))
        if users:
            raise UserError(", ".join(users), "Item in use by")

    def volatile(self, app: Appliance, item: Item) -> dict[str, str]:
        """The fields derived on load from the stored certificate."""
        crt_payload = _decode(item.get("crt", ""))
        cert = _parse(crt_payload) if crt_payload else None
        values = {
            "action": self._derived_action(item),
            "crt_payload": crt_payload,
            "csr_payload": _decode(item.get("csr", "")),
            "prv_payload": _decode(item.get("prv", "")),
            "commonname": "",
            "altnames_dns": "",
            "altnames_ip": "",
            "name": "",
            "rfc3280_purpose": "",
            "valid_from": "",
            "valid_to": "",
            "in_use": "1" if _users(app, item.get("refid", "")) else "0",
        }
        if cert is not None:
            common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            values["commonname"] = str(common[0].value) if common else ""
            values["name"] = cert.subject.rfc4514_string()
            values["valid_from"] = str(int(cert.not_valid_before_utc.timestamp()))
            values["valid_to"] = str(int(cert.not_valid_after_utc.timestamp()))
            try:
                san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                values["altnames_dns"] = "\n".join(san.get_values_for_type(x509.DNSName))
                values["altnames_ip"] = "\n".join(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
            except x509.ExtensionNotFound:
                pass
            try:
                usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
                if ExtendedKeyUsageOID.SERVER_AUTH in usage:
                    values["rfc3280_purpose"] = "Server Authentication"
            except x509.ExtensionNotFound:
                pass
        return values

    def render(self, app: Appliance, item: Item) -> dict[str, Any]:
        rendered = super().render(app, item)
        volatile = self.volatile(app, item)
        action = volatile.pop("action")
        rendered["action"] = Option(ACTIONS, required=True).render(action, app)
        rendered.update(volatile)
        return rendered

    def row(self, app: Appliance, uuid: str, item: Item) -> dict[str, Any]:
        values = {**item, **self.volatile(app, item)}
        return {"uuid": uuid, **{column: values.get(column, "") for column in COLUMNS}}


CERTS = CertCollection()


def register(router: Router) -> None:
    CERTS.register(router, "trust", "cert", "", toggle=False, search="search")
    router.add("trust", "cert", "caList", _ca_list)


def _ca_list(app: Appliance, call: Call) -> dict[str, Any]:
    authorities = app.config.get("ca", {}).values()
    rows = [{"caref": item.get("refid", ""), "descr": item.get("descr", "")} for item in authorities]
    return {"rows": rows, "count": len(rows)}
