"""Normalisation of docker arguments: memory units, durations, env, mounts and healthchecks."""

from __future__ import annotations

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._docker_container_views import normalise_signal
from ansible_collections.homelab.iac.plugins.module_utils._docker_values import (
    Healthcheck,
    InvalidValue,
    Mount,
    looks_like_secret,
    normalise_env,
    parse_duration,
    parse_healthcheck,
    parse_memory,
    parse_mounts,
)

GIB = 1024**3


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4g", 4 * GIB), ("4G", 4 * GIB), ("4gb", 4 * GIB), ("4GiB", 4 * GIB), ("4 GB", 4 * GIB),
     ("512m", 512 * 1024**2), ("1.5g", int(1.5 * GIB)), ("1024k", 1024**2), ("1048576", 1048576),
     (1048576, 1048576), ("100b", 100)],
)
def test_memory_units_are_binary_like_dockers(text: str | int, expected: int) -> None:
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["lots", "4gg", "-1g", "4 x", "g"])
def test_bad_memory_strings_name_the_option(text: str) -> None:
    with pytest.raises(InvalidValue, match=r"^memory: .* is not a size such as 512m or 4g"):
        parse_memory(text)


@pytest.mark.parametrize(
    ("value", "nanoseconds"),
    [("30s", 30 * 10**9), ("1m30s", 90 * 10**9), ("500ms", 5 * 10**8), ("2h", 7200 * 10**9), (5, 5 * 10**9),
     ("10", 10 * 10**9), ("1.5s", 15 * 10**8)],
)
def test_durations(value: str | int, nanoseconds: int) -> None:
    assert parse_duration(value, "interval") == nanoseconds


@pytest.mark.parametrize("value", ["soon", "30 s", "1x", "s30"])
def test_bad_durations_name_the_option(value: str) -> None:
    with pytest.raises(InvalidValue, match="^healthcheck.interval: "):
        parse_duration(value, "healthcheck.interval")


def test_env_order_and_yaml_types_do_not_matter() -> None:
    one = normalise_env({"B": 2, "A": True, "C": None, "D": "x=y"})
    other = normalise_env({"D": "x=y", "C": "", "A": "true", "B": "2"})
    assert one == other == {"A": "true", "B": "2", "C": "", "D": "x=y"}
    assert list(one or {}) == ["A", "B", "C", "D"]
    assert normalise_env(None) is None


@pytest.mark.parametrize("name", ["A=B", "WITH SPACE", ""])
def test_env_names_must_be_variable_names(name: str) -> None:
    with pytest.raises(InvalidValue, match="^env: "):
        normalise_env({name: "1"})


@pytest.mark.parametrize(
    ("name", "secret"),
    [("POSTGRES_PASSWORD", True), ("db_passwd", True), ("APP_SECRET", True), ("GITHUB_TOKEN", True),
     ("OPENAI_API_KEY", True), ("apikey", True), ("TLS_PRIVATE_KEY", True), ("AWS_CREDENTIALS", True),
     ("POSTGRES_DB", False), ("POSTGRES_USER", False), ("PWD", False), ("EULA", False), ("KEY_SIZE", False)],
)
def test_env_names_that_look_secret(name: str, secret: bool) -> None:
    assert looks_like_secret(name) is secret


def test_mounts_long_and_short_forms_become_one_sorted_list() -> None:
    mounts = parse_mounts(
        [{"type": "tmpfs", "target": "/tmp"}, {"type": "bind", "source": "/srv/www", "target": "/www", "read_only": True}],
        ["data:/data", "/etc/hosts:/etc/hosts:ro"],
    )
    assert mounts == sorted([Mount("tmpfs", "", "/tmp"), Mount("bind", "/srv/www", "/www", True),
                             Mount("volume", "data", "/data"), Mount("bind", "/etc/hosts", "/etc/hosts", True)])
    assert str(Mount("volume", "data", "/data")) == "volume:data:/data:rw"
    assert parse_mounts(None, None) is None and parse_mounts([], None) == []


@pytest.mark.parametrize(
    ("mounts", "volumes", "message"),
    [([{"type": "bind", "source": "relative", "target": "/x"}], None, r"mounts\[0\].source: 'relative' must be an absolute"),
     ([{"type": "volume", "target": "/x"}], None, r"mounts\[0\].source: required"),
     ([{"type": "volume", "source": "v", "target": "x"}], None, r"mounts\[0\].target"),
     (None, ["data"], r"volumes\[0\]: 'data' is not SOURCE:/TARGET"),
     (None, ["data:/d:rx"], r"volumes\[0\]"),
     (None, ["a:/d", "b:/d"], "/d is mounted twice")],
)
def test_bad_mounts_name_the_entry(mounts: list | None, volumes: list | None, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_mounts(mounts, volumes)


def test_healthcheck_forms() -> None:
    shell = parse_healthcheck({"test": "wget -q -O- http://127.0.0.1/", "interval": "5s", "retries": 3})
    assert shell == Healthcheck(("CMD-SHELL", "wget -q -O- http://127.0.0.1/"), interval=5 * 10**9, retries=3)
    assert shell.view()["interval"] == 5.0
    assert parse_healthcheck({"test": ["nc", "-z", "127.0.0.1", "80"]}).test == ("CMD", "nc", "-z", "127.0.0.1", "80")
    assert parse_healthcheck({"test": ["CMD-SHELL", "true"]}).test == ("CMD-SHELL", "true")
    assert parse_healthcheck({"disable": True}).test == ("NONE",)
    with pytest.raises(InvalidValue, match="healthcheck.test: required"):
        parse_healthcheck({"interval": "5s"})


def test_stop_signals_normalise() -> None:
    assert normalise_signal("term") == normalise_signal("SIGTERM") == "SIGTERM"
    assert normalise_signal("9") == "9" and normalise_signal(None) is None
