# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The dns modules' client base: shared connection options, the provider, and the record loop.

``dns_record`` is a batch of one; ``dns_batch``, ``dns_split_horizon`` and ``dns_ddns`` reuse the
same ``apply_records`` so every record goes through one reconcile path (read, compare, write only
on difference, check mode in one guard). ``exclusive`` removes the other records of a type + name
(what DDNS and single-answer names need); ``state: absent`` without a value removes them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from ansible.module_utils.basic import env_fallback
from ansible_collections.homelab.iac.plugins.module_utils._batch import (
    BatchItemError,
    BatchRun,
    finish_batch,
    item_result,
)
from ansible_collections.homelab.iac.plugins.module_utils._client import ModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import (
    RECORD_TYPES,
    DnsError,
    DnsProvider,
    DnsRecord,
    ObservedRecord,
    RecordSpec,
    fqdn,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Reconciler

PROVIDERS = ("cloudflare", "rfc2136", "opnsense_unbound")

# Kept in step with doc_fragments/_dns.py.
DNS_COMMON_ARGS: dict[str, dict[str, Any]] = {
    "provider": {"type": "str", "choices": list(PROVIDERS), "fallback": (env_fallback, ["DNS_PROVIDER"])},
    "zone": {"type": "str"},
    "cloudflare_api_token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["CLOUDFLARE_API_TOKEN"])},
    "cloudflare_base_url": {"type": "str", "fallback": (env_fallback, ["CLOUDFLARE_BASE_URL"])},
    "cloudflare_ca_cert": {"type": "path", "fallback": (env_fallback, ["CLOUDFLARE_CA_CERT"])},
    "server": {"type": "str", "fallback": (env_fallback, ["DNS_SERVER"])},
    "port": {"type": "int", "default": 53, "fallback": (env_fallback, ["DNS_PORT"])},
    "key_name": {"type": "str", "no_log": False, "fallback": (env_fallback, ["DNS_TSIG_KEY_NAME"])},
    "key_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["DNS_TSIG_KEY_SECRET"])},
    "key_algorithm": {"type": "str", "default": "hmac-sha256", "fallback": (env_fallback, ["DNS_TSIG_KEY_ALGORITHM"])},
    "protocol": {"type": "str", "default": "tcp", "choices": ["tcp", "udp"]},
    "opnsense_api_url": {"type": "str", "fallback": (env_fallback, ["OPNSENSE_URL"])},
    "opnsense_api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["OPNSENSE_API_KEY"])},
    "opnsense_api_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["OPNSENSE_API_SECRET"])},
    "opnsense_ca_cert": {"type": "path", "fallback": (env_fallback, ["OPNSENSE_CA_CERT"])},
    "timeout": {"type": "int", "default": 30},
}

RECORD_ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "type": {"type": "str", "default": "A", "choices": list(RECORD_TYPES)},
    "value": {"type": "str"},
    "ttl": {"type": "int"},
    "proxied": {"type": "bool"},
    "comment": {"type": "str"},
    "priority": {"type": "int"},
    "exclusive": {"type": "bool", "default": False},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
}


def provider_from_params(params: dict[str, Any], check_mode: bool, zone: str | None = None) -> DnsProvider:
    """Build the provider named by ``provider`` from the connection options."""
    kind = params.get("provider")
    zone = zone or params.get("zone")
    if kind == "cloudflare":
        from ansible_collections.homelab.iac.plugins.module_utils._cloudflare_provider import CloudflareProvider

        return CloudflareProvider(
            params.get("cloudflare_api_token") or "",
            base_url=params.get("cloudflare_base_url"),
            ca_cert=params.get("cloudflare_ca_cert"),
            timeout=params.get("timeout") or 30,
            zone=zone,
        )
    if kind == "rfc2136":
        from ansible_collections.homelab.iac.plugins.module_utils._rfc2136_provider import Rfc2136Provider

        return Rfc2136Provider(
            params.get("server") or "",
            port=params.get("port") or 53,
            key_name=params.get("key_name"),
            key_secret=params.get("key_secret"),
            key_algorithm=params.get("key_algorithm") or "hmac-sha256",
            zone=zone,
            protocol=params.get("protocol") or "tcp",
            timeout=params.get("timeout") or 30,
        )
    if kind == "opnsense_unbound":
        from ansible_collections.homelab.iac.plugins.module_utils._dns_unbound import UnboundProvider

        connection = {
            "api_url": params.get("opnsense_api_url"),
            "api_key": params.get("opnsense_api_key"),
            "api_secret": params.get("opnsense_api_secret"),
            "ca_cert": params.get("opnsense_ca_cert"),
            "validate_certs": True,
            "timeout": params.get("timeout") or 30,
        }
        return UnboundProvider(connection, zone, check_mode)
    raise DnsError(f"provider must be one of {', '.join(PROVIDERS)} (got {kind!r})")


def spec_from_item(item: dict[str, Any], zone: str | None) -> RecordSpec:
    """A RecordSpec from module options (name completed with the zone when relative)."""
    return RecordSpec(
        type=item.get("type") or "A",
        name=fqdn(item["name"], zone),
        value=item.get("value"),
        ttl=item.get("ttl"),
        proxied=item.get("proxied"),
        comment=item.get("comment"),
        priority=item.get("priority"),
    )


@dataclass
class RecordRun(BatchRun):
    """Results of ``run_items`` in input order (each record's own shape), and what the provider applied."""

    applied: list[str] = field(default_factory=list)


def _one(provider: DnsProvider, spec: RecordSpec, state: str, check_mode: bool) -> dict[str, Any]:
    outcome = Reconciler(DnsRecord(provider, spec), check_mode).run(state)
    return {"action": outcome.action.value, "changed": outcome.changed, "diff": outcome.diff, "record": outcome.facts}


def apply_record(
    provider: DnsProvider, spec: RecordSpec, state: str, exclusive: bool, check_mode: bool
) -> dict[str, Any]:
    """Reconcile one task's record (plus the siblings ``exclusive``/valueless ``absent`` cover)."""
    if state == "absent" and spec.value is None and spec.type not in provider.single_valued:
        removed = [
            _one(provider, _exact(spec, record), "absent", check_mode) for record in provider.find(spec.type, spec.name)
        ]
        return {
            "action": "delete" if removed else "noop",
            "changed": bool(removed),
            "diff": {"before": {"values": [r["diff"]["before"].get("value") for r in removed]}, "after": {}},
            "record": {},
            "removed": [r["diff"]["before"] for r in removed],
        }
    result = _one(provider, spec, state, check_mode)
    result["removed"] = []
    if state == "present" and exclusive and spec.type not in provider.single_valued:
        for record in provider.find(spec.type, spec.name):
            if record.value != spec.value:
                gone = _one(provider, _exact(spec, record), "absent", check_mode)
                result["removed"].append(gone["diff"]["before"])
                result["changed"] = True
                result["diff"]["before"].setdefault("others", []).append(record.value)
        if result["removed"] and result["action"] == "noop":
            result["action"] = "update"
    return result


def _exact(spec: RecordSpec, record: ObservedRecord) -> RecordSpec:
    return RecordSpec(type=spec.type, name=spec.name, value=record.value)


def item_label(item: dict[str, Any], zone: str | None) -> str:
    """``A www.home.arpa 10.0.0.5``: how messages and diffs name one record item."""
    value = f" {item['value']}" if item.get("value") is not None else ""
    return f"{(item.get('type') or 'A').upper()} {fqdn(item['name'], zone)}{value}"


def batch_results(
    items: list[dict[str, Any]], results: list[dict[str, Any]], zone: str | None, diff_mode: bool
) -> list[dict[str, Any]]:
    """Results in the batch contract's shape (``_batch``): plus the record's name and what it removed."""
    # On failure there are fewer results than items: only those that completed.
    return [
        item_result(index, item.get("kind") or "record", result["changed"], result["action"], result["record"],
                    result["diff"] if diff_mode else None, name=fqdn(item["name"], zone), removed=result["removed"])
        for index, (item, result) in enumerate(zip(items, results, strict=False))
    ]  # fmt: skip


class DnsModule(ModuleClient):
    """Owns the AnsibleModule and the provider of one dns module run."""

    common_args = DNS_COMMON_ARGS

    def __init__(self, argument_spec: dict[str, dict[str, Any]], provider_required: bool = True, **kwargs: Any) -> None:
        super().__init__(argument_spec, **kwargs)
        self.provider: DnsProvider | None = None
        if provider_required:
            self.provider = self.build_provider(self.module.params)

    def build_provider(self, params: dict[str, Any], zone: str | None = None) -> DnsProvider:
        """A provider from ``params`` (which may override the shared connection options)."""
        try:
            return provider_from_params(params, self.check_mode, zone)
        except DnsError as exc:
            self.fail(str(exc))

    def run_items(
        self, provider: DnsProvider, items: list[dict[str, Any]], zone: str | None, batch: bool = False
    ) -> RecordRun:
        """Reconcile ``items`` (module-option dicts) in order, then let the provider apply once.

        The first refusal stops the run; the provider still applies what ran before it. With
        ``batch`` the failure follows the batch contract: ``items[N] (record LABEL): message``,
        ``failed_index`` and ``results`` of the items that completed.
        """
        run = RecordRun()
        index = 0
        try:
            for index, item in enumerate(items):
                try:
                    spec = spec_from_item(item, zone)
                    run.results.append(
                        apply_record(
                            provider, spec, item.get("state") or "present", bool(item.get("exclusive")), self.check_mode
                        )
                    )
                except DnsError as exc:
                    where = f"items[{index}] (record {item_label(item, zone)}): " if batch else ""
                    raise DnsError(f"{where}{exc}") from None
        except DnsError as exc:
            run.applied = self._finish(provider)
            if batch:
                shown = batch_results(items, run.results, zone, self.diff_mode)
                finish_batch(self, BatchRun(shown, [BatchItemError(index, str(exc))]), applied=run.applied)
            self.fail(str(exc), changed=run.changed, results=self._shown(run.results))
        run.applied = self._finish(provider)
        return run

    def _finish(self, provider: DnsProvider) -> list[str]:
        try:
            return provider.finish()
        except DnsError as exc:
            self.fail(str(exc))
        finally:
            provider.close()

    def _shown(self, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.diff_mode:
            return [{key: value for key, value in result.items() if key != "diff"} for result in results]
        return results

    def exit(self, run: RecordRun, **extra: Any) -> NoReturn:
        self.module.exit_json(changed=run.changed, **extra)
        raise AssertionError("exit_json returned")
