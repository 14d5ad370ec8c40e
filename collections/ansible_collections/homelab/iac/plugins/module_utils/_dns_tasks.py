# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The runs of dns_batch, dns_split_horizon and dns_ddns: arrangements of ``apply_record``.

None of them has its own reconcile logic: each builds record items and hands them to the path
``dns_record`` uses (``DnsModule.run_items`` / ``apply_record``), so identity, normalisation,
check mode and "no write when unchanged" are the same everywhere.

* dns_batch: many records, one provider session, the provider applied once at the end.
* dns_split_horizon: one name, one answer per side (internal, public), each side on its own
  provider or view; a side holds exactly that answer (``exclusive``), both sides are removed
  together, and two sides that would write to the same place are refused.
* dns_ddns: one name held at an address given or read from a local interface (``ip -j addr``,
  never an outside "what is my IP" service); other values of the type at the name are removed.
  ``state: absent`` removes the address given, or every address of the type at the name (a rollback
  removes the record a deployment published).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._batch import (
    BatchItemError,
    BatchRun,
    fail_before_run,
    finish_batch,
)
from ansible_collections.homelab.iac.plugins.module_utils._dns_common import DnsError, fqdn
from ansible_collections.homelab.iac.plugins.module_utils._dns_module import (
    DNS_COMMON_ARGS,
    RECORD_ARGS,
    DnsModule,
    apply_record,
    batch_results,
    item_label,
    spec_from_item,
)

# The batch contract: ``items`` (``records`` kept as an alias), each an item of kind ``record``.
BATCH_ITEM_ARGS: dict[str, dict[str, Any]] = {
    "kind": {"type": "str", "default": "record", "choices": ["record"]},
    **RECORD_ARGS,
}
BATCH_ARGS: dict[str, dict[str, Any]] = {
    "items": {
        "type": "list",
        "elements": "dict",
        "required": True,
        "aliases": ["records"],
        "options": BATCH_ITEM_ARGS,
    },
}

# Per-side connection overrides: no defaults or environment fallbacks, so an unset key inherits
# the task-level (module_defaults) value. Kept in step with modules/dns_split_horizon.py.
SIDE_CONNECTION = ("provider", "zone", "server", "port", "key_name", "key_secret", "cloudflare_api_token",
                   "cloudflare_base_url", "opnsense_api_url", "opnsense_api_key", "opnsense_api_secret")  # fmt: skip
SIDE_OPTIONS: dict[str, dict[str, Any]] = {
    "value": {"type": "str"},
    "proxied": {"type": "bool"},
    "comment": {"type": "str"},
    **{
        key: {k: v for k, v in DNS_COMMON_ARGS[key].items() if k not in ("default", "fallback")}
        for key in SIDE_CONNECTION
    },
}
SPLIT_ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "type": {"type": "str", "default": "A", "choices": ["A", "AAAA", "CNAME"]},
    "ttl": {"type": "int"},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "internal": {"type": "dict", "required": True, "options": SIDE_OPTIONS},
    "public": {"type": "dict", "required": True, "options": SIDE_OPTIONS},
}

DDNS_ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
    "type": {"type": "str", "default": "A", "choices": ["A", "AAAA"]},
    "value": {"type": "str"},
    "interface": {"type": "str"},
    "ttl": {"type": "int"},
    "proxied": {"type": "bool"},
    "comment": {"type": "str"},
}


def _exit(dns: DnsModule, changed: bool, before: dict[str, Any], after: dict[str, Any], **result: Any) -> NoReturn:
    if dns.diff_mode:
        result["diff"] = {"before": before, "after": after}
    dns.module.exit_json(changed=changed, **result)
    raise AssertionError("exit_json returned")


def run_batch() -> NoReturn:
    """Entry point of homelab.iac.dns_batch."""
    dns = DnsModule(BATCH_ARGS)
    zone = dns.params["zone"]
    items = dns.params["items"]
    for index, item in enumerate(items):
        if item["state"] == "present" and item.get("value") is None:
            fail_before_run(dns, BatchItemError(
                index, f"items[{index}] (record {item_label(item, zone)}): value is required with state=present"
            ))  # fmt: skip
    run = dns.run_items(dns.provider, items, zone, batch=True)
    results = batch_results(items, run.results, zone, dns.diff_mode)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for item, result in zip(items, run.results, strict=True):
        if result["changed"]:
            before[item_label(item, zone)] = result["diff"]["before"]
            after[item_label(item, zone)] = result["diff"]["after"]
    summary = {action: sum(r["action"] == action for r in results) for action in ("create", "update", "delete", "noop")}
    extra = {"diff": {"before": before, "after": after}} if dns.diff_mode else {}
    finish_batch(dns, BatchRun(results), applied=run.applied, summary=summary, **extra)


def side_params(params: dict[str, Any], side: dict[str, Any]) -> dict[str, Any]:
    """The task's connection options with one side's overrides on top."""
    merged = dict(params)
    merged.update({key: side[key] for key in SIDE_CONNECTION if side.get(key) is not None})
    return merged


def _place(params: dict[str, Any]) -> tuple[Any, ...]:
    """Where a side writes; two sides with the same place would overwrite each other."""
    if params["provider"] == "rfc2136":
        return ("rfc2136", params["server"], params["port"], params["key_name"])
    if params["provider"] == "cloudflare":
        return ("cloudflare", params["cloudflare_base_url"] or "https://api.cloudflare.com/client/v4")
    return (params["provider"], params["opnsense_api_url"])


def run_split_horizon() -> NoReturn:
    """Entry point of homelab.iac.dns_split_horizon."""
    dns = DnsModule(SPLIT_ARGS, provider_required=False)
    params = dns.params
    sides = {"internal": side_params(params, params["internal"]), "public": side_params(params, params["public"])}
    if _place(sides["internal"]) == _place(sides["public"]):
        dns.fail("internal and public write to the same provider and view; give one side another provider, "
                 "server or TSIG key (BIND selects the view by key)")  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    applied: list[str] = []
    for side, merged in sides.items():
        answer = params[side]
        if params["state"] == "present" and not answer.get("value"):
            dns.fail(f"{side}.value is required with state=present")
        zone = merged["zone"]
        item = {"name": params["name"], "type": params["type"], "value": answer.get("value"), "ttl": params["ttl"],
                "proxied": answer.get("proxied"), "comment": answer.get("comment")}  # fmt: skip
        if params["state"] == "absent":
            item["value"] = None
        provider = dns.build_provider(merged, zone)
        try:
            spec = spec_from_item(item, zone)
            results[side] = apply_record(provider, spec, params["state"], True, dns.check_mode)
            applied += provider.finish()
        except DnsError as exc:
            dns.fail(f"{side}: {exc}", changed=any(r["changed"] for r in results.values()))
        finally:
            provider.close()
    changed = any(result["changed"] for result in results.values())
    before = {side: result["diff"]["before"] for side, result in results.items()}
    after = {side: result["diff"]["after"] for side, result in results.items()}
    _exit(dns, changed, before, after, applied=applied, name=fqdn(params["name"], sides["internal"]["zone"]),
          **{side: {k: v for k, v in result.items() if k != "diff"} for side, result in results.items()})  # fmt: skip


def interface_address(dns: DnsModule, interface: str, family: str) -> str:
    """The first usable address of ``family`` (A: IPv4, AAAA: IPv6) on a local interface.

    Global-scope addresses win; IPv6 link-local ones are never used (they mean nothing to others).
    """
    code, out, err = dns.module.run_command(["ip", "-j", "addr", "show", "dev", interface])
    if code != 0:
        dns.fail(f"cannot read the addresses of interface {interface!r}: {(err or out).strip()}")
    wanted = "inet" if family == "A" else "inet6"
    candidates = []
    for link in json.loads(out or "[]"):
        for info in link.get("addr_info", []):
            if info.get("family") != wanted:
                continue
            address = ipaddress.ip_address(info["local"])
            if address.is_link_local:
                continue
            candidates.append((info.get("scope") != "global", str(address)))
    if not candidates:
        dns.fail(f"interface {interface!r} has no {'IPv4' if family == 'A' else 'IPv6'} address to publish")
    return sorted(candidates)[0][1]


def run_ddns() -> NoReturn:
    """Entry point of homelab.iac.dns_ddns."""
    dns = DnsModule(DDNS_ARGS, required_if=[("state", "present", ("value", "interface"), True)],
                    mutually_exclusive=[("value", "interface")])  # fmt: skip
    params = dns.params
    item = {key: params[key] for key in ("name", "type", "ttl", "proxied", "comment", "state")}
    if params["state"] == "absent":
        # Undo: the given address, or (none given) every address of the type at the name; no interface is read.
        address, source = params["value"] or "", "value" if params["value"] else "every address"
        item.update(value=params["value"] or None, ttl=None, proxied=None, comment=None)
    else:
        address = params["value"] or interface_address(dns, params["interface"], params["type"])
        source = "value" if params["value"] else f"interface {params['interface']}"
        item.update(value=address, exclusive=True)
    previous = [record.value for record in _find(dns, item)]
    run = dns.run_items(dns.provider, [item], params["zone"])
    result = run.results[0]
    after = [value for value in previous if value != address] if params["value"] else []
    if params["state"] == "present":
        after = [result["record"].get("value", address)]
    _exit(dns, run.changed, {"values": previous}, {"values": after},
          address=address, source=source, previous=previous, action=result["action"], record=result["record"],
          applied=run.applied)  # fmt: skip


def _find(dns: DnsModule, item: dict[str, Any]) -> list[Any]:
    try:
        spec = spec_from_item(item, dns.params["zone"])
        return dns.provider.find(spec.type, spec.name) if dns.provider else []
    except DnsError as exc:
        dns.fail(str(exc))
