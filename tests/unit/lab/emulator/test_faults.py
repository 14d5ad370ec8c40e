"""Fault injection rules: which requests a fault hits, how often, and which specs are refused."""

from __future__ import annotations

from typing import Any

import pytest

from lab.emulator.faults import FaultBook, FaultError, parse_fault


def test_a_fault_hits_only_matching_method_and_path_prefix() -> None:
    book = FaultBook()
    book.add({"match": {"method": "post", "path_prefix": "/api/vlans"}, "status": 500})
    assert book.take("GET", "/api/vlans/1") is None
    assert book.take("POST", "/api/other") is None
    fault = book.take("POST", "/api/vlans/add")
    assert fault is not None and fault.status == 500


def test_a_fault_without_match_hits_every_request() -> None:
    book = FaultBook()
    book.add({"drop": True})
    fault = book.take("DELETE", "/anything")
    assert fault is not None and fault.drop


def test_a_fault_is_used_up_after_count_requests() -> None:
    book = FaultBook()
    book.add({"count": 2, "status": 503})
    assert [book.take("GET", "/x") is not None for _ in range(3)] == [True, True, False]
    assert book.armed() == []


def test_faults_are_consumed_in_the_order_they_were_armed() -> None:
    book = FaultBook()
    first = book.add({"status": 500})
    second = book.add({"status": 502})
    assert book.take("GET", "/") is first
    assert book.take("GET", "/") is second


def test_clear_disarms_everything() -> None:
    book = FaultBook()
    book.add({"status": 500, "count": 5})
    book.add({"delay": 1})
    assert book.clear() == 2
    assert book.take("GET", "/") is None


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"status": 700}, "status"),
        ({"status": 500, "count": 0}, "count"),
        ({"status": 500, "count": True}, "count"),
        ({"delay": -1}, "delay"),
        ({"delay": "slow"}, "delay"),
        ({"drop": "yes"}, "drop"),
        ({"drop": True, "status": 500}, "drop"),
        ({}, "status"),
        ({"status": 500, "match": {"path_prefix": "api"}}, "match.path_prefix"),
        ({"status": 500, "match": {"verb": "GET"}}, "match.verb"),
        ({"status": 500, "colour": "red"}, "colour"),
        ([], "body"),
    ],
)
def test_a_bad_fault_is_refused_naming_the_field(spec: Any, field: str) -> None:
    with pytest.raises(FaultError, match=f"^{field}:"):
        parse_fault(spec, 1)


def test_a_delay_only_fault_is_accepted() -> None:
    fault = parse_fault({"delay": 0.5, "match": {"path_prefix": "/api"}}, 7)
    assert (fault.id, fault.delay, fault.status, fault.drop, fault.remaining) == (7, 0.5, None, False, 1)


def test_after_spares_that_many_matching_requests_and_hits_the_next() -> None:
    book = FaultBook()
    book.add({"match": {"method": "POST"}, "after": 2, "status": 500})
    assert book.take("GET", "/api/x") is None  # not matching: not counted
    assert [book.take("POST", f"/api/{n}") is not None for n in range(4)] == [False, False, True, False]
    assert book.armed() == []


def test_a_sparing_fault_leaves_the_request_to_the_next_fault() -> None:
    book = FaultBook()
    book.add({"after": 1, "status": 500})
    second = book.add({"status": 502})
    assert book.take("POST", "/") is second
    fault = book.take("POST", "/")
    assert fault is not None and fault.status == 500


@pytest.mark.parametrize("after", [-1, True, 1.5, "2"])
def test_a_bad_after_is_refused(after: Any) -> None:
    with pytest.raises(FaultError, match="^after:"):
        parse_fault({"status": 500, "after": after}, 1)
