"""The emulator's authoritative DNS listener: what the API "published", answered over UDP and TCP.

Real Cloudflare serves a zone's records from its nameservers moments after an API write. The lab
does the same on a loopback port so that tests resolve what they created and the lab BIND can
forward the public zone here (Pebble then validates DNS-01 challenges with real lookups).

dnspython parses and builds the messages; ``socketserver`` threads serve them. The record source is
a callable returning the live record list, so the listener always answers from the API's state.
Proxied records are answered with their own content (the lab has no edge to proxy through).
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from lab.ports import kept_port

__all__ = ["DnsListener", "answer", "choose_port", "rdata_text"]

RecordSource = Callable[[], tuple[list[str], list[dict[str, Any]]]]
AUTO_TTL = 300  # what "automatic" (ttl 1) is served as


def rdata_text(record: dict[str, Any]) -> str:
    """Zone-file text of a stored record's content (TXT quoted, names absolute, MX with priority)."""
    content = str(record["content"])
    rtype = record["type"]
    if rtype == "TXT":
        if content.startswith('"'):
            return content
        return '"' + content.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if rtype in ("CNAME", "NS", "PTR"):
        return content.rstrip(".") + "."
    if rtype == "MX":
        return f"{record.get('priority', 10)} {content.rstrip('.')}."
    return content


def _soa(zone: str) -> dns.rrset.RRset:
    text = f"ns1.{zone}. hostmaster.{zone}. 1 10000 2400 604800 300"
    return dns.rrset.from_text(zone + ".", 300, "IN", "SOA", text)


def answer(query: dns.message.Message, zones: list[str], records: list[dict[str, Any]]) -> dns.message.Message:
    """The authoritative response to ``query`` from the zones' records."""
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    response.flags &= ~dns.flags.RA
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    qname = question.name.to_text(omit_final_dot=True).lower()
    zone = next((z for z in sorted(zones, key=len, reverse=True) if qname == z or qname.endswith("." + z)), None)
    if zone is None:
        response.flags &= ~dns.flags.AA
        response.set_rcode(dns.rcode.REFUSED)
        return response
    at_name = [record for record in records if record["name"] == qname]
    wanted = dns.rdatatype.to_text(question.rdtype)
    matched = [r for r in at_name if r["type"] == wanted or question.rdtype == dns.rdatatype.ANY]
    if not matched:
        matched = [r for r in at_name if r["type"] == "CNAME"]
    if qname == zone and question.rdtype == dns.rdatatype.SOA:
        response.answer.append(_soa(zone))
        return response
    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in matched:
        by_type.setdefault(record["type"], []).append(record)
    for rtype, group in by_type.items():
        ttl = min(AUTO_TTL if r["ttl"] == 1 else r["ttl"] for r in group)
        rrset = dns.rrset.from_text_list(question.name, ttl, "IN", rtype, [rdata_text(r) for r in group])
        response.answer.append(rrset)
    if not response.answer:
        response.authority.append(_soa(zone))
        if not at_name and qname != zone and not any(r["name"].endswith("." + qname) for r in records):
            response.set_rcode(dns.rcode.NXDOMAIN)
    return response


class _Udp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.reply(data)  # type: ignore[attr-defined]
        if reply:
            sock.sendto(reply, self.client_address)


class _Tcp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5)
        while True:
            head = sock.recv(2)
            if len(head) < 2:
                return
            (length,) = struct.unpack("!H", head)
            data = b""
            while len(data) < length:
                chunk = sock.recv(length - len(data))
                if not chunk:
                    return
                data += chunk
            reply = self.server.reply(data)  # type: ignore[attr-defined]
            if not reply:
                return
            sock.sendall(struct.pack("!H", len(reply)) + reply)


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True
    reply: Callable[[bytes], bytes | None]  # set by DnsListener.start; the handlers answer through it


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    reply: Callable[[bytes], bytes | None]


def choose_port(record_file: Path) -> int:
    """The port kept in ``record_file`` when both UDP and TCP are still free there, else a new one."""
    try:
        port = int(json.loads(record_file.read_text())["port"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        port = 0
    return kept_port(port, udp=True)


class DnsListener:
    """UDP and TCP servers on one loopback port, each in a daemon thread."""

    def __init__(self, port: int, source: RecordSource) -> None:
        self.port = port
        self.source = source
        self._servers: list[socketserver.BaseServer] = []

    def reply(self, wire: bytes) -> bytes | None:
        """Wire answer to one wire query (None for garbage, which real servers drop too)."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # any undecodable packet is dropped, whatever dnspython raises
            return None
        zones, records = self.source()
        return answer(query, zones, records).to_wire()

    def start(self) -> None:
        """Bind both sockets and serve in the background."""
        for cls, handler in ((_UdpServer, _Udp), (_TcpServer, _Tcp)):
            server = cls(("127.0.0.1", self.port), handler)
            server.reply = self.reply
            threading.Thread(target=server.serve_forever, name=f"dns-{cls.__name__}", daemon=True).start()
            self._servers.append(server)

    def stop(self) -> None:
        """Stop serving (the process exiting does it too)."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
