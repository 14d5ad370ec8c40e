"""Parsing of docker_container arguments: ports, memory, cpus, commands, networks, port errors."""

from __future__ import annotations

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    InvalidValue,
    NetworkAttachment,
    PortBinding,
    parse_command,
    parse_cpus,
    parse_memory,
    parse_networks,
    parse_port,
    parse_ports,
    port_in_use_message,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080:80", PortBinding("127.0.0.1", 8080, 80, "tcp")),
        ("127.0.0.1:5353:53/udp", PortBinding("127.0.0.1", 5353, 53, "udp")),
        ("0.0.0.0:25565:25565/tcp", PortBinding("0.0.0.0", 25565, 25565, "tcp")),
        ("[::1]:8443:443", PortBinding("::1", 8443, 443, "tcp")),
    ],
)
def test_ports_with_host_ip_parse(text: str, expected: PortBinding) -> None:
    assert parse_port(text, 0) == expected


def test_port_renders_back_in_docker_form() -> None:
    assert str(PortBinding("127.0.0.1", 8080, 80)) == "127.0.0.1:8080:80/tcp"
    assert str(PortBinding("::1", 8443, 443)) == "[::1]:8443:443/tcp"


@pytest.mark.parametrize("text", ["8080:80", "80", "localhost:8080:80", "127.0.0.1:8080:80/sctp"])
def test_port_without_explicit_host_ip_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_ports(["127.0.0.1:1:1", text])
    assert "ports[1]" in str(error.value)
    assert "0.0.0.0" in str(error.value)


def test_out_of_range_and_duplicate_host_ports_are_refused() -> None:
    with pytest.raises(InvalidValue, match=r"ports\[0\].*70000"):
        parse_ports(["127.0.0.1:70000:80"])
    with pytest.raises(InvalidValue, match=r"ports\[1\].*ports\[0\]"):
        parse_ports(["127.0.0.1:8080:80", "127.0.0.1:8080:81"])
    assert parse_ports(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512m", 512 * 1024**2), ("4g", 4 * 1024**3), ("4G", 4 * 1024**3), ("1.5g", int(1.5 * 1024**3)),
     ("64mb", 64 * 1024**2), ("1048576", 1048576), (None, None)],
)
def test_memory_sizes_use_binary_units(text: str | None, expected: int | None) -> None:
    assert parse_memory(text) == expected


def test_bad_memory_names_the_option() -> None:
    with pytest.raises(InvalidValue, match="memory"):
        parse_memory("lots")


def test_cpus_become_nano_cpus() -> None:
    assert parse_cpus(1.5) == 1_500_000_000
    assert parse_cpus(0.1) == 100_000_000
    assert parse_cpus(None) is None
    with pytest.raises(InvalidValue, match="cpus"):
        parse_cpus(-1)


def test_commands_split_like_a_shell_or_stay_lists() -> None:
    assert parse_command("httpd -f -p 80 -h '/var/www html'") == ["httpd", "-f", "-p", "80", "-h", "/var/www html"]
    assert parse_command(["sleep", 30]) == ["sleep", "30"]
    assert parse_command(None) is None


def test_networks_parse_and_refuse_duplicates() -> None:
    parsed = parse_networks([{"name": "front", "ipv4_address": "172.30.0.5", "aliases": ["web", "api"]},
                             {"name": "back"}])
    assert parsed == [NetworkAttachment("front", "172.30.0.5", ("api", "web")), NetworkAttachment("back")]
    with pytest.raises(InvalidValue, match=r"networks\[1\].*twice"):
        parse_networks([{"name": "front"}, {"name": "front"}])


@pytest.mark.parametrize(
    "engine_message",
    [
        "driver failed programming external connectivity on endpoint web (abc): "
        "Bind for 127.0.0.1:18080 failed: port is already allocated",
        "driver failed programming external connectivity on endpoint web (abc): Error starting userland "
        "proxy: listen tcp4 127.0.0.1:18080: bind: address already in use",
    ],
)
def test_port_in_use_names_port_and_entry(engine_message: str) -> None:
    ports = [PortBinding("127.0.0.1", 9000, 90), PortBinding("127.0.0.1", 18080, 80)]
    assert port_in_use_message(engine_message, ports) == (
        "port 127.0.0.1:18080 is already in use on the Docker host: choose another host port in ports[1]"
    )


def test_other_start_errors_are_not_port_errors() -> None:
    assert port_in_use_message("OCI runtime create failed: exec: \"nope\": not found", []) is None
