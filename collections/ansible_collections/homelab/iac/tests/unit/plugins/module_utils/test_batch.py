"""The batch contract every <backend>_batch module returns (what the planner's item_outcomes reads)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.homelab.iac.plugins.module_utils._batch import (
    BatchItemError,
    BatchRun,
    fail_before_run,
    finish_batch,
    outcome_result,
    run_in_order,
)
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Action, Outcome


class Exited(Exception):
    """What exit_json/fail_json do in a real module: end the run with a result."""

    def __init__(self, failed: bool, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg", ""))
        self.failed, self.result = failed, result


class FakeClient:
    """A ModuleClient without the AnsibleModule: records how the task ends."""

    def __init__(self, diff_mode: bool = False) -> None:
        self.diff_mode = diff_mode

    def fail(self, msg: str, **result: Any) -> None:
        raise Exited(True, {"msg": msg, **result})

    def exit_json(self, **result: Any) -> None:
        raise Exited(False, result)


def created(index: int) -> dict[str, Any]:
    outcome = Outcome(Action.CREATE, True, {"before": {}, "after": {"n": index}}, [], ["n"], {"id": index})
    return outcome_result(index, "thing", outcome)


def finished(client: FakeClient, run: BatchRun, **extra: Any) -> Exited:
    with pytest.raises(Exited) as ended:
        finish_batch(client, run, **extra)  # type: ignore[arg-type]
    return ended.value


def test_a_result_carries_the_contract_keys() -> None:
    assert created(3) == {"index": 3, "kind": "thing", "changed": True, "action": "create", "facts": {"id": 3},
                          "updated": ["n"], "diff": {"before": {}, "after": {"n": 3}}}  # fmt: skip


def test_the_first_failure_stops_the_run_and_the_completed_items_are_reported_by_index() -> None:
    ran: list[int] = []

    def one(index: int) -> dict[str, Any]:
        ran.append(index)
        if index == 1:
            raise BatchItemError(1, "items[1] (thing b): refused", validations={"b.name": ["taken"]})
        return created(index)

    run = run_in_order([2, 0, 1, 3], one)  # a backend's own order: here 2 runs first
    assert ran == [2, 0, 1]
    assert [result["index"] for result in run.results] == [0, 2]
    ended = finished(FakeClient(), run, applied=["things"])
    assert ended.failed and ended.result["msg"] == "items[1] (thing b): refused"
    assert ended.result["failed_index"] == 1 and ended.result["changed"] is True
    assert [result["index"] for result in ended.result["results"]] == [0, 2]
    assert ended.result["validations"] == {"b.name": ["taken"]} and ended.result["applied"] == ["things"]


def test_without_stop_on_error_every_item_runs_and_failed_ones_get_an_entry() -> None:
    def one(index: int) -> dict[str, Any]:
        if index in (1, 2):
            raise BatchItemError(index, f"items[{index}]: no")
        return created(index)

    run = run_in_order(range(4), one, stop_on_error=False,
                       failed_result=lambda error: {"index": error.index, "changed": False, "failed": True})
    assert [(r["index"], r.get("failed", False)) for r in run.results] == [(0, False), (1, True), (2, True), (3, False)]
    assert finished(FakeClient(), run).result["failed_index"] == 1


def test_the_item_diff_is_shown_only_in_diff_mode() -> None:
    run = run_in_order(range(2), created)
    quiet, loud = finished(FakeClient(), run), finished(FakeClient(diff_mode=True), run)
    assert not quiet.failed and quiet.result["changed"] is True
    assert all("diff" not in result for result in quiet.result["results"])
    assert [result["diff"]["after"] for result in loud.result["results"]] == [{"n": 0}, {"n": 1}]


def test_bad_input_fails_before_anything_ran() -> None:
    with pytest.raises(Exited) as ended:
        fail_before_run(FakeClient(), BatchItemError(4, "items[4]: kind must be one of thing"))  # type: ignore[arg-type]
    assert ended.value.failed
    assert ended.value.result == {"msg": "items[4]: kind must be one of thing", "failed_index": 4, "changed": False,
                                  "results": []}  # fmt: skip


def test_a_failure_after_the_items_has_no_index() -> None:
    run = BatchRun([created(0)], [BatchItemError(None, "apply things: HTTP 500")])
    ended = finished(FakeClient(), run)
    assert ended.result["failed_index"] is None and ended.result["results"][0]["index"] == 0


def test_in_diff_mode_the_task_diff_lists_each_changed_item_for_ansible_playbook() -> None:
    unchanged = outcome_result(1, "alias", Outcome(Action.NOOP, False, {"before": {}, "after": {}}, [], [], {}))
    ended = finished(FakeClient(diff_mode=True), BatchRun([created(0), unchanged]))
    assert ended.result["diff"] == [{"before_header": "items[0] thing", "after_header": "items[0] thing",
                                     "before": {}, "after": {"n": 0}}]
    assert "diff" not in finished(FakeClient(), BatchRun([created(0)])).result
