"""Asking the lab's name servers (BIND, the Cloudflare emulator's listener) what they answer."""

from __future__ import annotations

import dns.message
import dns.query
import dns.tsigkeyring

__all__ = ["resolve"]


def resolve(port: int, name: str, rtype: str = "A", key: dict[str, str] | None = None) -> list[str]:
    """The sorted answers of 127.0.0.1:``port`` for ``name``, over TCP; TSIG-signed with ``key`` when given
    (``name``, ``algorithm``, ``secret``, as the lab's credentials hold them), which selects BIND's view."""
    query = dns.message.make_query(name, rtype)
    if key is not None:
        query.use_tsig(dns.tsigkeyring.from_text({key["name"]: (key["algorithm"], key["secret"])}), keyname=key["name"])
    response = dns.query.tcp(query, "127.0.0.1", port=port, timeout=3)
    return sorted(item.to_text() for rrset in response.answer for item in rrset)
