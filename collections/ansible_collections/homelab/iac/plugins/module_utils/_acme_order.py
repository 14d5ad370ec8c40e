# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""ACME DNS-01 issuance with certbot's ``acme`` library, publishing challenges via any DNS provider.

Flow (shared/reference/dns-and-certs.md §6): reuse or create the account key, find or register
the account (a known key answers ``ConflictError`` with the account URL), order, publish one TXT
per pending DNS-01 challenge (a wildcard and its base name share ``_acme-challenge.<base>``, so
values are added, never replaced), answer, poll and finalize. Every TXT published is removed in a
``finally``, so a rejected order leaves no stray challenge record behind.

The renewal decision needs no network: ``needs_order`` reads the files on disk.
"""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.homelab.iac.plugins.module_utils._cert_files import (
    CertError,
    dns_names,
    load_certs,
    load_key,
    remaining_days,
    same_key,
)
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    DnsError,
    DnsProvider,
    DnsRecord,
    RecordSpec,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Reconciler

try:
    import josepy
    from acme import challenges, client, crypto_util, errors, messages
except ImportError:
    ACME_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    ACME_IMPORT_ERROR = None

CHALLENGE_TTL = 60


def needs_order(names: list[str], cert_path: str, key_path: str, remaining: int, force: bool) -> str | None:
    """Why a new order is needed (missing file, other names, other key, renewal window), or None."""
    if force:
        return "force"
    certs = load_certs(cert_path)
    if not certs:
        return f"{cert_path} does not exist"
    key = load_key(key_path)
    if key is None:
        return f"{key_path} does not exist"
    leaf = certs[0]
    if dns_names(leaf) != sorted(names):
        return f"names differ: {', '.join(dns_names(leaf))}"
    if not same_key(leaf, key):
        return "the certificate does not match the private key"
    days = remaining_days(leaf)
    if days < remaining:
        return f"{days:.1f} days left, inside the {remaining}-day renewal window"
    return None


@dataclass
class OrderResult:
    """What an order produced."""

    fullchain_pem: str
    account_uri: str
    published: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)


class AcmeDns01:
    """One account at one ACME directory; orders certificates with DNS-01 through ``provider``."""

    def __init__(
        self,
        directory_url: str,
        account_key: Any,
        verify: bool | str,
        email: str | None,
        provider: DnsProvider | None,
        timeout: int = 30,
    ) -> None:
        if ACME_IMPORT_ERROR is not None:
            raise CertError("the Python libraries acme (>= 2.0) and josepy are required by cert_acme")
        self.provider = provider
        self.email = email
        self.jwk = josepy.JWKEC(key=account_key) if _is_ec(account_key) else josepy.JWKRSA(key=account_key)
        alg = josepy.ES256 if _is_ec(account_key) else josepy.RS256
        self.net = client.ClientNetwork(self.jwk, alg=alg, user_agent="homelab-iac", verify_ssl=verify, timeout=timeout)
        try:
            directory = client.ClientV2.get_directory(directory_url, self.net)
        except Exception as exc:  # requests and acme raise many kinds here; all mean "no directory"
            raise CertError(f"cannot read the ACME directory {directory_url}: {exc}") from None
        self.acme = client.ClientV2(directory, self.net)

    def account(self) -> str:
        """The account URL: registered on first use, found again from the key afterwards."""
        registration = messages.NewRegistration.from_data(email=self.email, terms_of_service_agreed=True)
        try:
            regr = self.acme.new_account(registration)
        except errors.ConflictError as exc:
            # The key already has an account; look it up rather than registering anew.
            regr = self.acme.query_registration(
                messages.RegistrationResource(uri=exc.location, body=messages.Registration())
            )
        except messages.Error as exc:
            raise CertError(f"the ACME server refused the account: {exc}") from None
        return str(regr.uri)

    def revoke(self, certificate: Any) -> str:
        """Revoke ``certificate`` (reason unspecified) as the account of this key; returns the account URL."""
        account_uri = self.account()
        try:
            self.acme.revoke(certificate, 0)
        except messages.Error as exc:
            if "alreadyRevoked" not in str(exc.typ or ""):
                raise CertError(f"the ACME server refused to revoke the certificate: {exc}") from None
        return account_uri

    def order(self, names: list[str], key_pem: bytes, deadline_seconds: int = 90) -> OrderResult:
        """Order a certificate for ``names`` with the certificate key ``key_pem``."""
        if self.provider is None:
            raise CertError("ordering needs a DNS provider for the DNS-01 challenges (provider)")
        account_uri = self.account()
        csr = crypto_util.make_csr(key_pem, names)
        try:
            orderr = self.acme.new_order(csr)
        except messages.Error as exc:
            raise CertError(f"the ACME server refused the order for {', '.join(names)}: {exc}") from None
        published: list[RecordSpec] = []
        result = OrderResult("", account_uri)
        try:
            answers = []
            for authzr in orderr.authorizations:
                if authzr.body.status == messages.STATUS_VALID:
                    continue  # reused authorization (Let's Encrypt and Pebble may do this)
                domain = authzr.body.identifier.value
                challb = next((c for c in authzr.body.challenges if isinstance(c.chall, challenges.DNS01)), None)
                if challb is None:
                    raise CertError(f"the ACME server offers no dns-01 challenge for {domain}")
                response, validation = challb.response_and_validation(self.jwk)
                spec = RecordSpec("TXT", challb.chall.validation_domain_name(domain), validation, ttl=self._ttl())
                published.append(spec)
                Reconciler(DnsRecord(self.provider, spec), False).run("present")
                result.published.append(spec.name)
                answers.append((challb, response))
            for challb, response in answers:
                self.acme.answer_challenge(challb, response)
            deadline = dt.datetime.now() + dt.timedelta(seconds=deadline_seconds)
            try:
                final = self.acme.poll_and_finalize(orderr, deadline=deadline)
            except errors.ValidationError as exc:
                raise CertError(f"the ACME server rejected the challenge: {_validation_detail(exc)}") from None
            except (errors.TimeoutError, errors.IssuanceError, messages.Error) as exc:
                raise CertError(f"the ACME order failed: {exc}") from None
            result.fullchain_pem = final.fullchain_pem
        finally:
            result.cleaned = self._clean(published)
        return result

    def _ttl(self) -> int | None:
        return CHALLENGE_TTL if "ttl" in self.provider.supports else None

    def _clean(self, published: list[RecordSpec]) -> list[str]:
        cleaned = []
        for spec in published:
            try:
                Reconciler(DnsRecord(self.provider, spec), False).run("absent")
                cleaned.append(spec.name)
            except DnsError:
                continue  # reported by the caller through the missing name in ``cleaned``
        return cleaned


def _is_ec(key: Any) -> bool:
    return type(key).__name__.startswith("_EllipticCurvePrivateKey") or hasattr(key, "curve")


def _validation_detail(exc: Any) -> str:
    details = []
    for authzr in getattr(exc, "failed_authzrs", []):
        for challb in authzr.body.challenges:
            if challb.error is not None:
                details.append(f"{authzr.body.identifier.value}: {challb.error.detail or challb.error.typ}")
    return "; ".join(details) or str(exc)
