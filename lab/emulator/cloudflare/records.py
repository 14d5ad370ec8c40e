"""Cloudflare DNS records as the v4 API treats them: validation, filters, pagination, envelope.

Pure functions over plain dicts so the rules can be tested without a server. Behaviour follows
shared/reference/dns-and-certs.md §1-2: names are stored as lower-case FQDNs, ``ttl`` 1 means
automatic (otherwise 60-86400), ``proxied`` only for A/AAAA/CNAME, identical records are refused
with 81057, A/AAAA/CNAME cannot share a name with a CNAME (81053), and a page past the end is an
empty ``result`` (the SDK stops iterating only on an empty page).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "PROXIABLE",
    "RECORD_TYPES",
    "ApiError",
    "envelope",
    "filter_records",
    "fqdn_in_zone",
    "paginate",
    "validate_record",
]

RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "MX", "NS", "PTR", "SRV", "CAA")
PROXIABLE = frozenset({"A", "AAAA", "CNAME"})
_LABEL = re.compile(r"^(\*|_?[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?)$")
_FILTER_OPS = ("exact", "contains", "startswith", "endswith")


class ApiError(Exception):
    """An API refusal: HTTP status and Cloudflare's ``errors`` entries."""

    def __init__(self, status: int, code: int, message: str, chain: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"code": code, "message": message}
        if chain:
            self.error["error_chain"] = chain


def envelope(result: Any, result_info: dict[str, Any] | None = None, errors: list[Any] | None = None) -> dict[str, Any]:
    """The ``success/errors/messages/result`` body every v4 answer carries."""
    body: dict[str, Any] = {"success": not errors, "errors": errors or [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def _validation(code: int, message: str) -> ApiError:
    # Record validation failures come back as 1004 with the specific reason in error_chain.
    return ApiError(400, 1004, "DNS Validation Error", [{"code": code, "message": message}])


def fqdn_in_zone(name: str, zone: str) -> str:
    """The record name as the API stores it: ``@`` is the apex, relative names get the zone."""
    name = name.strip().rstrip(".").lower()
    if name in ("", "@"):
        return zone
    if name == zone or name.endswith("." + zone):
        return name
    return f"{name}.{zone}"


def _valid_name(name: str) -> bool:
    labels = name.split(".")
    return len(name) <= 253 and all(_LABEL.match(label) for label in labels) and "*" not in labels[1:]


def validate_record(body: Mapping[str, Any], zone: str, partial: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check a create/overwrite (or, with ``partial`` = the stored record, a PATCH) body.

    Returns the normalised writable fields; raises ApiError with the API's codes and wording.
    """
    merged: dict[str, Any] = dict(partial or {})
    merged.update({key: value for key, value in body.items() if value is not None})
    rtype = str(merged.get("type") or "").upper()
    if rtype not in RECORD_TYPES:
        raise ApiError(400, 1004, "DNS Validation Error", [{"code": 9101, "message": "Invalid record type."}])
    if not merged.get("name"):
        raise _validation(9000, "DNS name is invalid.")
    name = fqdn_in_zone(str(merged["name"]), zone)
    if not (name == zone or name.endswith("." + zone)) or not _valid_name(name):
        raise _validation(9000, "DNS name is invalid.")
    content = str(merged.get("content") or "")
    if not content:
        raise _validation(9004, "Content is required.")
    if rtype == "A":
        try:
            ipaddress.IPv4Address(content)
        except ValueError:
            raise _validation(9005, "Content for A record must be a valid IPv4 address.") from None
    if rtype == "AAAA":
        try:
            content = str(ipaddress.IPv6Address(content))
        except ValueError:
            raise _validation(9006, "Content for AAAA record must be a valid IPv6 address.") from None
    if rtype in ("CNAME", "MX", "NS", "PTR"):
        content = content.rstrip(".").lower()
    ttl = merged.get("ttl", 1)
    if isinstance(ttl, float) and ttl.is_integer():
        ttl = int(ttl)  # JSON has one number type; 300.0 is 300
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not (ttl == 1 or 60 <= ttl <= 86400):
        raise _validation(9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")
    proxied = bool(merged.get("proxied", False))
    if proxied and rtype not in PROXIABLE:
        raise _validation(9041, f"{rtype} records cannot be proxied.")
    record: dict[str, Any] = {
        "type": rtype,
        "name": name,
        "content": content,
        "ttl": ttl,
        "proxied": proxied,
        "proxiable": rtype in PROXIABLE,
        "comment": merged.get("comment") or None,
        "tags": list(merged.get("tags") or []),
    }
    if record["tags"]:
        raise _validation(9300, f"DNS record has {len(record['tags'])} tags, exceeding the quota of 0.")
    if rtype == "MX":
        priority = merged.get("priority", 10)
        if not isinstance(priority, int) or not 0 <= priority <= 65535:
            raise _validation(9100, "priority must be an integer between 0 and 65535.")
        record["priority"] = priority
    return record


def check_conflicts(record: Mapping[str, Any], others: list[dict[str, Any]]) -> None:
    """Refuse duplicates and CNAME clashes against the zone's other records (not the record itself)."""
    same_name = [other for other in others if other["name"] == record["name"]]
    for other in same_name:
        if other["type"] == record["type"] and other["content"].lower() == record["content"].lower():
            raise ApiError(400, 81057, "Record already exists.")
    if record["type"] == "CNAME" and same_name:
        raise ApiError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")
    if any(other["type"] == "CNAME" for other in same_name):
        raise ApiError(400, 81054, "A CNAME record with that host already exists.")


def _matches(value: str, op: str, wanted: str) -> bool:
    value, wanted = value.lower(), wanted.lower()
    if op == "exact":
        return value == wanted
    if op == "contains":
        return wanted in value
    if op == "startswith":
        return value.startswith(wanted)
    return value.endswith(wanted)


def filter_records(records: list[dict[str, Any]], query: Mapping[str, str]) -> list[dict[str, Any]]:
    """Apply the list filters: ``type``, ``name[.op]``, ``content[.op]``, ``comment[.op]``, ``proxied``, ``match``.

    Plain ``name=``/``content=`` (older clients) mean exact; ``match=any`` ORs the filters.
    """
    tests: list[tuple[str, str, str]] = []  # (field, operator, wanted)
    if "type" in query:
        tests.append(("type", "exact", query["type"]))
    for field in ("name", "content", "comment"):
        for key, wanted in query.items():
            head, _, op = key.partition(".")
            if head == field and (not op or op in _FILTER_OPS):
                tests.append((field, op or "exact", wanted))
    if "proxied" in query:
        tests.append(("proxied", "exact", query["proxied"]))
    if not tests:
        return list(records)
    combine = any if query.get("match", "all") == "any" else all

    def passes(record: dict[str, Any], test: tuple[str, str, str]) -> bool:
        field, op, wanted = test
        value = record.get(field)
        text = str(value).lower() if isinstance(value, bool) else str(value or "")
        return _matches(text, op, wanted)

    return [record for record in records if combine(passes(record, test) for test in tests)]


def _int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, 1004, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(400, 1004, f"{name} must be between {low} and {high}")
    return value


def paginate(
    items: list[dict[str, Any]], query: Mapping[str, str], default_per_page: int = 100
) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``items`` and its ``result_info``; pages past the end are empty, never an error."""
    page = _int_param(query, "page", 1, 1, 10**9)
    per_page = _int_param(query, "per_page", default_per_page, 1, 5_000_000)
    order = query.get("order")
    if order in ("type", "name", "content", "ttl", "proxied"):
        items = sorted(items, key=lambda item: str(item.get(order)), reverse=query.get("direction") == "desc")
    chunk = items[(page - 1) * per_page : page * per_page]
    total = len(items)
    info = {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": total,
        "total_pages": max(1, -(-total // per_page)),
    }
    return chunk, info
